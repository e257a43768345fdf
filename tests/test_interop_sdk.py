"""The official MCP Python SDK's client (``mcp.Client`` over ``StdioServerParameters``) drives an
oxmcp stdio server, in the handshake era (``mode="legacy"``) and the stateless one (``"2026-07-28"``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

mcp = pytest.importorskip("mcp")
from _support.eras import SDK_MODES  # noqa: E402
from mcp import Client, StdioServerParameters  # noqa: E402

SERVER_SOURCE = '''
import asyncio
from dataclasses import dataclass

from oxmcp import McpError, McpServer
from oxmcp.types import PromptMessage

server = McpServer("interop-server", "2.0.0", instructions="Use the tools.", page_size=2)


@dataclass
class Point:
    x: int
    y: int


@server.tool()
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def greet(name: str, excited: bool = False) -> str:
    """Greet someone."""
    return f"Hello, {name}{'!' if excited else '.'}"


@server.tool()
async def move(p: Point, dx: int) -> Point:
    return Point(p.x + dx, p.y)


@server.tool()
async def fail(message: str) -> str:
    raise ValueError(message)


@server.tool()
async def refuse() -> str:
    raise McpError(code=-32001, message="refused on purpose")


@server.resource("config://app", mime_type="application/json")
async def app_config() -> dict:
    """The app configuration."""
    return {"name": "interop", "debug": False}


@server.resource("notes://readme")
def readme() -> str:
    return "read me"


@server.resource("users://{user_id}/profile")
async def profile(user_id: str) -> str:
    return f"profile of {user_id}"


@server.prompt("review")
async def review(language: str, style: str = "standard"):
    """Review some code."""
    return [
        PromptMessage(role="user", content=f"Review this {language} code ({style})."),
        PromptMessage(role="assistant", content="Sure, send it."),
    ]


if __name__ == "__main__":
    asyncio.run(server.run_stdio())
'''

MODES = SDK_MODES


@pytest.fixture
def params(tmp_path: Path) -> StdioServerParameters:
    script = tmp_path / "interop_server.py"
    script.write_text(SERVER_SOURCE)
    return StdioServerParameters(command=sys.executable, args=[str(script)], cwd=str(tmp_path))


def texts(result) -> list[str]:
    return [block.text for block in result.content if block.type == "text"]


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", MODES)
async def test_tools(params, mode):
    with anyio.fail_after(20):
        async with Client(params, mode=mode, read_timeout_seconds=10) as client:
            assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
            listed = await client.list_tools()  # one page (page_size=2)
            names = [t.name for t in listed.tools]
            cursor = listed.next_cursor
            while cursor:
                page = await client.list_tools(cursor=cursor)
                names += [t.name for t in page.tools]
                cursor = page.next_cursor
            assert names == ["add", "greet", "move", "fail", "refuse"]
            assert listed.tools[0].description == "Add two integers."
            assert listed.tools[0].input_schema["required"] == ["a", "b"]

            result = await client.call_tool("add", {"a": 5, "b": 3})
            assert not result.is_error
            assert texts(result) == ["8"]
            assert result.structured_content == {"result": 8}

            result = await client.call_tool("greet", {"name": "Ada", "excited": True})
            assert texts(result) == ["Hello, Ada!"]

            result = await client.call_tool("move", {"p": {"x": 1, "y": 2}, "dx": 10})
            assert result.structured_content == {"x": 11, "y": 2}
            assert json.loads(texts(result)[0]) == {"x": 11, "y": 2}

            result = await client.call_tool("fail", {"message": "it broke"})
            assert result.is_error
            assert any("it broke" in t for t in texts(result))

            with pytest.raises(mcp.MCPError) as exc_info:
                await client.call_tool("refuse", {})
            assert exc_info.value.error.code == -32001
            assert exc_info.value.error.message == "refused on purpose"


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", MODES)
async def test_resources(params, mode):
    with anyio.fail_after(20):
        async with Client(params, mode=mode, read_timeout_seconds=10) as client:
            listed = await client.list_resources()
            uris = [str(r.uri) for r in listed.resources]
            if listed.next_cursor:
                more = await client.list_resources(cursor=listed.next_cursor)
                uris += [str(r.uri) for r in more.resources]
            assert uris == ["config://app", "notes://readme"]
            templates = await client.list_resource_templates()
            assert [t.uri_template for t in templates.resource_templates] == ["users://{user_id}/profile"]

            result = await client.read_resource("config://app")
            [contents] = result.contents
            assert contents.mime_type == "application/json"
            assert json.loads(contents.text) == {"name": "interop", "debug": False}

            result = await client.read_resource("notes://readme")
            assert result.contents[0].text == "read me"

            result = await client.read_resource("users://42/profile")
            assert result.contents[0].text == "profile of 42"
            assert str(result.contents[0].uri) == "users://42/profile"


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", MODES)
async def test_prompts(params, mode):
    with anyio.fail_after(20):
        async with Client(params, mode=mode, read_timeout_seconds=10) as client:
            listed = await client.list_prompts()
            [prompt] = listed.prompts
            assert prompt.name == "review"
            assert prompt.description == "Review some code."
            args = {a.name: a.required for a in prompt.arguments}
            assert args == {"language": True, "style": False}

            result = await client.get_prompt("review", {"language": "rust"})
            assert [(m.role, m.content.text) for m in result.messages] == [
                ("user", "Review this rust code (standard)."),
                ("assistant", "Sure, send it."),
            ]
            with pytest.raises(mcp.MCPError) as exc_info:
                await client.get_prompt("review", {})
            assert exc_info.value.error.code == -32602


@pytest.mark.asyncio
async def test_server_info_and_instructions(params):
    with anyio.fail_after(20):
        async with Client(params, mode="legacy", read_timeout_seconds=10) as client:
            assert client.server_info.name == "interop-server"
            assert client.server_info.version == "2.0.0"
            assert client.instructions == "Use the tools."
            caps = client.server_capabilities
            assert caps.tools is not None and caps.resources is not None and caps.prompts is not None


@pytest.mark.asyncio
async def test_auto_mode_discovers_the_modern_era(params):
    with anyio.fail_after(20):
        async with Client(params, read_timeout_seconds=10) as client:
            assert client.protocol_version == "2026-07-28"
            assert client.server_info.name == "interop-server"
            result = await client.call_tool("add", {"a": 1, "b": 1})
            assert result.structured_content == {"result": 2}
