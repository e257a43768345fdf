"""Streamable HTTP end to end: a real server process on 127.0.0.1, raw HTTP requests, and the
official SDK client, in both protocol eras. Every test bounds its waits; the server is stopped."""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _support.http import post_mcp
from _support.messages import (
    INITIALIZED,
    MODERN,
    initialize_params,
    modern_headers,
    modern_meta,
    request,
)
from _support.processes import HTTP_ANNOUNCE, Announced

SERVER = '''
import asyncio, os, sys, time
from pathlib import Path
from oxmcp import McpServer

class Guarded(McpServer):
    async def validate_request(self, request):
        if os.environ.get("REQUIRE_TOKEN") and request["headers"].get("authorization") != "Bearer secret":
            raise Exception("Authentication required")

server = Guarded("http-test", max_message_bytes=64 * 1024)
MARKER = Path(os.environ["MARKER"])

@server.tool()
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b

@server.tool()
async def slow(seconds: float) -> str:
    """Sleep, then answer."""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        MARKER.write_text("cancelled")
        raise
    return "done"

@server.tool()
def touch() -> str:
    """Proves the tool ran."""
    MARKER.write_text("ran")
    return "ran"

server.run(transport="http", port=0, allowed_origins=["https://app.example"], cors=True)
'''


@dataclass
class Running:
    url: str
    host: str
    port: int
    marker: Path
    proc: subprocess.Popen[str]


def start(announced_server: Callable[..., Announced], tmp_path: Path, **env: str) -> Running:
    """SERVER in a subprocess (stopped by the `announced_server` fixture); `env` adds variables."""
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    marker = tmp_path / "marker"
    served = announced_server([str(script)], pattern=HTTP_ANNOUNCE, env={"MARKER": str(marker), **env})
    assert served.match is not None
    return Running(
        served.match.group(0), served.match.group(1), int(served.match.group(2)), marker, served.proc
    )


@pytest.fixture
def srv(announced_server: Callable[..., Announced], tmp_path: Path) -> Running:
    return start(announced_server, tmp_path)


def post(
    s: Running,
    body: Any,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], Any]:
    return post_mcp(s.host, s.port, body, headers, raw=raw, timeout=timeout)


def modern(
    method: str, params: dict[str, Any] | None = None, id: int = 1
) -> tuple[dict[str, Any], dict[str, str]]:
    p = dict(params or {})
    p["_meta"] = modern_meta()
    return request(method, p, id), modern_headers(method, p.get("name"))


def initialize(s: Running, version: str = "2025-11-25") -> str:
    status, headers, body = post(s, request("initialize", initialize_params(version)))
    assert status == 200 and body["result"]["protocolVersion"] == version, body
    sid = headers["mcp-session-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", sid)
    assert post(s, INITIALIZED, {"mcp-session-id": sid})[0] == 202
    return sid


def test_legacy_session_lifecycle(srv: Running) -> None:
    sid = initialize(srv)
    status, _, body = post(
        srv, request("tools/call", {"name": "add", "arguments": {"a": 2, "b": 3}}, 2), {"mcp-session-id": sid}
    )
    assert status == 200 and body["result"]["structuredContent"] == {"result": 5}
    assert post(srv, request("tools/list"))[0] == 400, "no session id"
    assert post(srv, request("tools/list"), {"mcp-session-id": "f" * 32})[0] == 404, "unknown session"
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
    conn.request("DELETE", "/mcp", headers={"mcp-session-id": sid})
    assert conn.getresponse().status == 200
    assert post(srv, request("ping"), {"mcp-session-id": sid})[0] == 404, "ended session"


def test_modern_requests_and_their_errors(srv: Running) -> None:
    body, headers = modern("tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}})
    status, _, out = post(srv, body, headers)
    assert (
        status == 200
        and out["result"]["resultType"] == "complete"
        and out["result"]["structuredContent"]["result"] == 2
    )
    status, _, out = post(srv, body, {**headers, "mcp-name": "other"})
    assert (status, out["error"]["code"]) == (400, -32020)
    status, _, out = post(srv, *modern("ping"))
    assert (status, out["error"]["code"]) == (404, -32601)
    bad = request("tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": MODERN}})
    status, _, out = post(srv, bad, {"mcp-protocol-version": MODERN, "mcp-method": "tools/list"})
    assert (status, out["error"]["code"]) == (400, -32602)
    old = request(
        "tools/list",
        {
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2099-01-01",
                "io.modelcontextprotocol/clientCapabilities": {},
            }
        },
    )
    status, _, out = post(srv, old, {"mcp-protocol-version": "2099-01-01", "mcp-method": "tools/list"})
    assert (status, out["error"]["code"]) == (400, -32022) and "2026-07-28" in out["error"]["data"][
        "supported"
    ]


def test_the_era_over_http_is_the_dispatchers(srv: Running) -> None:
    """A `_meta` protocol version that is not a string makes the request stateless over HTTP too
    (protocol::era decides for both): -32602 naming the key, as on stdio; no session is involved."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": 20260728,
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    status, headers, out = post(srv, request("tools/list", {"_meta": meta}))
    assert (status, out["error"]["code"]) == (400, -32602)
    assert "must be a string" in out["error"]["message"]
    assert "mcp-session-id" not in headers


def test_bad_input_then_the_next_request_is_served(srv: Running) -> None:
    ok_body, ok_headers = modern("tools/call", {"name": "add", "arguments": {"a": 20, "b": 22}})

    def still_serving() -> None:
        status, _, out = post(srv, ok_body, ok_headers)
        assert status == 200 and out["result"]["structuredContent"] == {"result": 42}

    status, _, out = post(srv, None, raw=b"{not json")
    assert (status, out["error"]["code"], out["id"]) == (400, -32700, None)
    still_serving()
    assert post(srv, None, {"content-type": "text/plain"}, raw=b"{}")[0] == 415
    still_serving()
    assert (
        post(
            srv, None, raw=b'{"jsonrpc":"2.0","id":1,"method":"x","params":{"pad":"' + b"a" * 200_000 + b'"}}'
        )[0]
        == 413
    )
    still_serving()
    body, headers = modern("tools/call", {"name": "add", "arguments": {"a": "x", "b": 1}})
    status, _, out = post(srv, body, headers)
    assert status == 200 and out["result"]["isError"] is True and "a:" in out["result"]["content"][0]["text"]
    still_serving()
    assert post(srv, *modern("tools/call", {"name": "nope"}))[2]["error"]["code"] == -32602
    still_serving()


def test_dns_rebinding_protection_and_cors(srv: Running) -> None:
    body, headers = modern("tools/list")
    assert post(srv, body, {**headers, "origin": "http://evil.example.com"})[0] == 403
    assert post(srv, body, {**headers, "host": "evil.example.com"})[0] == 403
    status, out_headers, _ = post(srv, body, {**headers, "origin": "https://app.example"})
    assert status == 200
    assert out_headers["access-control-allow-origin"] == "https://app.example"
    assert "mcp-session-id" in out_headers["access-control-expose-headers"]
    assert post(srv, body, {**headers, "origin": f"http://localhost:{srv.port}"})[0] == 200


def test_healthz(srv: Running) -> None:
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    health = json.loads(r.read())
    # A caller without credentials is a stranger: status only (issue 9; tests/test_auth_gate.py).
    assert r.status == 200 and health == {"status": "ok"}


def test_validate_request_sees_headers_and_answers_401(
    announced_server: Callable[..., Announced], tmp_path: Path
) -> None:
    s = start(announced_server, tmp_path, REQUIRE_TOKEN="1")
    body, headers = modern("tools/call", {"name": "touch"})
    status, out_headers, out = post(s, body, headers)
    assert status == 401 and out_headers["www-authenticate"] == "Bearer"
    assert "Authentication required" in out["error"]["message"]
    assert not s.marker.exists(), "a rejected request runs nothing"
    status, _, out = post(s, body, {**headers, "authorization": "Bearer secret"})
    assert status == 200 and out["result"]["content"][0]["text"] == "ran"


def test_client_disconnect_cancels_a_stateless_call(srv: Running) -> None:
    body, headers = modern("tools/call", {"name": "slow", "arguments": {"seconds": 5}})
    with pytest.raises(TimeoutError):
        post(srv, body, headers, timeout=0.5)
    deadline = time.monotonic() + 5
    while not srv.marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.marker.read_text() == "cancelled"
    assert post(srv, *modern("tools/call", {"name": "add", "arguments": {"a": 1, "b": 2}}))[0] == 200


def test_standalone_get_stream_is_one_per_session(srv: Running) -> None:
    sid = initialize(srv)
    first = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
    first.request("GET", "/mcp", headers={"accept": "text/event-stream", "mcp-session-id": sid})
    r = first.getresponse()
    assert r.status == 200 and r.getheader("content-type") == "text/event-stream"
    second = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
    second.request("GET", "/mcp", headers={"accept": "text/event-stream", "mcp-session-id": sid})
    assert second.getresponse().status == 409
    first.close()


@pytest.mark.parametrize("mode", ["legacy", MODERN, "auto"])
def test_official_sdk_client(srv: Running, mode: str) -> None:
    from mcp import Client

    async def drive() -> None:
        async with Client(srv.url, mode=mode, read_timeout_seconds=10) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            assert names == ["add", "slow", "touch"]
            results = await asyncio.gather(*[client.call_tool("add", {"a": i, "b": 1}) for i in range(20)])
            assert [r.structured_content for r in results] == [{"result": i + 1} for i in range(20)]

    asyncio.run(asyncio.wait_for(drive(), 30))
