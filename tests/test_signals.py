"""Ctrl-C stops a serving `server.run()` cleanly: exit status 0, no traceback, no Rust panic."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

SERVER = """
import signal
import sys

# A shell that starts jobs in the background makes them ignore SIGINT, and Python then installs no
# KeyboardInterrupt handler: restore it, so the test does not depend on how it was launched.
signal.signal(signal.SIGINT, signal.default_int_handler)

from oxmcp import McpServer
server = McpServer("sigint")

@server.tool()
async def add(a: int, b: int) -> int:
    return a + b

print("ready", file=sys.stderr, flush=True)
server.run()
"""


def test_sigint_stops_the_server_cleanly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stderr is not None and proc.stdin is not None and proc.stdout is not None
        assert proc.stderr.readline().strip() == b"ready"
        proc.stdin.write(
            b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},'
            b'"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
            b'"io.modelcontextprotocol/clientCapabilities":{}}}}\n'
        )
        proc.stdin.flush()
        assert b'"structuredContent":{"result":3}' in proc.stdout.readline()
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        err = proc.stderr.read().decode()
        assert "Traceback" not in err and "panicked" not in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
