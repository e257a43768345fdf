"""The Rust <-> Python bridge: call kinds, registration records, the tool-result rule and the
pump's host (what `McpServer` hands the core, and what the core gives back)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
from typing import Any

import pytest
from oxmcp import McpServer, _core, _results
from oxmcp._core import CallKind
from oxmcp._pump import Pump
from oxmcp._registration import (
    Entry,
    PromptRegistration,
    ResourceRegistration,
    TemplateRegistration,
    ToolRegistration,
)
from oxmcp.server._registry import registry_of
from oxmcp.server._runtime import runtime_of
from oxmcp.testing import MockMcpClient
from oxmcp.types import CallToolResult, TextContent

OBJECT = {"type": "object", "properties": {}}


def _entry(name: str = "f", is_async: bool = True) -> Entry:
    async def f() -> str:
        return "ok"

    return Entry(name, f, is_async)


class _Host:
    error_hook = None

    async def read_own_resource(self, uri: str, ctx: Any) -> list[Any]:
        return []


def _core_with_pump() -> tuple[_core.ServerCore, Pump, _Host]:
    core = _core.ServerCore("bridge", "1.0")
    host = _Host()
    return core, Pump(core, host), host


# --- CallKind --------------------------------------------------------------------------------------


KINDS = [
    CallKind.TOOL,
    CallKind.RESOURCE,
    CallKind.PROMPT,
    CallKind.LIST,
    CallKind.VALIDATE,
    CallKind.COMPLETE,
]


def test_call_kinds_are_distinct_hashable_and_labelled() -> None:
    assert len(set(KINDS)) == 6
    assert [k.label for k in KINDS] == ["tool", "resource", "prompt", "list", "validate", "complete"]
    assert str(CallKind.TOOL) == "tool"
    assert CallKind.TOOL == CallKind.TOOL and CallKind.TOOL != CallKind.PROMPT


def test_the_pump_dispatches_every_kind() -> None:
    from oxmcp import _pump

    assert set(_pump._KINDS) == set(KINDS)


# --- registration records ----------------------------------------------------------------------------


def test_registration_validates_each_field_in_rust_naming_it() -> None:
    core, _pump, _host = _core_with_pump()
    tool = {"name": "t", "inputSchema": OBJECT}
    with pytest.raises(
        ValueError, match=r"^task must be True, False, 'optional' or 'required', not 'sometimes'$"
    ):
        core.add_tool(ToolRegistration(definition=tool, entry=_entry(), task="sometimes"))
    with pytest.raises(ValueError, match=r"^task_start must be 'immediate' or 'manual', not 'later'$"):
        core.add_tool(ToolRegistration(definition=tool, entry=_entry(), task_start="later"))
    resource = {"uri": "res://a", "name": "a"}
    with pytest.raises(ValueError, match=r"^cache_scope must be 'public' or 'private', not 'nope'$"):
        core.add_resource(ResourceRegistration(definition=resource, entry=_entry(), cache_scope="nope"))
    with pytest.raises(ValueError, match="definition must be a dict"):
        core.add_prompt(PromptRegistration(definition=[], entry=_entry()))  # type: ignore[arg-type]
    bad_entry = dataclasses.replace(_entry(), is_async="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"entry\.is_async must be True or False"):
        core.add_tool(ToolRegistration(definition=tool, entry=bad_entry))
    with pytest.raises(TypeError, match="cache_ttl_ms"):
        core.add_template(
            TemplateRegistration(
                definition={"uriTemplate": "res://{x}", "name": "x"},
                entry=_entry(),
                cache_ttl_ms="soon",  # type: ignore[arg-type]
            )
        )


@pytest.mark.asyncio
async def test_task_support_is_written_once_before_meta() -> None:
    server = McpServer("tasks")

    @server.tool(task="required", meta={"k": 1})
    async def slow() -> str:
        return "done"

    @server.tool()
    async def plain() -> str:
        return "done"

    async with MockMcpClient(server) as client:
        tools = {t["name"]: t for t in (await client.request("tools/list"))["tools"]}
    assert list(tools["slow"])[-2:] == ["execution", "_meta"]
    assert tools["slow"]["execution"] == {"taskSupport": "required"}
    assert "execution" not in tools["plain"]


# --- the tool-result rule ------------------------------------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    y: int


@pytest.mark.parametrize(
    ("value", "wraps", "structured", "expected"),
    [
        # plain values, read by Rust directly
        (None, False, True, {"content": []}),
        (
            None,
            True,
            True,
            {"content": [{"type": "text", "text": "null"}], "structuredContent": {"result": None}},
        ),
        ("hi", False, True, {"content": [{"type": "text", "text": "hi"}]}),
        (3, False, True, {"content": [{"type": "text", "text": "3"}], "structuredContent": {"result": 3}}),
        (3, False, False, {"content": [{"type": "text", "text": "3"}]}),
        (
            {"a": 1},
            False,
            True,
            {"content": [{"type": "text", "text": '{"a":1}'}], "structuredContent": {"a": 1}},
        ),
        (
            {"a": 1},
            True,
            True,
            {"content": [{"type": "text", "text": '{"a":1}'}], "structuredContent": {"result": {"a": 1}}},
        ),
        (
            float("inf"),
            False,
            True,
            {
                "content": [{"type": "text", "text": "the tool returned inf, which JSON cannot represent"}],
                "isError": True,
            },
        ),
        # converted by _results.tool_parts, shaped by Rust
        (
            Point(1, 2),
            False,
            True,
            {"content": [{"type": "text", "text": '{"x":1,"y":2}'}], "structuredContent": {"x": 1, "y": 2}},
        ),
        (
            Point(1, 2),
            True,
            True,
            {
                "content": [{"type": "text", "text": '{"x":1,"y":2}'}],
                "structuredContent": {"result": {"x": 1, "y": 2}},
            },
        ),
        (Point(1, 2), False, False, {"content": [{"type": "text", "text": '{"x":1,"y":2}'}]}),
        ((1, "a"), False, True, {"content": [{"type": "text", "text": '[1,"a"]'}]}),
        (TextContent(text="t"), True, True, {"content": [{"type": "text", "text": "t"}]}),
        (
            [TextContent(text="t"), 2],
            True,
            True,
            {
                "content": [{"type": "text", "text": "t"}, {"type": "text", "text": "2"}],
                "structuredContent": {"result": [{"type": "text", "text": "t"}, 2]},
            },
        ),
        (
            CallToolResult(content=[TextContent(text="x")], structuredContent={"a": 1}, isError=True),
            False,
            False,
            {"content": [{"type": "text", "text": "x"}], "isError": True},
        ),
    ],
)
@pytest.mark.asyncio
async def test_tool_results_on_the_wire(
    value: Any, wraps: bool, structured: bool, expected: dict[str, Any]
) -> None:
    server = McpServer("results")

    async def give() -> Any:
        return value

    server.add_tool(give, "give")
    # Registered again with exactly the flags under test (an annotation decides them otherwise).
    entry = dataclasses.replace(registry_of(server).tools["give"], wraps=wraps, structured=structured)
    runtime_of(server).core.add_tool(
        ToolRegistration(definition={"name": "give", "inputSchema": OBJECT}, entry=entry)
    )
    async with MockMcpClient(server) as client:
        result = await client.request("tools/call", {"name": "give", "arguments": {}})
    result.pop("_meta", None)
    assert result == expected


def test_tool_result_helper_shapes_converted_values_only() -> None:
    # `_results.tool_result` is the rule for values that are not plain JSON; a bare int there is
    # plain text, as it always was (the wire wraps a returned int, see above).
    assert _results.tool_result(True, False) == {"content": [{"type": "text", "text": "true"}]}
    assert _core.tool_result(("value", None, None, False), True) == {
        "content": [],
        "structuredContent": {"result": None},
    }
    assert _core.tool_result(("value", {"a": 1}, '{"a":1}', True), False, False) == {
        "content": [{"type": "text", "text": '{"a":1}'}]
    }
    with pytest.raises(TypeError, match="unknown tool result form"):
        _core.tool_result(("nope",), False)


# --- the pump and its host --------------------------------------------------------------------------


def test_the_pump_does_not_import_the_server() -> None:
    # oxmcp/__init__ imports the server: load the pump alone, under a bare package.
    import oxmcp

    package_dir = list(oxmcp.__path__)[0]
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('oxmcp'); pkg.__path__ = [{package_dir!r}]; sys.modules['oxmcp'] = pkg\n"
        "import oxmcp._pump\n"
        "print('oxmcp.server.mcp_server' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_pump_holds_core_and_host_weakly() -> None:
    core, pump, host = _core_with_pump()
    assert pump._core is core
    with pytest.raises(RuntimeError, match="already has a runner"):
        core.set_runner(pump)
    del core
    with pytest.raises(RuntimeError, match="garbage-collected"):
        _ = pump._core
    del host
    assert pump._error_hook() is None


@pytest.mark.asyncio
async def test_the_error_hook_comes_from_the_host() -> None:
    server = McpServer("hooks")

    @server.tool()
    def broken() -> str:  # sync: the hook is applied on the loop
        raise ValueError("kaput")

    @server.error_handler()
    def handle(exc: BaseException) -> str:
        return f"handled {exc}"

    hook = registry_of(server).error_hook
    assert hook is not None and hook.fn is handle
    async with MockMcpClient(server) as client:
        result = await client.request("tools/call", {"name": "broken", "arguments": {}})
    assert result["isError"] is True
    assert json.dumps(result["content"]) == json.dumps([{"type": "text", "text": "handled kaput"}])
    await asyncio.sleep(0)
