"""Rust `tracing` events reach Python `logging` under logger names starting with "oxmcp"; nothing
is logged to stdout."""

from __future__ import annotations

import subprocess
import sys

SERVER = """
import logging
logging.basicConfig(level=logging.INFO, format="LOG %(name)s %(levelname)s %(message)s")
from oxmcp import McpServer
McpServer("log-test", max_message_bytes=2048).run()
"""


def test_core_warnings_reach_python_logging_on_stderr() -> None:
    big = b'{"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":"' + b"x" * 5000 + b'"}}\n'
    ping = b'{"jsonrpc":"2.0","id":4,"method":"ping"}\n'
    proc = subprocess.run([sys.executable, "-c", SERVER], input=big + ping, capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.decode()
    assert "LOG oxmcp.transport.stdio WARNING rejected a message of more than 2048 bytes" in err, err
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 2 and all(line.startswith('{"jsonrpc":"2.0"') for line in lines), lines
    assert '"id":3' in lines[0] and '"code":-32600' in lines[0]
