"""Seed section 5 (error handling and logging): examples/error_handling.py, plus what happens to
exceptions that are not `McpError`, with and without a global error handler."""

from __future__ import annotations

import asyncio
import logging

import pytest
from conftest import EXITED
from oxmcp import McpError, McpServer, ToolError
from oxmcp.testing import MockMcpClient

EXAMPLE = "error_handling"  # the `example` and `client` fixtures (conftest) load it


@pytest.mark.asyncio
async def test_division(client, caplog):
    caplog.set_level(logging.INFO)
    assert await client.call_tool("divide_numbers", {"a": 6, "b": 3}) == 2.0
    assert "Division successful: 6 / 3 = 2.0" in caplog.text


@pytest.mark.asyncio
async def test_division_by_zero_is_the_deliberate_error(client, caplog):
    caplog.set_level(logging.INFO)
    with pytest.raises(McpError) as exc_info:
        await client.call_tool("divide_numbers", {"a": 5, "b": 0})
    err = exc_info.value
    assert err.code == -32600
    assert err.message == "Division by zero is not allowed"
    assert err.data == {"a": 5, "b": 0}
    # neither the tool's `except Exception` block nor the global error handler saw it
    assert "Error in division" not in caplog.text
    assert "Server error" not in caplog.text
    # and the server keeps serving
    assert await client.call_tool("divide_numbers", {"a": 1, "b": 4}) == 0.25


@pytest.mark.asyncio
async def test_error_handler_answers_for_other_exceptions(example, caplog):
    caplog.set_level(logging.INFO)

    @example.server.tool()
    async def fragile(n: int) -> int:
        if n < 0:
            raise ValueError(f"negative: {n}")
        return n

    client = MockMcpClient(example.server)
    with pytest.raises(McpError) as exc_info:
        await client.call_tool("fragile", {"n": -1})
    assert exc_info.value.code == -32603
    assert exc_info.value.message == "Internal server error"
    assert "Server error: negative: -1" in caplog.text
    assert await client.call_tool("fragile", {"n": 2}) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize("sync", [False, True])
async def test_exception_without_handler_is_a_tool_error_and_logged(caplog, sync):
    server = McpServer("plain")

    if sync:

        @server.tool()
        def explode(what: str) -> str:
            raise RuntimeError(f"the {what} exploded")
    else:

        @server.tool()
        async def explode(what: str) -> str:
            await asyncio.sleep(0)
            raise RuntimeError(f"the {what} exploded")

    @server.tool()
    async def fine() -> str:
        return "still here"

    client = MockMcpClient(server)
    with caplog.at_level(logging.ERROR):
        with pytest.raises(ToolError) as exc_info:
            await client.call_tool("explode", {"what": "boiler"})
    assert "the boiler exploded" in exc_info.value.message
    assert "explode" in exc_info.value.message
    raw = await client.call_tool_result("explode", {"what": "pipe"})
    assert raw.isError is True
    assert "the pipe exploded" in raw.content[0].text
    records = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], RuntimeError)]
    assert records, caplog.text
    assert "Traceback" in caplog.text and "the boiler exploded" in caplog.text
    assert await client.call_tool("fine") == "still here"


@pytest.mark.asyncio
async def test_mcp_error_from_a_nested_except_exception_block():
    server = McpServer("nested")

    @server.tool()
    async def guarded() -> str:
        try:
            raise McpError(code=-32001, message="custom", data={"k": 1})
        except Exception:  # must not catch McpError
            return "swallowed"

    client = MockMcpClient(server)
    with pytest.raises(McpError) as exc_info:
        await client.call_tool("guarded")
    assert (exc_info.value.code, exc_info.value.message, exc_info.value.data) == (-32001, "custom", {"k": 1})


def test_over_stdio(stdio_example):
    srv = stdio_example()
    srv.initialize("2025-06-18")
    result = srv.result("tools/call", {"name": "divide_numbers", "arguments": {"a": 8, "b": 2}})
    assert result["structuredContent"] == {"result": 4.0}
    answer = srv.request("tools/call", {"name": "divide_numbers", "arguments": {"a": 8, "b": 0}})
    assert answer["error"] == {
        "code": -32600,
        "message": "Division by zero is not allowed",
        "data": {"a": 8, "b": 0},
    }
    result = srv.result("tools/call", {"name": "divide_numbers", "arguments": {"a": 9, "b": 3}})
    assert result["structuredContent"] == {"result": 3.0}
    srv.close_stdin()
    assert srv.wait() in EXITED
    stderr = srv.stderr(0.2)
    assert "Division successful: 8 / 2 = 4.0" in stderr  # logging.basicConfig writes to stderr
    assert "Server error" not in stderr
