"""Issue 8, "one validation path": prompt arguments and resource-template variables are checked and
converted by the same Rust code as tool arguments, date/time/UUID arguments are checked before Python
runs, and `raise ToolError("message")` reaches the client as written. Both eras."""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Literal

import pytest
from oxmcp import Context, McpError, McpServer, ToolError
from oxmcp.exceptions import ErrorCode
from oxmcp.testing import MockMcpClient

from tests._support.eras import ERAS


def make_server() -> tuple[McpServer, list[object]]:
    """A server whose functions record what they were called with (`seen`)."""
    server = McpServer("validation")
    seen: list[object] = []

    @server.resource("items://{item_id}")
    def item(item_id: int) -> str:
        seen.append(item_id)
        return f"item {item_id}"

    @server.prompt()
    def repeat(n: int, tone: Literal["formal", "casual"] = "formal") -> str:
        seen.append((n, tone))
        return f"say it {n} times, {tone}"

    @server.tool()
    def schedule(day: datetime.date, at: datetime.time, when: datetime.datetime, ref: uuid.UUID) -> str:
        seen.append((day, at, when, ref))
        return "ok"

    @server.tool()
    async def reader(uri: str, ctx: Context) -> str:
        contents = await ctx.read_resource(uri)
        return contents[0].text

    @server.tool()
    async def weather(city: str) -> str:
        raise ToolError(f"no such city: {city}")

    return server, seen


@ERAS
@pytest.mark.asyncio
async def test_a_template_variable_is_converted_and_checked(version: str) -> None:
    server, seen = make_server()
    async with MockMcpClient(server, protocol_version=version) as client:
        [contents] = await client.read_resource("items://42")
        assert contents.text == "item 42"
        assert seen == [42] and type(seen[0]) is int
        with pytest.raises(McpError) as caught:
            await client.read_resource("items://abc")
    assert caught.value.code == ErrorCode.INVALID_PARAMS
    assert "item_id" in caught.value.message
    assert caught.value.data == {"uri": "items://abc", "uriTemplate": "items://{item_id}", "field": "item_id"}
    assert seen == [42]  # the function never saw "abc"


@ERAS
@pytest.mark.asyncio
async def test_a_prompt_argument_is_converted_and_checked(version: str) -> None:
    server, seen = make_server()
    async with MockMcpClient(server, protocol_version=version) as client:
        result = await client.get_prompt("repeat", {"n": "3", "tone": "casual"})
        assert "say it 3 times, casual" in str(result)
        assert seen == [(3, "casual")] and type(seen[0][0]) is int
        for bad, field in (({"n": "x"}, "n"), ({"n": "2", "tone": "rude"}, "tone")):
            with pytest.raises(McpError) as caught:
                await client.get_prompt("repeat", bad)
            assert caught.value.code == ErrorCode.INVALID_PARAMS
            assert field in caught.value.message
            assert caught.value.data["prompt"] == "repeat"
    assert len(seen) == 1


@ERAS
@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("field", "bad"),
    [("day", "yesterday"), ("at", "noonish"), ("when", "2026-13-45T99:00"), ("ref", "not-a-uuid")],
)
async def test_dates_times_and_uuids_are_checked_before_python_runs(
    version: str, field: str, bad: str, caplog: pytest.LogCaptureFixture
) -> None:
    server, seen = make_server()
    good = {"day": "2026-07-28", "at": "09:30", "when": "2026-07-28T09:30:00", "ref": str(uuid.uuid4())}
    caplog.set_level(logging.ERROR, logger="oxmcp")
    async with MockMcpClient(server, protocol_version=version) as client:
        assert await client.call_tool("schedule", good) == "ok"
        assert seen[0] == (
            datetime.date(2026, 7, 28),
            datetime.time(9, 30),
            datetime.datetime(2026, 7, 28, 9, 30),
            uuid.UUID(good["ref"]),
        )
        try:
            result = await client.request(
                "tools/call", {"name": "schedule", "arguments": {**good, field: bad}}
            )
        except McpError as e:  # revisions where invalid input is a protocol error
            assert e.code == ErrorCode.INVALID_PARAMS
            message = e.message
        else:  # revisions where it is a tool error the model can read
            assert result["isError"] is True
            message = result["content"][0]["text"]
    assert field in message and "Invalid arguments for tool schedule" in message
    assert len(seen) == 1  # the function did not run
    assert not [r for r in caplog.records if "raised" in r.getMessage()]  # not logged as the tool failing


@ERAS
@pytest.mark.asyncio
async def test_context_read_resource_converts_variables_too(version: str) -> None:
    server, seen = make_server()
    async with MockMcpClient(server, protocol_version=version) as client:
        assert await client.call_tool("reader", {"uri": "items://7"}) == "item 7"
        assert seen == [7]
        # The McpError that ctx.read_resource raises is the call's answer (the seed's contract).
        with pytest.raises(McpError) as caught:
            await client.call_tool("reader", {"uri": "items://seven"})
    assert caught.value.code == ErrorCode.INVALID_PARAMS
    assert "item_id" in caught.value.message
    # The same error resources/read answers, data included.
    assert caught.value.data == {
        "uri": "items://seven",
        "uriTemplate": "items://{item_id}",
        "field": "item_id",
    }
    assert seen == [7]


@ERAS
@pytest.mark.asyncio
async def test_tool_error_text_reaches_the_client_as_written(
    version: str, caplog: pytest.LogCaptureFixture
) -> None:
    server, _ = make_server()
    caplog.set_level(logging.ERROR, logger="oxmcp")
    async with MockMcpClient(server, protocol_version=version) as client:
        result = await client.request("tools/call", {"name": "weather", "arguments": {"city": "Atlantis"}})
    assert result["isError"] is True
    assert result["content"] == [{"type": "text", "text": "no such city: Atlantis"}]
    assert not caplog.records  # a deliberate answer: no traceback in the server's log


@pytest.mark.asyncio
async def test_a_datetime_argument_may_be_a_date_alone() -> None:
    server, seen = make_server()
    args = {"day": "2026-07-28", "at": "09:30", "when": "2026-07-28", "ref": str(uuid.UUID(int=1))}
    async with MockMcpClient(server) as client:
        assert await client.call_tool("schedule", args) == "ok"
    assert seen[0][2] == datetime.datetime(2026, 7, 28)  # midnight, as datetime.fromisoformat reads it


class Opaque:
    """A class no JSON Schema describes."""


def test_a_hand_written_input_schema_may_describe_any_parameter_type() -> None:
    server = McpServer("own-schema")

    def raw(thing: Opaque) -> str:
        return "x"

    # The hand-written schema describes the arguments, so the parameter's type is not refused...
    server.add_tool(raw, input_schema={"type": "object", "properties": {"thing": {"type": "object"}}})
    # ...while a generated schema cannot describe it: refused at registration, naming the parameter.
    with pytest.raises(TypeError, match="'thing'"):
        server.add_tool(raw, "generated")
