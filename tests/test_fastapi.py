"""The seed's FastAPI snippet (imports changed) inside a real uvicorn on 127.0.0.1, and a plain
Starlette mount: requests reach the Rust endpoint through ASGI, in both protocol eras."""

from __future__ import annotations

import asyncio
import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from _support.http import post_mcp, wait_until_listening
from _support.messages import modern_meta
from _support.processes import announced

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

APP = '''
import socket, sys
from fastapi import FastAPI
from oxmcp import McpServer
from oxmcp.server.fastapi import create_mcp_router

server = McpServer("fastapi-test")

@server.tool()
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b

app = FastAPI()
mcp_router = create_mcp_router(server)
app.include_router(mcp_router, prefix="/mcp")

@app.get("/hello")
def hello():
    return {"hello": "world"}

if __name__ == "__main__":
    import uvicorn
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", file=sys.stderr, flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
'''

MODERN_META = modern_meta()


@contextmanager
def uvicorn_app(tmp_path: Path, source: str) -> Iterator[int]:
    """Runs an app script (which prints ``PORT n`` and serves under uvicorn); yields its port once
    it accepts connections, and stops it."""
    script = tmp_path / "app.py"
    script.write_text(source)
    with announced([str(script)], pattern=r"PORT (\d+)") as served:
        assert served.match is not None
        port = int(served.match.group(1))
        wait_until_listening(port)
        yield port


@pytest.fixture
def port(tmp_path: Path) -> Iterator[int]:
    with uvicorn_app(tmp_path, APP) as port:
        yield port


def post(port: int, body: dict, headers: dict[str, str]) -> tuple[int, dict[str, str], dict]:
    return post_mcp("127.0.0.1", port, body, headers)


def test_fastapi_router_serves_both_eras(port: int) -> None:
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 3}, "_meta": MODERN_META},
    }
    status, _, out = post(
        port, call, {"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "add"}
    )
    assert status == 200 and out["result"]["structuredContent"] == {"result": 5}
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t"}},
    }
    status, headers, out = post(port, init, {})
    assert status == 200 and "mcp-session-id" in headers
    status, _, out = post(
        port,
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"mcp-session-id": headers["mcp-session-id"]},
    )
    assert [t["name"] for t in out["result"]["tools"]] == ["add"]
    status, _, out = post(
        port, call, {"mcp-protocol-version": "2026-07-28", "origin": "http://evil.example.com"}
    )
    assert status == 403


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
def test_official_sdk_client_through_fastapi(port: int, mode: str) -> None:
    from mcp import Client

    async def drive() -> None:
        async with Client(f"http://127.0.0.1:{port}/mcp", mode=mode, read_timeout_seconds=10) as client:
            results = await asyncio.gather(*[client.call_tool("add", {"a": i, "b": i}) for i in range(10)])
            assert [r.structured_content for r in results] == [{"result": 2 * i} for i in range(10)]

    asyncio.run(asyncio.wait_for(drive(), 30))


STARLETTE_APP = '''
import socket, sys
from starlette.applications import Starlette
from starlette.routing import Mount
from oxmcp import McpServer

server = McpServer("starlette-test")

@server.tool()
async def echo(text: str) -> str:
    """Echo."""
    return text

app = Starlette(routes=[Mount("/mcp", app=server.asgi_app())])

if __name__ == "__main__":
    import uvicorn
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", file=sys.stderr, flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
'''


def test_starlette_mount(tmp_path: Path) -> None:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "hi"}, "_meta": MODERN_META},
    }
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "echo",
    }
    with uvicorn_app(tmp_path, STARLETTE_APP) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/mcp/", body=json.dumps(body), headers=headers)
        r = conn.getresponse()
        assert r.status == 200
        assert json.loads(r.read())["result"]["content"][0]["text"] == "hi"
