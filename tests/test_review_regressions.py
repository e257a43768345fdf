"""Regressions found in review: each test pins behaviour a demanding user relies on."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from oxmcp import McpError, McpServer, ToolError
from oxmcp.testing import MockMcpClient


@pytest.mark.asyncio
async def test_tools_run_inside_a_task() -> None:
    server = McpServer("tasks")

    @server.tool()
    async def timed() -> str:
        assert asyncio.current_task() is not None
        async with asyncio.timeout(5):  # needs a current task
            async with asyncio.TaskGroup() as group:  # so does this
                group.create_task(asyncio.sleep(0))
        return "ok"

    assert await MockMcpClient(server).call_tool("timed") == "ok"


@pytest.mark.asyncio
async def test_wrapped_output_schemas_always_get_structured_content() -> None:
    server = McpServer("optional")

    @server.tool()
    async def maybe(flag: bool) -> int | None:
        return 1 if flag else None

    @server.tool()
    async def either(flag: bool) -> str | int:
        return "text" if flag else 2

    client = MockMcpClient(server)
    assert (await client.request("tools/call", {"name": "maybe", "arguments": {"flag": False}}))[
        "structuredContent"
    ] == {"result": None}
    assert (await client.request("tools/call", {"name": "either", "arguments": {"flag": True}}))[
        "structuredContent"
    ] == {"result": "text"}


@pytest.mark.asyncio
async def test_async_function_behind_a_plain_decorator_is_awaited() -> None:
    server = McpServer("decorated")

    def logged(fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        return wrapper

    @server.tool()
    @logged
    async def add(a: int, b: int) -> int:
        return a + b

    assert await MockMcpClient(server).call_tool("add", {"a": 2, "b": 3}) == 5


@pytest.mark.asyncio
async def test_a_broken_error_handler_still_answers_and_the_server_keeps_serving() -> None:
    server = McpServer("broken-handler")

    @server.error_handler()
    def handler(error: BaseException) -> dict[str, Any]:
        return {"error": {"code": "not-a-number", "message": "x"}}

    @server.tool()
    async def boom() -> str:
        raise ValueError("kaput")

    @server.tool()
    async def fine() -> str:
        return "fine"

    client = MockMcpClient(server)
    with pytest.raises(ToolError, match="kaput"):
        await client.call_tool("boom")
    assert await client.call_tool("fine") == "fine"


@pytest.mark.asyncio
async def test_system_exit_in_a_tool_is_an_error_not_a_shutdown() -> None:
    server = McpServer("exit")

    @server.tool()
    async def leave() -> str:
        raise SystemExit(3)

    @server.tool()
    async def fine() -> str:
        return "fine"

    client = MockMcpClient(server)
    with pytest.raises(ToolError):
        await client.call_tool("leave")
    assert await client.call_tool("fine") == "fine"


@pytest.mark.asyncio
async def test_validate_request_mcp_errors_pass_through_with_mcp_error_handlers() -> None:
    class Guarded(McpServer):
        async def validate_request(self, request: dict[str, Any]) -> None:
            raise McpError(-32001, "Unauthorized", {"realm": "x"})

    server = Guarded("guarded")

    @server.error_handler(mcp_errors=True)
    def handler(error: BaseException) -> None:
        return None

    with pytest.raises(McpError) as info:
        await MockMcpClient(server, protocol_version="2026-07-28").request("tools/list")
    assert (info.value.code, info.value.message, info.value.data) == (-32001, "Unauthorized", {"realm": "x"})
