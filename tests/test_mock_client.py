"""`MockMcpClient` against in-memory servers: argument conversion, return values, errors, the
modern (2026-07-28) era, and sync tools running off the event loop."""

from __future__ import annotations

import asyncio
import enum
import time
from dataclasses import dataclass

import pydantic
import pytest
from oxmcp import Context, McpError, McpServer, ToolError
from oxmcp.testing import MockMcpClient
from oxmcp.types import CallToolResult, ImageContent, TextContent


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class Point:
    x: int
    y: int


class User(pydantic.BaseModel):
    name: str
    age: int = 0


@pytest.fixture
def server() -> McpServer:
    server = McpServer("mock")

    @server.tool()
    async def add(a: int, b: float) -> float:
        return a + b

    @server.tool()
    async def types_of(p: Point, c: Color, u: User, n: int, f: float, flag: bool = False) -> dict:
        return {
            "p": [type(p).__name__, p.x, p.y],
            "c": [type(c).__name__, c.name],
            "u": [type(u).__name__, u.name, u.age],
            "n": type(n).__name__,
            "f": f * 2,
            "flag": flag,
        }

    @server.tool()
    def text() -> str:
        return "plain text"

    @server.tool()
    def number() -> int:
        return 42

    @server.tool()
    def mapping() -> dict:
        return {"k": [1, 2], "nested": {"ok": True}}

    @server.tool()
    def point() -> Point:
        return Point(3, 4)

    @server.tool()
    def blocks() -> list[TextContent]:
        return [TextContent(type="text", text="one"), TextContent(type="text", text="two")]

    @server.tool()
    def image() -> ImageContent:
        return ImageContent(type="image", data=b"\x89PNG", mimeType="image/png")

    @server.tool()
    def nothing() -> None:
        return None

    @server.tool()
    def untyped():
        return {"a": 1}

    @server.tool()
    def full() -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text="custom")], isError=True)

    @server.tool()
    def color() -> Color:
        return Color.GREEN

    @server.tool()
    async def whoami(ctx: Context) -> dict:
        client = (ctx.client_info or {}).get("name")
        return {"method": ctx.method, "version": ctx.protocol_version, "client": client}

    return server


# --- argument conversion ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_lenient_string_to_number(server):
    client = MockMcpClient(server)
    assert await client.call_tool("add", {"a": "2", "b": "0.5"}) == 2.5
    assert await client.call_tool("add", {"a": 2, "b": 1}) == 3
    with pytest.raises(ToolError) as exc_info:
        await client.call_tool("add", {"a": "two", "b": 1})
    assert "a:" in exc_info.value.message


@pytest.mark.asyncio
async def test_dataclass_enum_pydantic_parameters_become_instances(server):
    client = MockMcpClient(server)
    value = await client.call_tool(
        "types_of",
        {
            "p": {"x": 1, "y": 2},
            "c": "red",
            "u": {"name": "Ada", "age": 36},
            "n": 7,
            "f": 1,
            "flag": True,
        },
    )
    assert value == {
        "p": ["Point", 1, 2],
        "c": ["Color", "RED"],
        "u": ["User", "Ada", 36],
        "n": "int",
        "f": 2,  # an int given for a float parameter may stay an int (PEP 484 numeric tower)
        "flag": True,
    }


@pytest.mark.asyncio
async def test_invalid_structured_arguments_are_rejected(server):
    client = MockMcpClient(server)
    base = {"p": {"x": 1, "y": 2}, "c": "red", "u": {"name": "Ada"}, "n": 1, "f": 1.0}
    for field, bad in [("c", "purple"), ("p", {"x": 1}), ("u", {"age": 3}), ("n", 1.5)]:
        with pytest.raises(ToolError) as exc_info:
            await client.call_tool("types_of", {**base, field: bad})
        assert f"{field}" in exc_info.value.message, (field, exc_info.value.message)
    with pytest.raises(ToolError):
        await client.call_tool("types_of", {k: v for k, v in base.items() if k != "p"})


@pytest.mark.asyncio
async def test_wrong_arguments_are_invalid_params_on_older_revisions(server):
    client = MockMcpClient(server, protocol_version="2025-06-18")
    with pytest.raises(McpError) as exc_info:
        await client.call_tool("add", {"a": "x", "b": 1})
    assert exc_info.value.code == -32602
    assert exc_info.value.data["field"] == "a"


# --- return values -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_return_values(server):
    client = MockMcpClient(server)

    async def raw(name):
        return await client.request("tools/call", {"name": name, "arguments": {}})

    assert await raw("text") == {"content": [{"type": "text", "text": "plain text"}]}
    assert await client.call_tool("text") == "plain text"

    assert await raw("number") == {
        "content": [{"type": "text", "text": "42"}],
        "structuredContent": {"result": 42},
    }
    assert await client.call_tool("number") == 42

    mapping = await raw("mapping")
    assert mapping["structuredContent"] == {"k": [1, 2], "nested": {"ok": True}}
    assert mapping["content"][0]["type"] == "text"
    assert await client.call_tool("mapping") == {"k": [1, 2], "nested": {"ok": True}}

    pt = await raw("point")
    assert pt["structuredContent"] == {"x": 3, "y": 4}
    assert await client.call_tool("point") == {"x": 3, "y": 4}

    assert (await raw("blocks"))["content"] == [
        {"type": "text", "text": "one"},
        {"type": "text", "text": "two"},
    ]
    assert [b.text for b in await client.call_tool("blocks")] == ["one", "two"]

    img = (await raw("image"))["content"]
    assert img == [{"type": "image", "data": "iVBORw==", "mimeType": "image/png"}]

    nothing = await raw("nothing")
    assert nothing["content"] == []
    assert nothing.get("structuredContent") in (None, {"result": None})
    assert await client.call_tool("nothing") is None

    assert await client.call_tool("untyped") == {"a": 1}
    assert await client.call_tool("color") == "green"

    full = await raw("full")
    assert full == {"content": [{"type": "text", "text": "custom"}], "isError": True}
    with pytest.raises(ToolError, match="custom"):
        await client.call_tool("full")


@pytest.mark.asyncio
async def test_structured_output_false_has_no_output_schema():
    server = McpServer("text-only")

    @server.tool(structured_output=False)
    def data() -> dict:
        return {"a": 1}

    client = MockMcpClient(server)
    [tool] = await client.list_tools()
    assert tool.outputSchema is None
    result = await client.request("tools/call", {"name": "data", "arguments": {}})
    assert result["content"] == [{"type": "text", "text": '{"a":1}'}]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "value", [{"a": 1}, 5, [1, 2], Point(1, 2)], ids=["dict", "int", "list", "dataclass"]
)
async def test_structured_output_false_sends_no_structured_content(value):
    server = McpServer("text-only")

    @server.tool(structured_output=False)
    def data():
        return value

    result = await MockMcpClient(server).request("tools/call", {"name": "data", "arguments": {}})
    assert "structuredContent" not in result, result


@pytest.mark.asyncio
async def test_non_finite_float_result_is_not_silently_null():
    server = McpServer("inf")

    @server.tool()
    def overflow(x: float) -> float:
        return x * 1e308 * 10

    result = await MockMcpClient(server).request("tools/call", {"name": "overflow", "arguments": {"x": 1.0}})
    assert result["content"][0]["text"] != "null", result
    assert result.get("structuredContent") != {"result": None}, result


# --- eras and context -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_modern_era(server):
    client = MockMcpClient(server, protocol_version="2026-07-28")
    assert client.is_modern
    result = await client.request("tools/call", {"name": "number", "arguments": {}})
    assert result["resultType"] == "complete"
    assert result["structuredContent"] == {"result": 42}
    listed = await client.request("tools/list")
    assert listed["resultType"] == "complete"
    assert await client.call_tool("add", {"a": 1, "b": 2}) == 3
    discover = await client.request("server/discover")
    assert "2026-07-28" in discover["supportedVersions"]
    assert client.initialize_result is None
    who = await client.call_tool("whoami")
    assert who == {"method": "tools/call", "version": "2026-07-28", "client": "oxmcp-mock-client"}


@pytest.mark.asyncio
async def test_handshake_era_and_context(server):
    client = MockMcpClient(server, protocol_version="2025-06-18", client_info={"name": "me", "version": "0"})
    who = await client.call_tool("whoami")
    assert who == {"method": "tools/call", "version": "2025-06-18", "client": "me"}
    assert client.initialize_result["protocolVersion"] == "2025-06-18"
    result = await client.request("tools/call", {"name": "number", "arguments": {}})
    assert "resultType" not in result
    [tool] = [t for t in await client.list_tools() if t.name == "whoami"]
    assert "ctx" not in tool.inputSchema.get("properties", {})


@pytest.mark.asyncio
async def test_unknown_things(server):
    client = MockMcpClient(server)
    with pytest.raises(McpError) as exc_info:
        await client.call_tool("missing")
    assert exc_info.value.code == -32602
    with pytest.raises(McpError) as exc_info:
        await client.request("bogus/method")
    assert exc_info.value.code == -32601
    async with MockMcpClient(server) as ctx_client:
        assert await ctx_client.call_tool("text") == "plain text"


# --- concurrency ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_sync_tools_run_off_the_event_loop():
    server = McpServer("threads")

    @server.tool()
    def blocking() -> str:
        time.sleep(0.3)
        return "slept"

    @server.tool()
    async def quick() -> str:
        await asyncio.sleep(0)
        return "quick"

    client = MockMcpClient(server)
    await client.ping()
    started = time.monotonic()
    slow_task = asyncio.create_task(client.call_tool("blocking"))
    await asyncio.sleep(0.02)
    assert await client.call_tool("quick") == "quick"
    quick_elapsed = time.monotonic() - started
    assert not slow_task.done()
    assert await slow_task == "slept"
    assert quick_elapsed < 0.2, quick_elapsed


@pytest.mark.asyncio
async def test_concurrent_calls_overlap():
    server = McpServer("overlap")

    @server.tool()
    async def nap(seconds: float) -> float:
        await asyncio.sleep(seconds)
        return seconds

    @server.tool()
    def sync_nap(seconds: float) -> float:
        time.sleep(seconds)
        return seconds

    client = MockMcpClient(server)
    await client.ping()
    started = time.monotonic()
    results = await asyncio.gather(
        *(client.call_tool("nap", {"seconds": 0.2}) for _ in range(5)),
        *(client.call_tool("sync_nap", {"seconds": 0.2}) for _ in range(3)),
    )
    assert results == [0.2] * 8
    assert time.monotonic() - started < 0.6
