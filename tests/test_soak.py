"""A CI-sized soak (`bench/soak.py`, the driver of `make soak`): about 20 s of mixed load against a
real server process; every answer comes back once and right, and open fds come back. (RSS is
checked by the full `make soak`: a short run is dominated by one-time allocations.)"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parent.parent / "bench" / "soak.py"


def test_a_short_soak_loses_duplicates_and_garbles_nothing() -> None:
    argv = [
        sys.executable,
        str(SOAK),
        "--seconds",
        "20",
        "--workers",
        "3",
        "--settle",
        "8",
        "--max-fd-growth",
        "4",
    ]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    out = run.stdout
    counts = re.search(r"answers: (\d+) ok, lost (\d+) / duplicated (\d+) / wrong (\d+)", out)
    assert counts, out + run.stderr
    ok, lost, duplicated, wrong = map(int, counts.groups())
    assert (lost, duplicated, wrong) == (0, 0, 0), out
    assert ok > 100, f"the load ran: {out}"
    fds = re.search(r"fds: start (\d+), peak (\d+), end (\d+)", out)
    assert fds and int(fds.group(3)) <= int(fds.group(1)) + 4, out
    assert run.returncode == 0 and out.rstrip().endswith("PASS"), out
