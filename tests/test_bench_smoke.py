"""Load through the real stdio transport with many requests in flight, every answer checked.

Uses the benchmark's Rust load generator (built by `make test`), which verifies each response id
and value. This is the regression test for lost wake-ups between the Rust queue and the asyncio
loop: a stall makes the driver fail after `--stall-timeout-s`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DRIVER = ROOT / "target" / "release" / "oxmcp-bench-driver"
SERVER = ROOT / "bench" / "servers" / "oxmcp_server.py"

pytestmark = pytest.mark.skipif(not DRIVER.exists(), reason="bench driver not built (make test builds it)")


def run_driver(*args: str) -> dict[str, Any]:
    command = [str(DRIVER), *args, "--timeout-s", "30", "--", sys.executable, str(SERVER)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


@pytest.mark.parametrize("inflight", [2, 16, 64])
def test_every_answer_arrives_under_load(inflight: int) -> None:
    report = run_driver(
        "throughput",
        "--inflight",
        str(inflight),
        "--duration-ms",
        "700",
        "--warmup-ms",
        "100",
        "--stall-timeout-s",
        "5",
    )
    assert report["calls"] > 100, report


def test_large_echo_round_trips() -> None:
    report = run_driver("echo-large", "--size-bytes", str(1 << 20), "--count", "3")
    assert report["mode"] == "echo-large", report
