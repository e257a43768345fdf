"""Benchmark oxmcp against the official MCP Python SDK over stdio and Streamable HTTP.

Runs the Rust load generator (``bench/driver``) against ``bench/servers/oxmcp_server.py`` and
``bench/servers/sdk_server.py`` (stdio), and their HTTP twins ``*_http_server.py``, alternating
between the two so that machine noise hits both alike, then prints comparison tables and writes
``bench/results.json`` / ``bench/results.md``.
See ``bench/README.md`` for what each number means.

    python bench/run.py            # full run (3 rounds, about 6 minutes)
    python bench/run.py --quick    # smoke test: 1 short round, writes no result files
    python bench/run.py --only sdk # one server only, writes no result files
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DRIVER = ROOT / "target" / "release" / "oxmcp-bench-driver"
SERVERS = {
    "oxmcp": BENCH / "servers" / "oxmcp_server.py",
    "sdk": BENCH / "servers" / "sdk_server.py",
}
HTTP_SERVERS = {
    "oxmcp": BENCH / "servers" / "oxmcp_http_server.py",
    "sdk": BENCH / "servers" / "sdk_http_server.py",
}
TRANSPORTS = {"stdio": "stdio", "http": "Streamable HTTP (handshake era, keep-alive HTTP/1.1)"}


@dataclass(frozen=True)
class Profile:
    """How long each measurement runs. The default fits in about six minutes on two cores."""

    rounds: int = 3
    warmup_ms: int = 500
    duration_ms: int = 3000
    latency_warmup: int = 300
    latency_count: int = 3000
    echo_count: int = 10
    coldstart_repeat: int = 5


QUICK = Profile(
    rounds=1,
    warmup_ms=200,
    duration_ms=500,
    latency_warmup=50,
    latency_count=300,
    echo_count=2,
    coldstart_repeat=2,
)


@dataclass(frozen=True)
class Measurement:
    """One driver invocation, repeated for each server in each round."""

    key: str
    mode: str
    args: tuple[str, ...]
    pinned: bool = False
    transport: str = "stdio"


def measurements(profile: Profile) -> list[Measurement]:
    throughput = ("--warmup-ms", str(profile.warmup_ms), "--duration-ms", str(profile.duration_ms))
    latency = ("--warmup", str(profile.latency_warmup), "--count", str(profile.latency_count))
    return [
        *(
            Measurement(f"throughput_{n}", "throughput", ("--inflight", str(n), *throughput))
            for n in (1, 16, 64)
        ),
        Measurement("latency", "latency", latency),
        Measurement("latency_pinned", "latency", latency, pinned=True),
        Measurement(
            "echo_large", "echo-large", ("--size-bytes", str(1 << 20), "--count", str(profile.echo_count))
        ),
        Measurement("coldstart", "coldstart", ("--repeat", str(profile.coldstart_repeat))),
        # Streamable HTTP: --inflight N is N keep-alive connections with one call each.
        *(
            Measurement(
                f"http_throughput_{n}", "throughput", ("--inflight", str(n), *throughput), transport="http"
            )
            for n in (1, 16, 64)
        ),
        Measurement("http_latency", "latency", latency, transport="http"),
        Measurement("http_latency_pinned", "latency", latency, pinned=True, transport="http"),
    ]


@dataclass(frozen=True)
class Row:
    """A line of the report: where its numbers come from and what it is held to."""

    label: str
    key: str
    field: str
    unit: str
    higher_is_better: bool
    target: str = ""
    # Met when oxmcp is better by at least this factor ...
    min_ratio: float | None = None
    # ... or, for absolute targets, when oxmcp's value is at most this.
    max_value: float | None = None
    transport: str = "stdio"


ROWS = [
    Row("calls/s, 1 in flight", "throughput_1", "calls_per_s", "", True),
    Row("calls/s, 16 in flight", "throughput_16", "calls_per_s", "", True, "≥ 25× SDK", min_ratio=25),
    Row("calls/s, 64 in flight", "throughput_64", "calls_per_s", "", True),
    Row(
        "server CPU/call, 16 in flight",
        "throughput_16",
        "server_cpu_us_per_call",
        "µs",
        False,
        "≤ 1/40 SDK",
        min_ratio=40,
    ),
    Row("sequential p50", "latency", "p50_us", "µs", False),
    Row("sequential p99", "latency", "p99_us", "µs", False),
    Row("sequential p50, pinned to 1 CPU", "latency_pinned", "p50_us", "µs", False, "≤ 1/8 SDK", min_ratio=8),
    Row("sequential p99, pinned to 1 CPU", "latency_pinned", "p99_us", "µs", False),
    Row("cold start (spawn → initialize)", "coldstart", "median_ms", "ms", False, "≤ 100 ms", max_value=100),
    Row("peak RSS, 16 in flight", "throughput_16", "peak_rss_mib", "MiB", False, "≤ 1/3 SDK", min_ratio=3),
    Row("1 MiB echo (both directions)", "echo_large", "mb_per_s", "MB/s", True),
    Row("calls/s, 1 connection", "http_throughput_1", "calls_per_s", "", True, transport="http"),
    Row(
        "calls/s, 16 connections",
        "http_throughput_16",
        "calls_per_s",
        "",
        True,
        "≥ 20× SDK",
        min_ratio=20,
        transport="http",
    ),
    Row("calls/s, 64 connections", "http_throughput_64", "calls_per_s", "", True, transport="http"),
    Row(
        "server CPU/call, 16 connections",
        "http_throughput_16",
        "server_cpu_us_per_call",
        "µs",
        False,
        "≤ 1/25 SDK",
        min_ratio=25,
        transport="http",
    ),
    Row("sequential p50", "http_latency", "p50_us", "µs", False, transport="http"),
    Row("sequential p99", "http_latency", "p99_us", "µs", False, transport="http"),
    Row(
        "sequential p50, pinned to 1 CPU",
        "http_latency_pinned",
        "p50_us",
        "µs",
        False,
        "≤ 1/8 SDK",
        min_ratio=8,
        transport="http",
    ),
    Row("sequential p99, pinned to 1 CPU", "http_latency_pinned", "p99_us", "µs", False, transport="http"),
    Row("peak RSS, 16 connections", "http_throughput_16", "peak_rss_mib", "MiB", False, transport="http"),
]


class BenchError(Exception):
    pass


def main() -> int:
    args = parse_args()
    profile = QUICK if args.quick else Profile()
    servers = [args.only] if args.only else list(SERVERS)
    try:
        ensure_driver()
        check_servers_importable(servers)
        runs = run_all(profile, servers)
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 1
    summary = summarize(runs)
    table = format_table(summary, servers)
    print()
    print("\n".join(table))
    if args.quick or args.only:
        print("\n(--quick/--only: results.json and results.md left untouched)")
    else:
        write_results(profile, runs, summary, table)
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark oxmcp against the official MCP Python SDK.")
    parser.add_argument("--quick", action="store_true", help="one short round (smoke test)")
    parser.add_argument("--only", choices=sorted(SERVERS), help="measure one server only")
    return parser.parse_args()


def ensure_driver() -> None:
    """The Makefile builds the driver; building here too keeps `python bench/run.py` self-contained."""
    if DRIVER.exists():
        return
    print("building the driver (cargo build --release -p oxmcp-bench-driver) ...", flush=True)
    build = subprocess.run(["cargo", "build", "--release", "-p", "oxmcp-bench-driver"], cwd=ROOT, check=False)
    if build.returncode != 0 or not DRIVER.exists():
        raise BenchError("could not build the benchmark driver")


def check_servers_importable(servers: list[str]) -> None:
    """Fail early with a clear message instead of mid-run with a server traceback."""
    modules = {"oxmcp": "oxmcp", "sdk": "mcp.server.mcpserver, uvicorn"}
    for server in servers:
        probe = subprocess.run(
            [sys.executable, "-c", f"import {modules[server]}"], capture_output=True, text=True, check=False
        )
        if probe.returncode != 0:
            raise BenchError(f"{sys.executable} cannot import {modules[server]}:\n{probe.stderr.strip()}")


def run_all(profile: Profile, servers: list[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every measurement for every server, round by round, alternating the servers."""
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {s: {} for s in servers}
    for round_no in range(profile.rounds):
        # Swap who goes first each round so neither always runs on a "fresher" machine.
        order = servers if round_no % 2 == 0 else servers[::-1]
        for m in measurements(profile):
            for server in order:
                print(f"round {round_no + 1}/{profile.rounds}  {m.key:<19} {server:<6}", end="  ", flush=True)
                result = run_driver(m, server)
                print(headline(result), flush=True)
                runs[server].setdefault(m.key, []).append(result)
    return runs


def run_driver(m: Measurement, server: str) -> dict[str, Any]:
    """Runs the driver once and returns its JSON; any failure (wrong answer included) aborts."""
    pin = pin_prefix() if m.pinned else []
    timeout_s = 120
    if m.transport == "http":
        server_cmd = [*pin, sys.executable, str(HTTP_SERVERS[server]), "--port", str(free_port())]
        transport = ["--transport", "http"]
    else:
        server_cmd = [*pin, sys.executable, str(SERVERS[server])]
        transport = []
    cmd = [*pin, str(DRIVER), m.mode, *transport, *m.args, "--timeout-s", str(timeout_s), "--", *server_cmd]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s + 30, check=False)
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"driver hung: {' '.join(cmd)}") from e
    if proc.returncode != 0:
        # The driver's stderr already includes the tail of the server's stderr.
        raise BenchError(f"{' '.join(cmd)}\nexited with {proc.returncode}:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)


def free_port() -> int:
    """A loopback port nobody listens on right now (the SDK cannot bind port 0 and report it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pin_prefix() -> list[str]:
    """`taskset -c 1`: server and driver share one CPU, so the latency is free of cross-core wake-ups."""
    if shutil.which("taskset") is None:
        raise BenchError("taskset not found (util-linux); it is needed for the pinned latency run")
    cpu = "1" if (os.cpu_count() or 1) > 1 else "0"
    return ["taskset", "-c", cpu]


def headline(result: dict[str, Any]) -> str:
    """A short progress line, so a long run shows it is alive."""
    mode = result["mode"]
    if mode == "throughput":
        return f"{result['calls_per_s']:>10.0f} calls/s  {result['server_cpu_us_per_call']:.1f} µs CPU/call"
    if mode == "latency":
        return f"p50 {result['p50_us']:.0f} µs  p99 {result['p99_us']:.0f} µs"
    if mode == "echo-large":
        return f"{result['mb_per_s']:.0f} MB/s"
    return f"median {result['median_ms']:.1f} ms"


def summarize(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """One entry per row: the median over rounds for each server, the ratio and the verdict."""
    summary = []
    for row in ROWS:
        values = {
            server: statistics.median(r[row.field] for r in by_key[row.key])
            for server, by_key in runs.items()
        }
        ratio = better_by(row, values.get("oxmcp"), values.get("sdk"))
        summary.append(
            {**dataclasses.asdict(row), "values": values, "ratio": ratio, "met": verdict(row, values, ratio)}
        )
    return summary


def better_by(row: Row, oxmcp: float | None, sdk: float | None) -> float | None:
    """How many times better oxmcp is (> 1 means better, whichever direction "better" is)."""
    if oxmcp is None or sdk is None or oxmcp <= 0 or sdk <= 0:
        return None
    return oxmcp / sdk if row.higher_is_better else sdk / oxmcp


def verdict(row: Row, values: dict[str, float], ratio: float | None) -> bool | None:
    if row.max_value is not None and "oxmcp" in values:
        return values["oxmcp"] <= row.max_value
    if row.min_ratio is not None and ratio is not None:
        return ratio >= row.min_ratio
    return None


def format_table(summary: list[dict[str, Any]], servers: list[str]) -> list[str]:
    """The report as Markdown tables, one per transport (readable as-is on a terminal too)."""
    lines: list[str] = []
    for transport, title in TRANSPORTS.items():
        entries = [e for e in summary if e["transport"] == transport]
        if entries:
            lines += [*([""] if lines else []), f"**{title}**", "", *table_rows(entries)]
    return lines


def table_rows(summary: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| metric | oxmcp | official SDK | ratio (oxmcp better by) | target | met? |",
        "|---|---:|---:|---:|---|:---:|",
    ]
    for entry in summary:
        cells = [fmt_value(entry["values"].get(s), entry["unit"]) for s in ("oxmcp", "sdk")]
        ratio = "—" if entry["ratio"] is None else f"{entry['ratio']:.1f}×"
        met = {True: "yes", False: "**no**", None: "—" if entry["target"] else ""}[entry["met"]]
        lines.append(f"| {entry['label']} | {cells[0]} | {cells[1]} | {ratio} | {entry['target']} | {met} |")
    return lines


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    digits = 0 if value >= 100 else 1 if value >= 10 else 2
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}" if unit else text


def machine_info() -> dict[str, Any]:
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "mcp_version": package_version("mcp"),
        "oxmcp_version": package_version("oxmcp"),
        "git_commit": git_commit(),
    }


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return head.stdout.strip() or None


def write_results(
    profile: Profile,
    runs: dict[str, dict[str, list[dict[str, Any]]]],
    summary: list[dict[str, Any]],
    table: list[str],
) -> None:
    machine = machine_info()
    raw = {"machine": machine, "profile": dataclasses.asdict(profile), "summary": summary, "runs": runs}
    (BENCH / "results.json").write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n")
    header = (
        f"Measured {machine['date']} on {machine['nproc']} CPUs ({machine['cpu']}), "
        f"Python {machine['python']}, mcp {machine['mcp_version']}, oxmcp {machine['oxmcp_version']}; "
        f"median of {profile.rounds} alternating rounds. Produced by `make bench`; see bench/README.md."
    )
    (BENCH / "results.md").write_text(header + "\n\n" + "\n".join(table) + "\n")
    print(f"\nwrote {BENCH / 'results.json'} and {BENCH / 'results.md'}")


if __name__ == "__main__":
    sys.exit(main())
