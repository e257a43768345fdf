"""Servers started as Python subprocesses that announce their address on stderr.

Every wait is bounded and every process is killed on the way out, so a hung server fails its test
instead of hanging the suite.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TIMEOUT = 10.0

# "oxmcp: NAME serving MCP on http://127.0.0.1:PORT/mcp": groups host, port, path.
HTTP_ANNOUNCE = r"http://([\d.]+):(\d+)(/mcp)"


def pump_lines(stream: Any, out: queue.Queue[str | None]) -> None:
    """Copies `stream` line by line into `out` (a thread's job); None marks the end."""
    try:
        for line in iter(stream.readline, ""):
            out.put(line)
    except (ValueError, OSError):  # the pipe was closed under us
        pass
    finally:
        out.put(None)


@dataclass
class Announced:
    """A running server process and the first line it wrote to stderr."""

    proc: subprocess.Popen[str]
    line: str
    match: re.Match[str] | None
    # The rest of stderr keeps being read (so a chatty server never blocks on a full pipe).
    _stderr: queue.Queue[str | None] = field(repr=False)


@contextmanager
def announced(
    argv: list[str],
    *,
    pattern: str | None = None,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = TIMEOUT,
) -> Iterator[Announced]:
    """Runs ``python *argv``, waits at most `timeout` for its first stderr line (checked against the
    regular expression `pattern`, searched, when given), yields it, and kills the process on exit."""
    proc = subprocess.Popen(
        [sys.executable, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=pump_lines, args=(proc.stderr, lines), daemon=True).start()
    try:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{argv}: nothing on stderr within {timeout}s") from None
        assert line is not None, f"{argv}: exited (status {proc.wait(timeout)}) before announcing itself"
        match = re.search(pattern, line) if pattern is not None else None
        assert pattern is None or match, line
        yield Announced(proc, line, match, lines)
    finally:
        proc.kill()
        proc.wait(timeout=timeout)
        if proc.stderr is not None:
            proc.stderr.close()
