"""The ASGI app driven in process by a minimal host: a client that leaves (``http.disconnect``)
cancels its stateless call; `McpAsgiApp.close_streams` ends an open GET stream; a client that
leaves before its body is complete is not served."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from _support.messages import initialize_params, modern_headers, modern_meta
from oxmcp import McpServer
from oxmcp.server.asgi import McpAsgiApp


class Host:
    """One request: ``receive`` hands out the body, then waits until `leave` is called."""

    def __init__(self, method: str, headers: dict[str, str], body: bytes = b"", *, complete: bool = True):
        self.scope = {
            "type": "http",
            "method": method,
            "path": "/",
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
        self._body: list[dict[str, Any]] = [{"type": "http.request", "body": body, "more_body": not complete}]
        self._left = asyncio.Event()
        self.sent: list[dict[str, Any]] = []
        self.started = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        if self._body:
            return self._body.pop()
        await self._left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.start":
            self.started.set()

    def leave(self) -> None:
        self._left.set()

    def status(self) -> int:
        return int(self.sent[0]["status"])

    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.sent[0]["headers"]}

    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])


POST = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


def make() -> tuple[McpAsgiApp, list[str]]:
    server = McpServer("asgi-disconnect")
    seen: list[str] = []

    @server.tool()
    async def wait() -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        return "never"

    @server.tool()
    async def add(a: int, b: int) -> int:
        return a + b

    return McpAsgiApp(server), seen


def call(name: str, arguments: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }
    body["params"]["_meta"] = modern_meta()
    return {**POST, **modern_headers("tools/call", name)}, json.dumps(body).encode()


@pytest.mark.asyncio
async def test_a_client_that_leaves_cancels_its_stateless_call() -> None:
    app, seen = make()
    host = Host("POST", *call("wait", {}))
    served = asyncio.ensure_future(app(host.scope, host.receive, host.send))
    await asyncio.sleep(0.2)
    assert not served.done() and seen == []
    host.leave()
    await asyncio.wait_for(served, 5)
    for _ in range(200):
        if seen:
            break
        await asyncio.sleep(0.01)
    assert seen == ["cancelled"]
    fresh = Host("POST", *call("add", {"a": 1, "b": 2}))
    await asyncio.wait_for(app(fresh.scope, fresh.receive, fresh.send), 5)
    assert fresh.status() == 200 and json.loads(fresh.body())["result"]["structuredContent"] == {"result": 3}


@pytest.mark.asyncio
async def test_close_streams_ends_an_open_get_stream_and_a_new_one_opens() -> None:
    app, _ = make()
    init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize_params()})
    host = Host("POST", POST, init.encode())
    await asyncio.wait_for(app(host.scope, host.receive, host.send), 5)
    sid = host.headers()["mcp-session-id"]
    get_headers = {"accept": "text/event-stream", "mcp-session-id": sid}
    stream = Host("GET", get_headers)
    served = asyncio.ensure_future(app(stream.scope, stream.receive, stream.send))
    await asyncio.wait_for(stream.started.wait(), 5)
    assert stream.status() == 200
    await asyncio.sleep(0.1)
    assert not served.done()
    app.close_streams()
    await asyncio.wait_for(served, 5)
    assert stream.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    again = Host("GET", get_headers)
    reopened = asyncio.ensure_future(app(again.scope, again.receive, again.send))
    await asyncio.wait_for(again.started.wait(), 5)
    assert again.status() == 200, "the first stream let go of the session"
    again.leave()
    await asyncio.wait_for(reopened, 5)


@pytest.mark.asyncio
async def test_a_client_that_leaves_mid_body_is_not_served() -> None:
    app, seen = make()
    headers, body = call("add", {"a": 1, "b": 2})
    host = Host("POST", headers, body[:10], complete=False)
    host.leave()
    await asyncio.wait_for(app(host.scope, host.receive, host.send), 5)
    assert host.sent == []
