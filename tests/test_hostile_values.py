"""No value user code hands the server can crash it (issue 9, section 3), in process.

Every value goes through one converter (``src/convert.rs``): depth-bounded (256, the same number in
Rust and Python), cycle-aware, the known types of ``oxmcp._jsonable``, anything else an error naming
the type (never a ``repr``). Whatever user code raises, ``BaseException``s included, is an answer.
Each test breaks a rule, then checks that the server still serves a fresh call. The same rules over a
real stdio and HTTP subprocess are in ``test_hostile_values_wire.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import pathlib
import uuid
from collections import OrderedDict
from typing import Any

import pydantic
import pytest
from oxmcp import Context, McpServer, _core
from oxmcp._results import to_jsonable
from oxmcp.exceptions import McpError
from oxmcp.testing import MockMcpClient
from oxmcp.types import to_wire

LIMIT = _core.MAX_VALUE_DEPTH


def nested_lists(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def nested_dicts(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def cyclic_dict() -> dict[str, Any]:
    d: dict[str, Any] = {"a": {"b": None}}
    d["a"]["b"] = d
    return d


def cyclic_list() -> list[Any]:
    items: list[Any] = [0, 1]
    items.append(items)
    return items


class Opaque:
    """A type nobody can convert (its repr holds a memory address)."""


def hostile_server() -> McpServer:
    server = McpServer("hostile")

    @server.tool()
    async def value(kind: str, n: int = 0) -> Any:
        return VALUES[kind](n)

    @server.tool()
    def value_sync(kind: str, n: int = 0) -> Any:
        return VALUES[kind](n)

    @server.tool()
    async def add(a: int, b: int) -> int:
        return a + b

    return server


VALUES = {
    "deep_lists": nested_lists,
    "deep_dicts": nested_dicts,
    "cycle_dict": lambda n: cyclic_dict(),
    "cycle_list": lambda n: cyclic_list(),
    "opaque": lambda n: {"x": [1, Opaque()]},
    "nan": lambda n: {"x": float("nan")},
    "key": lambda n: {(1, 2): "tuple key"},
}


async def error_text(client: MockMcpClient, tool: str, **arguments: Any) -> str:
    result = await client.call_tool_result(tool, arguments)
    assert result.isError, result
    text = result.content[0].text  # type: ignore[union-attr]
    assert await client.call_tool("add", {"a": 2, "b": 3}) == 5  # a fresh call is served
    return text


# --- the one limit ---------------------------------------------------------------------------------


def test_the_limit_is_defined_once_and_read_by_python() -> None:
    assert LIMIT == 256
    # to_wire (Python) stops where the converter (Rust) refuses: both read the same number.
    assert to_wire(nested_lists(LIMIT + 5)) == nested_lists(LIMIT + 5)


def test_boundary_256_converts_257_does_not() -> None:
    assert to_jsonable(nested_lists(LIMIT)) == nested_lists(LIMIT)
    assert to_jsonable(nested_dicts(LIMIT)) == nested_dicts(LIMIT)
    with pytest.raises(ValueError, match=rf"^result\[0\]\[0\].*: nested deeper than {LIMIT}$"):
        to_jsonable(nested_lists(LIMIT + 1))
    with pytest.raises(ValueError, match=rf"^result\.a\.a.*: nested deeper than {LIMIT}$"):
        to_jsonable(nested_dicts(LIMIT + 1))


def test_cycles_name_the_place_that_refers_back() -> None:
    with pytest.raises(ValueError, match=r"^result\.a\.b: cycle \(refers to an enclosing value\)$"):
        to_jsonable(cyclic_dict())
    with pytest.raises(ValueError, match=r"^result\[2\]: cycle"):
        to_jsonable(cyclic_list())
    inner = cyclic_list()
    with pytest.raises(ValueError, match=r"^result\.items\[3\]\.child\[2\]: cycle"):
        to_jsonable({"items": [0, 1, 2, {"child": inner}]})
    # A value seen twice without enclosing itself is no cycle.
    shared = {"k": 1}
    assert to_jsonable([shared, shared, {"again": shared}]) == [{"k": 1}, {"k": 1}, {"again": {"k": 1}}]


def test_a_cycle_through_a_dataclass_is_found_too() -> None:
    @dataclasses.dataclass
    class Node:
        name: str
        next: Any = None

    node = Node("a")
    node.next = Node("b", node)
    with pytest.raises(ValueError, match=r"^result\.next\.next: cycle"):
        to_jsonable(node)


# --- known types -----------------------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 2


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Model(pydantic.BaseModel):
    when: dt.date
    tags: list[str]


def test_every_known_type_converts() -> None:
    value = {
        "datetime": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "date": dt.date(2024, 1, 2),
        "time": dt.time(1, 2, 3),
        "uuid": uuid.UUID(int=1),
        "path": pathlib.PurePosixPath("/a/b"),
        "decimal": decimal.Decimal("1.25"),
        "enum": Color.RED,
        "int_enum": Level.HIGH,
        "bytes": b"\x00\x01",
        "bytearray": bytearray(b"\xff"),
        "memoryview": memoryview(b"ab"),
        "set": {3, 1, 2},
        "frozenset": frozenset({"b", "a"}),
        "mixed_set": {1, "a"},
        "tuple": (1, (2, 3)),
        "dataclass": Point(1, 2),
        "pydantic": Model(when=dt.date(2024, 5, 6), tags=["t"]),
        "ordered": OrderedDict([("z", 1), ("a", 2)]),
        "typed_dict_like": dict(a=1),
        "timedelta": dt.timedelta(seconds=90),
    }
    out = to_jsonable(value)
    assert sorted(out.pop("mixed_set"), key=str) == [1, "a"]
    assert out == {
        "datetime": "2024-01-02T03:04:05+00:00",
        "date": "2024-01-02",
        "time": "01:02:03",
        "uuid": "00000000-0000-0000-0000-000000000001",
        "path": "/a/b",
        "decimal": 1.25,
        "enum": "red",
        "int_enum": 2,
        "bytes": "AAE=",
        "bytearray": "/w==",
        "memoryview": "YWI=",
        "set": [1, 2, 3],
        "frozenset": ["a", "b"],
        "tuple": [1, [2, 3]],
        "dataclass": {"x": 1, "y": 2},
        "pydantic": {"when": "2024-05-06", "tags": ["t"]},
        "ordered": {"z": 1, "a": 2},
        "typed_dict_like": {"a": 1},
        "timedelta": 90.0,
    }


def test_dict_keys_convert_like_json_and_others_are_errors() -> None:
    assert to_jsonable(
        {3: "a", 2.5: "b", True: "c", None: "d", Color.RED: "e", dt.date(2024, 1, 1): "f"}
    ) == {
        "3": "a",
        "2.5": "b",
        "true": "c",
        "null": "d",
        "red": "e",
        "2024-01-01": "f",
    }
    with pytest.raises(TypeError, match=r"^result\.x: cannot use a key of type 'tuple' in a JSON object$"):
        to_jsonable({"x": {(1, 2): 3}})


def test_nan_and_infinity_are_errors() -> None:
    for bad in (float("nan"), float("inf"), decimal.Decimal("NaN")):
        with pytest.raises(ValueError, match=r"^result\.x\[0\]: .* is not a JSON number"):
            to_jsonable({"x": [bad]})


def test_unknown_types_are_named_never_their_repr() -> None:
    with pytest.raises(TypeError) as caught:
        to_jsonable({"x": [1, Opaque()]})
    assert str(caught.value) == "result.x[1]: cannot convert value of type 'Opaque' to JSON"
    assert "0x" not in str(caught.value)


def test_a_known_type_whose_conversion_raises_names_it() -> None:
    class Broken(pydantic.BaseModel):
        x: int

        def model_dump(self, **kwargs: Any) -> Any:
            raise KeyboardInterrupt  # even this is a conversion failure, not a shutdown

    with pytest.raises(ValueError, match=r"^result\.m: converting a value of type 'Broken' raised"):
        to_jsonable({"m": Broken(x=1)})


# --- over the server: tools ------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("tool", ["value", "value_sync"])
@pytest.mark.parametrize("levels", [10_000, 20_000])
async def test_deep_results_are_error_results(tool: str, levels: int) -> None:
    async with MockMcpClient(hostile_server()) as client:
        for kind in ("deep_lists", "deep_dicts"):
            text = await error_text(client, tool, kind=kind, n=levels)
            assert text.endswith(f": nested deeper than {LIMIT}"), text
            assert "result" in text


@pytest.mark.asyncio
@pytest.mark.parametrize("tool", ["value", "value_sync"])
async def test_the_boundary_over_the_server(tool: str) -> None:
    async with MockMcpClient(hostile_server()) as client:
        ok = await client.call_tool_result(tool, {"kind": "deep_lists", "n": LIMIT})
        assert not ok.isError and ok.structuredContent == {"result": nested_lists(LIMIT)}
        text = await error_text(client, tool, kind="deep_lists", n=LIMIT + 1)
        assert text.endswith(f"nested deeper than {LIMIT}")


@pytest.mark.asyncio
@pytest.mark.parametrize("tool", ["value", "value_sync"])
async def test_cycles_unknown_types_nan_and_keys_are_error_results(tool: str) -> None:
    async with MockMcpClient(hostile_server()) as client:
        assert (await error_text(client, tool, kind="cycle_dict")).endswith(
            "result.a.b: cycle (refers to an enclosing value)"
        )
        assert (await error_text(client, tool, kind="cycle_list")).endswith(
            "result[2]: cycle (refers to an enclosing value)"
        )
        opaque = await error_text(client, tool, kind="opaque")
        assert (
            opaque.endswith("result.x[1]: cannot convert value of type 'Opaque' to JSON")
            and "0x" not in opaque
        )
        assert "result.x: NaN is not a JSON number" in await error_text(client, tool, kind="nan")
        assert "cannot use a key of type 'tuple'" in await error_text(client, tool, kind="key")


# --- resources, prompts, lists, completion, logs, client requests ------------------------------------


@pytest.mark.asyncio
async def test_other_kinds_answer_minus_32603_naming_the_problem() -> None:
    server = hostile_server()

    @server.resource("res://cycle")
    async def cycle_resource() -> Any:
        return cyclic_dict()

    @server.resource("res://deep")
    def deep_resource() -> Any:
        return nested_lists(20_000)

    @server.prompt()
    def opaque_prompt() -> Any:
        return {"role": "user", "content": {"type": "text", "text": Opaque()}}

    @server.prompt()
    async def deep_prompt() -> Any:
        return nested_lists(20_000)

    @server.list_prompts()
    def listed() -> Any:
        return [cyclic_dict()]

    @server.completion()
    async def complete(ref: Any, argument: Any, context: Any) -> Any:
        return cyclic_list()

    async with MockMcpClient(server) as client:
        cases = [
            (client.read_resource("res://cycle"), "result.a.b: cycle"),
            (client.read_resource("res://deep"), f"nested deeper than {LIMIT}"),
            (client.get_prompt("opaque_prompt"), "cannot convert value of type 'Opaque'"),
            (client.get_prompt("deep_prompt"), f"nested deeper than {LIMIT}"),
            (client.list_prompts(), "cycle (refers to an enclosing value)"),
            (
                client.request(
                    "completion/complete",
                    {
                        "ref": {"type": "ref/prompt", "name": "opaque_prompt"},
                        "argument": {"name": "a", "value": ""},
                    },
                ),
                "result[2]: cycle",
            ),
        ]
        for call, expected in cases:
            with pytest.raises(McpError) as caught:
                await call
            assert caught.value.code == -32603 and expected in caught.value.message, caught.value
            assert "0x" not in caught.value.message
            assert await client.call_tool("add", {"a": 1, "b": 1}) == 2


@pytest.mark.asyncio
async def test_log_data_and_elicitation_params_raise_in_the_tool_naming_the_path() -> None:
    server = hostile_server()
    seen: list[str] = []

    @server.tool()
    async def chatty(ctx: Context) -> str:
        for data in (cyclic_dict(), {"obj": Opaque()}, nested_lists(20_000)):
            try:
                await ctx.info(data)
            except (TypeError, ValueError) as exc:
                seen.append(str(exc))
        try:
            await ctx.elicit("pick", {"type": "object", "properties": {"x": {"default": Opaque()}}})
        except (TypeError, ValueError) as exc:
            seen.append(str(exc))
        return "done"

    client = MockMcpClient(
        server, elicitation_callback=lambda params: None, logging_callback=lambda params: None
    )
    async with client:
        assert await client.call_tool("chatty") == "done"
    assert seen[0] == "data.a.b: cycle (refers to an enclosing value)"
    assert seen[1] == "data.obj: cannot convert value of type 'Opaque' to JSON"
    assert seen[2].endswith(f"nested deeper than {LIMIT}")
    assert seen[3].startswith("params.") and "Opaque" in seen[3], seen


# --- BaseException from user code --------------------------------------------------------------------

RAISED = [KeyboardInterrupt, SystemExit, GeneratorExit]


def raising_server(exc: type[BaseException]) -> McpServer:
    server = hostile_server()

    @server.tool()
    async def boom() -> str:
        raise exc()

    @server.tool()
    def boom_sync() -> str:
        raise exc()

    @server.resource("res://boom")
    async def boom_resource() -> str:
        raise exc()

    @server.resource("res://boom_sync")
    def boom_resource_sync() -> str:
        raise exc()

    @server.prompt()
    async def boom_prompt() -> str:
        raise exc()

    @server.prompt()
    def boom_prompt_sync() -> str:
        raise exc()

    return server


@pytest.mark.asyncio
@pytest.mark.parametrize("exc", RAISED, ids=lambda e: e.__name__)
async def test_base_exceptions_in_user_code_are_answers(exc: type[BaseException]) -> None:
    async with MockMcpClient(raising_server(exc)) as client:
        for tool in ("boom", "boom_sync"):
            text = await error_text(client, tool)
            assert tool in text, text
        for call in (
            lambda: client.read_resource("res://boom"),
            lambda: client.read_resource("res://boom_sync"),
            lambda: client.get_prompt("boom_prompt"),
            lambda: client.get_prompt("boom_prompt_sync"),
        ):
            with pytest.raises(McpError) as caught:
                await call()
            assert caught.value.code == -32603
            assert await client.call_tool("add", {"a": 1, "b": 2}) == 3


@pytest.mark.asyncio
@pytest.mark.parametrize("exc", RAISED, ids=lambda e: e.__name__)
async def test_base_exceptions_in_error_handlers_validators_and_completion(exc: type[BaseException]) -> None:
    server = raising_server(exc)
    handled: list[str] = []

    @server.error_handler()
    async def handler(error: BaseException) -> Any:
        handled.append(type(error).__name__)
        raise exc()

    @server.completion()
    def complete(ref: Any, argument: Any, context: Any) -> Any:
        raise exc()

    async with MockMcpClient(server) as client:
        await error_text(client, "boom")
        await error_text(client, "boom_sync")
        with pytest.raises(McpError):
            await client.request(
                "completion/complete",
                {
                    "ref": {"type": "ref/prompt", "name": "boom_prompt"},
                    "argument": {"name": "a", "value": ""},
                },
            )
        assert await client.call_tool("add", {"a": 1, "b": 2}) == 3
    assert handled[:2] == [exc.__name__, exc.__name__]


@pytest.mark.asyncio
async def test_a_sync_error_handler_raising_keyboard_interrupt_is_an_answer() -> None:
    server = raising_server(ValueError)

    @server.error_handler()
    def handler(error: BaseException) -> Any:
        raise KeyboardInterrupt

    async with MockMcpClient(server) as client:
        await error_text(client, "boom")
        await error_text(client, "boom_sync")


@pytest.mark.asyncio
@pytest.mark.parametrize("exc", RAISED, ids=lambda e: e.__name__)
async def test_base_exceptions_in_validate_request_and_list_overrides(exc: type[BaseException]) -> None:
    class Guarded(McpServer):
        async def validate_request(self, request: dict[str, Any]) -> None:
            if request["method"] == "tools/call" and request["params"].get("name") == "boom":
                raise exc()

    server = Guarded("guarded")

    @server.tool()
    async def boom() -> str:
        return "never"

    @server.tool()
    async def add(a: int, b: int) -> int:
        return a + b

    @server.list_prompts()
    async def listed() -> Any:
        raise exc()

    async with MockMcpClient(server) as client:
        with pytest.raises(McpError):
            await client.call_tool("boom")
        with pytest.raises(McpError):
            await client.list_prompts()
        assert await client.call_tool("add", {"a": 1, "b": 2}) == 3


@pytest.mark.asyncio
async def test_error_payloads_that_cannot_be_json_still_answer() -> None:
    server = hostile_server()

    @server.tool()
    async def mcp_error() -> str:
        raise McpError(-32001, "custom", {"obj": Opaque()})

    @server.tool()
    async def tool_error() -> str:
        from oxmcp.exceptions import ToolError

        raise ToolError("bad", structured_content=cyclic_dict())

    async with MockMcpClient(server) as client:
        with pytest.raises(McpError) as caught:
            await client.call_tool("mcp_error")
        assert (caught.value.code, caught.value.message, caught.value.data) == (-32001, "custom", None)
        text = await error_text(client, "tool_error")
        assert "cycle (refers to an enclosing value)" in text, text


@pytest.mark.asyncio
@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit], ids=lambda e: e.__name__)
async def test_base_exceptions_in_tasks_a_call_starts_do_not_stop_the_loop(exc: type[BaseException]) -> None:
    import asyncio

    server = hostile_server()

    async def child() -> None:
        await asyncio.sleep(0)
        raise exc()

    @server.tool()
    async def gathers() -> str:
        await asyncio.gather(child())
        return "never"

    @server.tool()
    async def spawns_and_catches() -> str:
        try:
            await asyncio.create_task(child())
        except Exception as caught:  # TaskInterrupted, with the original as its cause
            return f"{type(caught).__name__} from {type(caught.__cause__).__name__}"
        return "never"

    async with MockMcpClient(server) as client:
        text = await error_text(client, "gathers")
        assert "TaskInterrupted" in text or exc.__name__ in text, text
        assert await client.call_tool("spawns_and_catches") == f"TaskInterrupted from {exc.__name__}"
        await asyncio.sleep(0.05)  # the loop is still running: the test itself goes on
        assert await client.call_tool("add", {"a": 1, "b": 2}) == 3


@pytest.mark.asyncio
async def test_a_task_whose_result_is_hostile_ends_with_an_error_result() -> None:
    server = hostile_server()

    @server.tool(task=True)
    async def cyclic_task() -> Any:
        return cyclic_dict()

    async with MockMcpClient(server, protocol_version="2025-11-25") as client:
        created = await client.request("tools/call", {"name": "cyclic_task", "task": {"ttl": 30000}})
        result = await client.request("tasks/result", {"taskId": created["task"]["taskId"]})
        assert result["isError"] is True
        assert "result.a.b: cycle (refers to an enclosing value)" in result["content"][0]["text"]
        assert await client.call_tool("add", {"a": 1, "b": 2}) == 3
