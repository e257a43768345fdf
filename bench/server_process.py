"""A throwaway oxmcp server process for the memory benchmarks (`soak.py`, `stream_memory.py`):
started from a script text, its address read from the ``serving MCP on http://...`` line, its
stderr drained so it never blocks, and its RSS and open fds read from /proc."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def rss(pid: int) -> int:
    """Resident set size of `pid` in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class ServerProcess:
    def __init__(self, script: str, *args: str) -> None:
        self.dir = tempfile.TemporaryDirectory()
        path = Path(self.dir.name) / "server.py"
        path.write_text(script)
        self.proc = subprocess.Popen([sys.executable, str(path), *args], stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if "serving MCP on http://" in line:
                addr = line.split("http://", 1)[1].split("/", 1)[0]
                host, port = addr.rsplit(":", 1)
                self.host, self.port = host, int(port)
                # Keep draining stderr so the server never blocks on a full pipe.
                threading.Thread(target=self._drain, daemon=True).start()
                return
        self.stop()
        raise RuntimeError("the server did not start")

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for _ in self.proc.stderr:
            pass

    def rss(self) -> int:
        return rss(self.proc.pid)

    def fds(self) -> int:
        return len(list(Path(f"/proc/{self.proc.pid}/fd").iterdir()))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.dir.cleanup()
