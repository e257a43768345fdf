"""Seed section 4 (AuthenticatedServer): examples/auth_server.py in process and over stdio."""

from __future__ import annotations

import pytest
from _support.messages import modern_meta
from conftest import EXITED, load_example
from oxmcp import McpError
from oxmcp.testing import MockMcpClient

API_KEY = "s3cret-key"
EXAMPLE = "auth_server"  # this module's own `example` fixture loads it (with an API key set)


@pytest.fixture
def example(monkeypatch):
    monkeypatch.setenv("API_KEY", API_KEY)
    module = load_example(EXAMPLE)
    module.calls = []

    @module.server.tool()
    async def spy(x: int) -> int:
        module.calls.append(x)
        return x

    return module


@pytest.mark.asyncio
async def test_bearer_token_works(example):
    client = MockMcpClient(example.server, headers={"Authorization": f"Bearer {API_KEY}"})
    assert await client.call_tool("sensitive_operation", {"data": "payload"}) == "Processed: payload"
    assert [t.name for t in await client.list_tools()] == ["sensitive_operation", "spy"]
    assert await client.call_tool("spy", {"x": 1}) == 1
    assert example.calls == [1]


@pytest.mark.asyncio
async def test_wrong_token_is_rejected(example):
    client = MockMcpClient(example.server, headers={"Authorization": "Bearer wrong"})
    with pytest.raises(McpError) as exc_info:
        await client.call_tool("spy", {"x": 1})
    assert exc_info.value.code == -32600
    assert exc_info.value.message == "Invalid token"
    assert example.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize("headers", [None, {"Authorization": "Basic abc"}, {"X-Other": "Bearer s3cret-key"}])
async def test_missing_auth_is_rejected(example, headers):
    client = MockMcpClient(example.server, headers=headers)
    with pytest.raises(McpError) as exc_info:
        await client.call_tool("spy", {"x": 2})
    assert exc_info.value.code == -32600
    assert exc_info.value.message == "Authentication required"
    assert example.calls == []


@pytest.mark.asyncio
async def test_modern_era_is_validated_too(example):
    good = MockMcpClient(
        example.server, headers={"authorization": f"Bearer {API_KEY}"}, protocol_version="2026-07-28"
    )
    assert await good.call_tool("sensitive_operation", {"data": "d"}) == "Processed: d"
    bad = MockMcpClient(example.server, protocol_version="2026-07-28")
    with pytest.raises(McpError, match="Authentication required"):
        await bad.call_tool("spy", {"x": 3})
    assert example.calls == []


@pytest.mark.asyncio
async def test_validate_request_sees_method_params_and_headers(example):
    seen = []
    original = type(example.server).validate_request

    async def recording(self, request):
        seen.append(request)
        return await original(self, request)

    cls = type("RecordingAuthServer", (type(example.server),), {"validate_request": recording})
    server = cls("recording")

    @server.tool()
    async def ping_tool() -> str:
        return "pong"

    client = MockMcpClient(server, headers={"Authorization": f"Bearer {API_KEY}"})
    assert await client.call_tool("ping_tool") == "pong"
    call = [r for r in seen if r["method"] == "tools/call"][-1]
    assert call["params"]["name"] == "ping_tool"
    assert call["headers"]["authorization"] == f"Bearer {API_KEY}"


def test_over_stdio_without_headers_everything_is_rejected(stdio_example, tmp_path):
    srv = stdio_example(env={"API_KEY": API_KEY})
    answer = srv.request(
        "initialize",
        {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    )
    assert answer["error"] == {
        "code": -32600,
        "message": "Authentication required",
        "data": {"rejectedBy": "validate_request"},
    }
    # the modern era (no handshake) reaches the tool call itself, which is rejected as well
    meta = modern_meta()
    for method, params in [
        ("tools/list", {"_meta": meta}),
        ("tools/call", {"name": "sensitive_operation", "arguments": {"data": "x"}, "_meta": meta}),
        ("server/discover", {"_meta": meta}),
    ]:
        answer = srv.request(method, params)
        assert "result" not in answer, answer
        assert answer["error"]["code"] == -32600
        assert answer["error"]["message"] == "Authentication required"
    srv.close_stdin()
    assert srv.wait() in EXITED
    assert "Processed" not in "".join(srv.stdout_lines)
