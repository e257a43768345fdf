"""Seed section 1 (simple tool server): examples/quickstart.py in process and over stdio."""

from __future__ import annotations

import pytest
from conftest import EXITED

EXAMPLE = "quickstart"  # the `example` and `client` fixtures (conftest) load it


@pytest.mark.asyncio
async def test_tools_are_listed_with_schemas(client):
    tools = {tool.name: tool for tool in await client.list_tools()}
    assert set(tools) == {"calculate_sum", "get_weather"}
    calc = tools["calculate_sum"]
    assert calc.description == "Calculate the sum of two numbers."
    assert calc.inputSchema == {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        "required": ["a", "b"],
    }
    assert tools["get_weather"].inputSchema["required"] == ["city"]


@pytest.mark.asyncio
async def test_calls(client):
    assert await client.call_tool("calculate_sum", {"a": 5, "b": 3}) == 8
    assert await client.call_tool("calculate_sum", {"a": 0.5, "b": 0.25}) == 0.75
    weather = await client.call_tool("get_weather", {"city": "Paris"})
    assert weather == "The weather in Paris is sunny and 72°F"
    result = await client.call_tool_result("calculate_sum", {"a": 1, "b": 2})
    assert result.structuredContent == {"result": 3}
    assert result.isError is not True


@pytest.mark.asyncio
async def test_functions_stay_callable(example):
    assert await example.calculate_sum(2, 2) == 4
    assert "Oslo" in await example.get_weather("Oslo")


def test_over_stdio(stdio_example):
    srv = stdio_example()
    init = srv.initialize("2025-06-18")
    assert init["protocolVersion"] == "2025-06-18"
    assert init["serverInfo"]["name"] == "my-tool-server"
    assert "tools" in init["capabilities"]
    names = [tool["name"] for tool in srv.result("tools/list", {})["tools"]]
    assert sorted(names) == ["calculate_sum", "get_weather"]
    result = srv.result("tools/call", {"name": "calculate_sum", "arguments": {"a": 5, "b": 3}})
    assert result["structuredContent"] == {"result": 8}
    assert result["content"] == [{"type": "text", "text": "8"}]
    result = srv.result("tools/call", {"name": "get_weather", "arguments": {"city": "Rome"}})
    assert result["content"][0]["text"] == "The weather in Rome is sunny and 72°F"
    srv.close_stdin()
    assert srv.wait() in EXITED
