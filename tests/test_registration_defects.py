"""Issue 8, "one validation path": `raise ToolError("message")`, one MIME type in resources/list and
resources/read, and a second registration under an existing name reported."""

from __future__ import annotations

import json
import logging

import pytest
from oxmcp import McpServer, ToolError
from oxmcp.testing import MockMcpClient
from oxmcp.types import Resource, TextContent, TextResourceContents

# -- ToolError with a string ---------------------------------------------------------------------------


def test_tool_error_takes_a_string():
    err = ToolError("no such city")
    assert err.content == [{"type": "text", "text": "no such city"}]
    assert err.message == "no such city"
    assert str(err) == "no such city"


def test_tool_error_still_takes_content_blocks():
    err = ToolError([{"type": "text", "text": "a"}, TextContent(text="b")], {"code": 1})
    assert err.content == [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    assert err.message == "a\nb"
    assert err.structured_content == {"code": 1}
    assert str(ToolError()) == "tool returned an error"


@pytest.mark.asyncio
async def test_raising_tool_error_with_a_string_reaches_the_client():
    server = McpServer("tool-error")

    @server.tool()
    async def weather(city: str) -> str:
        raise ToolError(f"no such city: {city}")

    client = MockMcpClient(server)
    result = await client.call_tool_result("weather", {"city": "Atlantis"})
    assert result.is_error is True
    text = result.content[0].text
    assert "no such city: Atlantis" in text
    assert "has no attribute" not in text
    with pytest.raises(ToolError, match="no such city: Atlantis"):
        await client.call_tool("weather", {"city": "Atlantis"})


# -- one MIME type in the list and on read ------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("value", "field"),
    [("plain text", "text"), (b"\x00\x01", "blob"), ({"k": 1}, "text"), (TextContent(text="t"), "text")],
)
async def test_the_declared_mime_type_is_read_back(value, field):
    server = McpServer("mime")

    @server.resource("data://x", mime_type="application/vnd.test")
    def data():
        return value

    client = MockMcpClient(server)
    [listed] = await client.list_resources()
    [read] = (await client.request("resources/read", {"uri": "data://x"}))["contents"]
    assert listed.mime_type == read["mimeType"] == "application/vnd.test"
    assert field in read


@pytest.mark.asyncio
async def test_contents_with_their_own_mime_type_keep_it():
    server = McpServer("mime")

    @server.resource("data://x", mime_type="application/json")
    def data():
        return TextResourceContents(uri="data://x", mime_type="text/csv", text="a,b")

    client = MockMcpClient(server)
    [read] = await client.read_resource("data://x")
    assert read.mime_type == "text/csv"


@pytest.mark.asyncio
@pytest.mark.parametrize("list_first", [True, False])
@pytest.mark.parametrize("version", ["2025-11-25", "2026-07-28"])
async def test_the_mime_type_of_the_listing_is_read_back(list_first, version):
    """The seed's resource server: the listing says application/json, the function returns a
    TextContent; a read (before or after a listing) says application/json too."""
    server = McpServer("resource-server")

    @server.resource("config://app")
    async def get_app_config():
        return TextContent(type="text", text=json.dumps({"a": 1}))

    @server.resource("notes://today")
    def notes():
        return "not in the listing"

    @server.list_resources()
    async def listing():
        return [Resource(uri="config://app", name="Application Configuration", mimeType="application/json")]

    client = MockMcpClient(server, protocol_version=version)
    if list_first:
        [listed] = (await client.request("resources/list"))["resources"]
        assert listed["mimeType"] == "application/json"
    [read] = (await client.request("resources/read", {"uri": "config://app"}))["contents"]
    assert read["mimeType"] == "application/json"
    assert json.loads(read["text"]) == {"a": 1}
    [other] = (await client.request("resources/read", {"uri": "notes://today"}))["contents"]
    assert other["mimeType"] == "text/plain"


@pytest.mark.asyncio
async def test_a_sync_resource_learns_the_listing_mime_type_and_context_reads_agree():
    from oxmcp import Context

    server = McpServer("resource-server")

    @server.resource("config://app")
    def config():
        return "{}"

    @server.list_resources()
    def listing():
        return [{"uri": "config://app", "name": "c", "mimeType": "application/json"}]

    @server.tool()
    async def read_it(ctx: Context) -> str:
        [contents] = await ctx.read_resource("config://app")
        return contents.mime_type

    client = MockMcpClient(server)
    [read] = await client.read_resource("config://app")
    assert read.mime_type == "application/json"
    assert await client.call_tool("read_it") == "application/json"


@pytest.mark.asyncio
async def test_a_failing_listing_does_not_fail_the_read(caplog):
    server = McpServer("mime")

    @server.resource("data://x")
    def data():
        return "x"

    @server.list_resources()
    def listing():
        raise RuntimeError("database down")

    client = MockMcpClient(server)
    with caplog.at_level(logging.WARNING, logger="oxmcp"):
        [read] = await client.read_resource("data://x")
    assert (read.text, read.mime_type) == ("x", "text/plain")
    assert any("resources/list override failed" in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
async def test_the_decorator_mime_type_wins_over_the_listing():
    server = McpServer("mime")

    @server.resource("data://x", mime_type="text/markdown")
    def data():
        return "# hi"

    @server.list_resources()
    def listing():
        return [{"uri": "data://x", "name": "x", "mimeType": "text/html"}]

    client = MockMcpClient(server)
    await client.list_resources()
    [read] = await client.read_resource("data://x")
    assert read.mime_type == "text/markdown"


# -- a second registration under an existing name ------------------------------------------------------


def _register_twice(server: McpServer, kind: str) -> None:
    def first() -> str:
        return "first"

    def second() -> str:
        return "second"

    def template(item_id: str) -> str:
        return item_id

    for fn in (first, second):
        if kind == "tool":
            server.add_tool(fn, "same")
        elif kind == "resource":
            server.add_resource(fn, "mem://same")
        elif kind == "resource template":
            server.add_resource(
                template if fn is first else (lambda item_id: f"2:{item_id}"), "items://{item_id}"
            )
        else:
            server.add_prompt(fn, "same")


KINDS = {
    "tool": "'same'",
    "resource": "'mem://same'",
    "resource template": "'items://{item_id}'",
    "prompt": "'same'",
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_duplicate_is_an_error_by_default(kind):
    server = McpServer("dup")
    with pytest.raises(ValueError) as exc_info:
        _register_twice(server, kind)
    message = str(exc_info.value)
    assert message.startswith(f"{kind} {KINDS[kind]} is already registered")
    assert "on_duplicate" in message


def test_decorators_report_duplicates_too():
    server = McpServer("dup")

    @server.tool()
    def add(a: int, b: int) -> int:
        return a + b

    with pytest.raises(ValueError, match="tool 'add' is already registered"):

        @server.tool("add")
        def add_again(a: int) -> int:
            return a

    @server.prompt()
    def review() -> str:
        return "review"

    with pytest.raises(ValueError, match="prompt 'review'"):
        server.prompt(review)

    server.resource("config://app")(lambda: "{}")
    with pytest.raises(ValueError, match="resource 'config://app'"):
        server.resource("config://app")(lambda: "[]")


@pytest.mark.asyncio
@pytest.mark.parametrize("policy", ["warn", "replace"])
async def test_warn_and_replace_replace(policy, caplog):
    server = McpServer("dup", on_duplicate=policy)
    with caplog.at_level(logging.WARNING, logger="oxmcp"):
        for kind in KINDS:
            _register_twice(server, kind)
    warnings = [r for r in caplog.records if r.name == "oxmcp" and r.levelno == logging.WARNING]
    if policy == "warn":
        assert len(warnings) == 4
        assert "tool 'same'" in warnings[0].getMessage()
    else:
        assert warnings == []
    client = MockMcpClient(server)
    assert [t.name for t in await client.list_tools()] == ["same"]
    assert await client.call_tool("same") == "second"
    assert (await client.read_resource("mem://same"))[0].text == "second"
    assert (await client.read_resource("items://7"))[0].text == "2:7"
    assert (await client.get_prompt("same")).messages[0].content.text == "second"


@pytest.mark.asyncio
async def test_adding_after_removing_works():
    server = McpServer("dup")

    def one() -> str:
        return "one"

    def two() -> str:
        return "two"

    server.add_tool(one, "t")
    assert server.remove_tool("t")
    server.add_tool(two, "t")
    server.add_prompt(one, "p")
    assert server.remove_prompt("p")
    server.add_prompt(two, "p")
    server.add_resource(one, "mem://r")
    assert server.remove_resource("mem://r")
    server.add_resource(two, "mem://r")
    client = MockMcpClient(server)
    assert await client.call_tool("t") == "two"
    assert (await client.get_prompt("p")).messages[0].content.text == "two"
    assert (await client.read_resource("mem://r"))[0].text == "two"


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="on_duplicate"):
        McpServer("dup", on_duplicate="ignore")  # type: ignore[arg-type]
