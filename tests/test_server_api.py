"""The `McpServer` registration API: decorator forms, definitions, templates, prompts, hooks,
subclassing and pagination (observed through `MockMcpClient`)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import pytest
from oxmcp import McpError, McpServer
from oxmcp.testing import MockMcpClient
from oxmcp.types import Prompt, PromptMessage, Resource, TextContent, ToolAnnotations


async def raw_tools(server: McpServer) -> dict[str, dict]:
    client = MockMcpClient(server)
    return {t.name: t.to_dict() for t in await client.list_tools()}


# --- decorator forms --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_decorator_forms_return_the_original_function():
    server = McpServer("forms")

    async def bare(x: int) -> int:
        """Bare decorator."""
        return x + 1

    def called(x: int) -> int:
        """Empty parentheses."""
        return x + 2

    async def named(x: int) -> int:
        return x + 3

    assert server.tool(bare) is bare
    assert server.tool()(called) is called
    decorated = server.tool(
        "renamed",
        title="A Title",
        description="Explicit description.",
        annotations={"readOnlyHint": True, "idempotentHint": True},
        meta={"com.example/owner": "tests"},
        icons=[{"src": "https://example.com/i.png", "mimeType": "image/png", "sizes": ["48x48"]}],
    )(named)
    assert decorated is named

    # still ordinary callables
    assert await bare(1) == 2
    assert called(1) == 3
    assert await named(1) == 4

    tools = await raw_tools(server)
    assert set(tools) == {"bare", "called", "renamed"}
    assert tools["bare"]["description"] == "Bare decorator."
    assert tools["called"]["description"] == "Empty parentheses."
    renamed = tools["renamed"]
    assert renamed["title"] == "A Title"
    assert renamed["description"] == "Explicit description."
    assert renamed["annotations"] == {"readOnlyHint": True, "idempotentHint": True}
    assert renamed["_meta"] == {"com.example/owner": "tests"}
    assert renamed["icons"] == [
        {"src": "https://example.com/i.png", "mimeType": "image/png", "sizes": ["48x48"]}
    ]
    client = MockMcpClient(server)
    assert await client.call_tool("renamed", {"x": 1}) == 4
    assert await client.call_tool("bare", {"x": 1}) == 2
    with pytest.raises(McpError) as exc_info:
        await client.call_tool("named", {"x": 1})
    assert exc_info.value.code == -32602


@pytest.mark.asyncio
async def test_annotations_object_and_tool_without_docstring():
    server = McpServer("ann")

    @server.tool(annotations=ToolAnnotations(destructiveHint=False, title="Nice"))
    def plain(a: str) -> str:
        return a

    [tool] = (await raw_tools(server)).values()
    assert tool["annotations"] == {"destructiveHint": False, "title": "Nice"}
    assert "description" not in tool or tool["description"] in (None, "")


@pytest.mark.asyncio
async def test_output_schema():
    server = McpServer("out")
    schema = {
        "type": "object",
        "properties": {"total": {"type": "integer"}, "unit": {"type": "string"}},
        "required": ["total"],
    }

    @server.tool(output_schema=schema)
    async def measure(n: int) -> dict:
        return {"total": n * 2, "unit": "cm"}

    @server.tool()
    async def wrapped(n: int) -> int:
        return n

    tools = await raw_tools(server)
    assert tools["measure"]["outputSchema"] == schema
    assert tools["wrapped"]["outputSchema"] == {
        "type": "object",
        "properties": {"result": {"type": "integer"}},
        "required": ["result"],
    }
    client = MockMcpClient(server)
    assert await client.call_tool("measure", {"n": 2}) == {"total": 4, "unit": "cm"}
    raw = await client.call_tool_result("measure", {"n": 3})
    assert raw.structuredContent == {"total": 6, "unit": "cm"}
    assert await client.call_tool("wrapped", {"n": 5}) == 5


@pytest.mark.asyncio
async def test_input_schema_from_hints_and_docstring():
    server = McpServer("schema")

    @server.tool()
    async def search(
        query: Annotated[str, "What to look for"], limit: int = 10, tags: list[str] | None = None
    ):
        """Search things.

        Args:
            limit: How many results.
        """
        return [query, limit, tags]

    [tool] = (await raw_tools(server)).values()
    schema = tool["inputSchema"]
    assert schema["required"] == ["query"]
    assert schema["properties"]["query"]["type"] == "string"
    assert schema["properties"]["query"]["description"] == "What to look for"
    assert schema["properties"]["limit"]["type"] == "integer"
    assert schema["properties"]["limit"]["default"] == 10
    assert schema["properties"]["limit"]["description"] == "How many results."
    assert tool["description"].startswith("Search things.")


@pytest.mark.asyncio
async def test_remove_tool():
    server = McpServer("rm")

    @server.tool()
    async def gone() -> str:
        return "x"

    assert server.remove_tool("gone") is True
    assert server.remove_tool("gone") is False
    assert await raw_tools(server) == {}


# --- resources and templates ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_resource_decorator_and_template():
    server = McpServer("res")
    seen = []

    @server.resource(
        "users://{user_id}/profile", description="A user's profile", mime_type="application/json"
    )
    async def profile(user_id: str) -> dict:
        seen.append(user_id)
        return {"id": user_id, "name": f"User {user_id}"}

    @server.resource("docs://readme", name="readme", title="Read me", mime_type="text/markdown")
    def readme() -> str:
        return "# Hello"

    assert await profile("direct") == {"id": "direct", "name": "User direct"}  # still callable
    seen.clear()

    client = MockMcpClient(server)
    [res] = await client.list_resources()
    assert res.to_dict() == {
        "uri": "docs://readme",
        "name": "readme",
        "title": "Read me",
        "mimeType": "text/markdown",
    }
    [template] = await client.list_resource_templates()
    assert template.uriTemplate == "users://{user_id}/profile"
    assert template.description == "A user's profile"
    assert template.mimeType == "application/json"

    [contents] = await client.read_resource("users://alice/profile")
    assert contents.uri == "users://alice/profile"
    assert contents.mimeType == "application/json"
    import json

    assert json.loads(contents.text) == {"id": "alice", "name": "User alice"}
    assert seen == ["alice"]
    [contents] = await client.read_resource("docs://readme")
    assert (contents.text, contents.mimeType) == ("# Hello", "text/markdown")


@pytest.mark.asyncio
async def test_template_variable_is_converted_to_the_annotated_type():
    server = McpServer("typed-template")

    @server.resource("items://{item_id}")
    def item(item_id: int) -> str:
        return f"{type(item_id).__name__}:{item_id * 2}"

    client = MockMcpClient(server)
    [contents] = await client.read_resource("items://21")
    assert contents.text == "int:42"


def test_template_and_resource_parameter_mismatches_are_rejected():
    server = McpServer("bad")
    with pytest.raises(TypeError):

        @server.resource("users://{user_id}")
        def wrong(other: str) -> str:
            return other

    with pytest.raises(TypeError):

        @server.resource("static://thing")
        def needs_arg(x: str) -> str:
            return x


@pytest.mark.asyncio
async def test_resource_bytes_is_a_blob():
    server = McpServer("blob")

    @server.resource("bin://data")
    def data() -> bytes:
        return b"\x00\x01\x02"

    [contents] = await MockMcpClient(server).read_resource("bin://data")
    assert contents.blob == "AAEC"
    assert contents.mimeType == "application/octet-stream"


# --- prompts ---------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_prompt_required_arguments():
    server = McpServer("prompts")

    @server.prompt()
    def summarize(text: str, words: int = 50) -> str:
        """Summarize a text."""
        return f"Summarize in {words} words: {text}"

    @server.prompt
    async def chat(topic: str):
        return [
            PromptMessage(role="user", content=f"Let's talk about {topic}"),
            PromptMessage(role="assistant", content=TextContent(type="text", text="OK")),
        ]

    client = MockMcpClient(server)
    prompts = {p.name: p.to_dict() for p in await client.list_prompts()}
    assert prompts["summarize"]["description"] == "Summarize a text."
    args = {a["name"]: a.get("required", False) for a in prompts["summarize"]["arguments"]}
    assert args == {"text": True, "words": False}

    result = await client.get_prompt("summarize", {"text": "hello", "words": "10"})
    [message] = result.messages
    assert (message.role, message.content.text) == ("user", "Summarize in 10 words: hello")

    with pytest.raises(McpError) as exc_info:
        await client.get_prompt("summarize", {})
    assert exc_info.value.code == -32602
    assert "text" in exc_info.value.message

    result = await client.get_prompt("chat", {"topic": "Rust"})
    assert [(m.role, m.content.text) for m in result.messages] == [
        ("user", "Let's talk about Rust"),
        ("assistant", "OK"),
    ]


@pytest.mark.asyncio
async def test_list_overrides_may_return_dicts_and_sync_functions():
    server = McpServer("overrides")

    @server.list_resources()
    def resources():
        return [{"uri": "a://1", "name": "one"}, Resource(uri="a://2", name="two")]

    @server.list_prompts()
    def prompts():
        return [Prompt(name="p", description="d")]

    client = MockMcpClient(server)
    assert [r.uri for r in await client.list_resources()] == ["a://1", "a://2"]
    assert [p.to_dict() for p in await client.list_prompts()] == [{"name": "p", "description": "d"}]


# --- hooks and subclassing -----------------------------------------------------------------------


class RecordingServer(McpServer):
    def __init__(self, name: str, *, allowed: set[str]):
        super().__init__(name, "9.9.9", instructions="Be nice.")
        self.allowed = allowed
        self.requests: list[dict] = []

    def validate_request(self, request):  # a sync override works too
        self.requests.append(request)
        if request["method"] == "tools/call" and request["params"]["name"] not in self.allowed:
            raise McpError(code=-32001, message="not allowed", data={"tool": request["params"]["name"]})


@pytest.mark.asyncio
async def test_subclass_with_attributes_and_validate_request():
    server = RecordingServer("sub", allowed={"ok"})
    ran = []

    @server.tool()
    async def ok(n: int) -> int:
        ran.append(("ok", n))
        return n

    @server.tool()
    async def forbidden() -> str:
        ran.append(("forbidden",))
        return "nope"

    assert server.allowed == {"ok"} and server.version == "9.9.9"
    assert "RecordingServer" in repr(server)

    client = MockMcpClient(server, headers={"X-Trace": "abc"})
    assert await client.call_tool("ok", {"n": 3}) == 3
    with pytest.raises(McpError) as exc_info:
        await client.call_tool("forbidden")
    assert (exc_info.value.code, exc_info.value.data) == (-32001, {"tool": "forbidden"})
    assert ran == [("ok", 3)]
    assert client.initialize_result["instructions"] == "Be nice."
    assert client.server_info["version"] == "9.9.9"

    methods = [r["method"] for r in server.requests]
    assert methods[0] == "initialize"
    call = next(r for r in server.requests if r["method"] == "tools/call")
    assert call["params"]["name"] == "ok"
    assert call["params"]["arguments"] == {"n": 3}
    assert call["headers"] == {"x-trace": "abc"}


@pytest.mark.asyncio
async def test_validate_request_generic_exception_is_invalid_request():
    class Strict(McpServer):
        async def validate_request(self, request):
            await asyncio.sleep(0)
            if request["method"] == "tools/list":
                raise PermissionError("listing is not allowed")

    server = Strict("strict")

    @server.tool()
    def t() -> str:
        return "t"

    client = MockMcpClient(server)
    with pytest.raises(McpError) as exc_info:
        await client.list_tools()
    assert exc_info.value.code == -32600
    assert exc_info.value.message == "listing is not allowed"
    assert await client.call_tool("t") == "t"


# --- pagination ----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_pagination():
    server = McpServer("pages", page_size=2)
    for i in range(5):
        server.tool(f"tool_{i}")(lambda i=i: i)
        server.prompt(f"prompt_{i}")(lambda i=i: f"p{i}")
    client = MockMcpClient(server)

    first = await client.request("tools/list")
    assert [t["name"] for t in first["tools"]] == ["tool_0", "tool_1"]
    second = await client.request("tools/list", {"cursor": first["nextCursor"]})
    assert [t["name"] for t in second["tools"]] == ["tool_2", "tool_3"]
    third = await client.request("tools/list", {"cursor": second["nextCursor"]})
    assert [t["name"] for t in third["tools"]] == ["tool_4"]
    assert "nextCursor" not in third

    assert [t.name for t in await client.list_tools()] == [f"tool_{i}" for i in range(5)]
    assert [p.name for p in await client.list_prompts()] == [f"prompt_{i}" for i in range(5)]
    assert await client.call_tool("tool_3") == 3

    with pytest.raises(McpError) as exc_info:
        await client.request("tools/list", {"cursor": "not-a-cursor"})
    assert exc_info.value.code == -32602


@pytest.mark.asyncio
async def test_server_metadata():
    server = McpServer(
        "meta", "1.2.3", "Instructions here.", title="Meta Server", website_url="https://example.com"
    )
    client = MockMcpClient(server)
    await client.ping()
    assert client.server_info["name"] == "meta"
    assert client.server_info["version"] == "1.2.3"
    assert client.server_info["title"] == "Meta Server"
    assert client.server_info["websiteUrl"] == "https://example.com"
    assert client.initialize_result["instructions"] == "Instructions here."
