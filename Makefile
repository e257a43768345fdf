# oxmcp: `make run` (start the example server) and `make test` (build and run every test).
# Everything this needs beyond Rust, Python 3.11 and pip is installed into .venv/ and .tools/.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.oxmcp-built
DEPS_STAMP := $(VENV)/.deps-installed
RUST_SOURCES := $(shell find src crates -name '*.rs' 2>/dev/null) Cargo.toml crates/oxmcp-core/Cargo.toml pyproject.toml

# Python tools, pinned. `mcp` is the official SDK: only for interop tests and the benchmark.
DEV_DEPS := "maturin>=1.9.4,<2" "pytest>=8,<10" "pytest-asyncio>=1.0,<2" "mcp==2.3.0" "ruff==0.17.6" "aiohttp>=3.9,<4" "fastapi>=0.110" "mypy==2.4.1"

.PHONY: help run test test-rust test-python test-conformance bench bench-quick fuzz soak lint fmt build clean

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(DEPS_STAMP): Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet $(DEV_DEPS)
	touch $@

$(STAMP): $(DEPS_STAMP) $(RUST_SOURCES)
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/maturin develop --release --quiet
	touch $@

build: $(STAMP) ## Build the native module into .venv (once; rebuilt when Rust sources change)

run: build ## Build and serve examples/quickstart.py over Streamable HTTP on 127.0.0.1:8000/mcp
	@echo "oxmcp: serving examples/quickstart.py at http://127.0.0.1:8000/mcp (Ctrl-C to stop)." >&2
	@echo 'Client config: {"mcpServers": {"quickstart": {"url": "http://127.0.0.1:8000/mcp"}}}' >&2
	@echo 'Or over stdio: {"command": "$(abspath $(PY))", "args": ["$(abspath examples/quickstart.py)"]}' >&2
	@$(PY) -m oxmcp run examples/quickstart.py --transport http --port $(or $(PORT),8000)

test: build test-rust test-python test-conformance ## Build and run every test (cargo test, pytest, conformance)

# The benchmark's load generator doubles as a stress client in the Python tests.
DRIVER := target/release/oxmcp-bench-driver
$(DRIVER): $(shell find bench/driver -name '*.rs' -o -name Cargo.toml)
	cargo build --release -p oxmcp-bench-driver --quiet

test-rust:
	cargo test -p oxmcp-core --quiet

test-python: build $(DRIVER)
	$(PY) -m pytest -q

# The official MCP conformance suite against examples/everything.py over Streamable HTTP; installs
# Node 22 and the pinned harness into .tools/ on first use. Fails on anything not in the baseline.
test-conformance: build
	$(PY) conformance/run.py

bench: build $(DRIVER) ## Compare oxmcp with the official Python SDK (prints ratios; writes bench/results.md)
	$(PY) bench/run.py

bench-quick: build $(DRIVER) ## A short benchmark round (smoke test; writes no result files)
	$(PY) bench/run.py --quick

# cargo-fuzz targets in fuzz/ (framing, JSON-RPC, dispatch, URI templates, Mcp-Param headers), each
# run for FUZZ_SECONDS from the seeds in fuzz/corpus/<target>/; needs the nightly toolchain. Not in `test`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := framing jsonrpc dispatch uri_template param_headers
CARGO_FUZZ := .tools/bin/cargo-fuzz
$(CARGO_FUZZ):
	cargo install cargo-fuzz --locked --root .tools

fuzz: $(CARGO_FUZZ) ## Fuzz each target for FUZZ_SECONDS (default 60) on nightly; crashes land in fuzz/artifacts/
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $$t ($(FUZZ_SECONDS) s)" >&2; \
		mkdir -p fuzz/corpus-run/$$t; \
		PATH=$(abspath .tools/bin):$$PATH cargo +nightly fuzz run --fuzz-dir fuzz $$t fuzz/corpus-run/$$t fuzz/corpus/$$t \
			-- -max_total_time=$(FUZZ_SECONDS); \
	done

# Mixed load for SOAK_SECONDS against a run_http subprocess: answers checked by id, RSS and fds
# sampled every 10 s; fails on a lost, duplicated or wrong answer or RSS 16 MiB above its start.
SOAK_SECONDS ?= 600
soak: build ## Soak the HTTP server for SOAK_SECONDS (default 600): 0/0/0 answers, RSS back within 16 MiB
	$(PY) bench/soak.py --seconds $(SOAK_SECONDS) --max-rss-growth 16

lint: $(DEPS_STAMP) ## rustfmt, clippy -D warnings, ruff
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(VENV)/bin/ruff check python tests examples bench conformance
	$(VENV)/bin/ruff format --check python tests examples bench conformance

fmt: $(DEPS_STAMP) ## Format Rust and Python
	cargo fmt --all
	$(VENV)/bin/ruff check --fix python tests examples bench conformance
	$(VENV)/bin/ruff format python tests examples bench conformance

clean: ## Remove build products (keeps .venv and .tools)
	cargo clean
	rm -f $(STAMP)
