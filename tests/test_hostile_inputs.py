"""Issue 9 §7 over real HTTP: a resource function never sees a traversal in its URI variables, `POST []`
and refused batches are -32600 (not a silent 202), a malformed Host is refused, and a non-ASCII resource
URI is read statelessly with `Mcp-Name` in the `=?base64?...?=` form. Each ends with a fresh call."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from _support.eras import LEGACY, MODERN
from _support.http import address, post_mcp
from _support.messages import INITIALIZED, initialize_params, modern_headers, modern_meta, request
from oxmcp import ErrorCode, McpServer

TRAVERSALS = [
    "files://..%2F..%2Fetc%2Fpasswd",
    "files://%2Fetc",
    "files://..",
    "files://%2e%2e",
    "files://a%00b",
    "files://a%0Ab",
    "files://..%5Cwindows",
    "tree:///../etc/passwd",
    "tree:///a/%2E%2E/%2E%2E/etc/passwd",
    "tree:///a%2F..%2F..%2Fetc",
    "tree:///a/b%00.txt",
    "paths://x/../etc/passwd",
    "paths://x/a%2F%2E%2E%2Fb",
]


def make_server() -> tuple[McpServer, list[str]]:
    server = McpServer("hostile")
    seen: list[str] = []

    @server.resource("files://{name}")
    def file(name: str) -> str:
        seen.append(name)
        return f"file {name}"

    @server.resource("tree:///{+path}")
    def tree(path: str) -> str:
        seen.append(path)
        return f"tree {path}"

    @server.resource("paths://x{/path}")
    def paths(path: str) -> str:
        seen.append(path)
        return f"paths {path}"

    @server.tool()
    def echo(text: str) -> str:
        return text

    return server, seen


def b64(text: str) -> str:
    return "=?base64?" + base64.b64encode(text.encode()).decode() + "?="


class Client:
    """Raw POSTs to one served endpoint; `session` set once a handshake-era session is open."""

    def __init__(self, url: str) -> None:
        self.host, self.port, self.path = address(url)
        self.session: str | None = None

    def post(self, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        h = dict(headers or {})
        if self.session:
            h["mcp-session-id"] = self.session
        status, _, answer = post_mcp(self.host, self.port, body, h, timeout=5, path=self.path)
        return status, answer

    def open(self, version: str) -> None:
        status, headers, _ = post_mcp(
            self.host, self.port, request("initialize", initialize_params(version)), timeout=5, path=self.path
        )
        assert status == 200
        self.session = headers["mcp-session-id"]
        assert self.post(INITIALIZED)[0] == 202

    def stateless(self, method: str, params: dict[str, Any], name: str | None) -> tuple[int, Any]:
        body = request(method, {**params, "_meta": modern_meta()})
        return self.post(body, modern_headers(method, name))


@pytest.mark.asyncio
async def test_resource_functions_never_see_a_traversal(in_process_server: Any) -> None:
    server, seen = make_server()
    await in_process_server(server, server.run_http(port=0, announce=False))
    assert server.url is not None

    def talk() -> None:
        legacy = Client(server.url)
        legacy.open(LEGACY)
        modern = Client(server.url)
        for uri in TRAVERSALS:
            status, answer = legacy.post(request("resources/read", {"uri": uri}))
            assert status == 200, (uri, answer)
            assert answer["error"]["code"] == ErrorCode.RESOURCE_NOT_FOUND_LEGACY, (uri, answer)
            status, answer = modern.stateless("resources/read", {"uri": uri}, uri)
            assert status == 400 and answer["error"]["code"] == ErrorCode.INVALID_PARAMS, (uri, answer)
            assert answer["error"]["data"]["uri"] == uri
        assert seen == [], "a refused value reached the function"
        # Fresh reads still work: an encoded non-ASCII name, and slashes in the reserved variable.
        status, answer = legacy.post(request("resources/read", {"uri": "files://caf%C3%A9.txt"}))
        assert answer["result"]["contents"][0]["text"] == "file café.txt", answer
        status, answer = modern.stateless("resources/read", {"uri": "tree:///a/b.txt"}, "tree:///a/b.txt")
        assert status == 200 and answer["result"]["contents"][0]["text"] == "tree a/b.txt", answer
        status, answer = legacy.post(request("resources/read", {"uri": "paths://x/a/b"}))
        assert answer["result"]["contents"][0]["text"] == "paths a/b", answer
        assert seen == ["café.txt", "a/b.txt", "a/b"]

    await asyncio.wait_for(asyncio.to_thread(talk), 30)


@pytest.mark.asyncio
async def test_empty_and_notification_batches_are_answered(in_process_server: Any) -> None:
    server, _ = make_server()
    await in_process_server(server, server.run_http(port=0, announce=False))
    assert server.url is not None
    progress = {"progressToken": 1, "progress": 1}
    notes = [{"jsonrpc": "2.0", "method": "notifications/progress", "params": progress}]

    def talk() -> None:
        modern = Client(server.url)
        for body in ([], notes, [request("ping")]):
            status, answer = modern.post(body, {"mcp-protocol-version": MODERN})
            assert status == 400 and answer["error"]["code"] == ErrorCode.INVALID_REQUEST, (body, answer)
        legacy = Client(server.url)
        legacy.open(LEGACY)
        for body in ([], notes):
            status, answer = legacy.post(body)
            assert status == 400 and answer["error"]["code"] == ErrorCode.INVALID_REQUEST, (body, answer)
        batches = Client(server.url)
        batches.open("2025-03-26")  # the one revision with batches: notifications alone get 202
        assert batches.post([])[1]["error"]["code"] == ErrorCode.INVALID_REQUEST
        assert batches.post(notes) == (202, b"")
        status, answer = modern.stateless("tools/call", {"name": "echo", "arguments": {"text": "hi"}}, "echo")
        assert status == 200 and answer["result"]["content"][0]["text"] == "hi", answer

    await asyncio.wait_for(asyncio.to_thread(talk), 30)


@pytest.mark.asyncio
async def test_malformed_host_is_refused(in_process_server: Any) -> None:
    server, _ = make_server()
    await in_process_server(server, server.run_http(port=0, announce=False))
    assert server.url is not None

    def talk() -> None:
        client = Client(server.url)
        discover = request("server/discover", {"_meta": modern_meta()})
        port = client.port
        malformed = ("[::1]evil.com", f"[::1]:{port}evil.com", "localhost@evil.com", f"localhost:{port}:1")
        for host in malformed:
            status, _ = client.post(discover, {**modern_headers("server/discover"), "host": host})
            assert status == 403, host
        for host in (f"[::1]:{port}", f"localhost:{port}"):
            status, answer = client.post(discover, {**modern_headers("server/discover"), "host": host})
            assert status == 200, (host, answer)

    await asyncio.wait_for(asyncio.to_thread(talk), 30)


@pytest.mark.asyncio
async def test_non_ascii_uri_with_base64_mcp_name(in_process_server: Any) -> None:
    server, seen = make_server()
    await in_process_server(server, server.run_http(port=0, announce=False))
    assert server.url is not None

    def talk() -> None:
        client = Client(server.url)
        uri = "files://Jürgen-日本.txt"
        status, answer = client.stateless("resources/read", {"uri": uri}, b64(uri))
        assert status == 200, answer
        content = answer["result"]["contents"][0]
        assert content == {"uri": uri, "mimeType": "text/plain", "text": "file Jürgen-日本.txt"}
        assert seen == ["Jürgen-日本.txt"]
        # The decoded name is compared with the body: another name is still a mismatch.
        status, answer = client.stateless("resources/read", {"uri": uri}, b64("files://other"))
        assert status == 400 and answer["error"]["code"] == ErrorCode.HEADER_MISMATCH, answer
        call = {"name": "echo", "arguments": {"text": "ok"}}
        status, answer = client.stateless("tools/call", call, b64("echo"))
        assert status == 200 and answer["result"]["content"][0]["text"] == "ok", answer

    await asyncio.wait_for(asyncio.to_thread(talk), 30)
