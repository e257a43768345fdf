"""The ``oxmcp`` command line serves a server file over stdio and HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from _support.processes import Announced
from oxmcp.cli import load_server

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart.py"


def test_load_server_finds_the_server_object() -> None:
    assert load_server(str(QUICKSTART)).name == "my-tool-server"
    assert load_server(f"{QUICKSTART}:server").name == "my-tool-server"
    with pytest.raises(SystemExit):
        load_server(f"{QUICKSTART}:nothing_here")
    with pytest.raises(SystemExit):
        load_server("no/such/file.py")


def test_run_over_stdio() -> None:
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t"}},
    }
    out = subprocess.run(
        [sys.executable, "-m", "oxmcp", "run", str(QUICKSTART)],
        input=json.dumps(init) + "\n",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["result"]["serverInfo"]["name"] == "my-tool-server"


def test_run_over_http(announced_server: Callable[..., Announced]) -> None:
    served = announced_server(["-m", "oxmcp", "run", str(QUICKSTART), "--transport", "http", "--port", "0"])
    line = served.line
    url = line.split(" on ")[-1].strip()
    assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp"), line
    health = json.loads(urllib.request.urlopen(url.replace("/mcp", "/healthz"), timeout=5).read())
    assert health == {"status": "ok"}  # name and counts only to a caller with credentials (issue 9)
