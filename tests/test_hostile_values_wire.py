"""Hostile values and BaseExceptions against a real server process, over stdio and HTTP.

A self-referencing or 20k-deep result used to kill the process with SIGSEGV (a stack overflow in the
converter) and ``KeyboardInterrupt`` in a tool stopped the server: here each case is answered, the
process is still alive, and a fresh call is served. (In-process rules: ``test_hostile_values.py``.)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _support.http import post_mcp
from _support.messages import modern_headers, modern_meta
from _support.processes import HTTP_ANNOUNCE, announced
from _support.stdio import StdioServer

SERVER = """
import sys
from typing import Any

from oxmcp import McpServer

server = McpServer("hostile")


def deep(n):
    value = 1
    for _ in range(n):
        value = {"a": [value]}
    return value


def cycle():
    d = {"x": {}}
    d["x"]["y"] = d
    return d


class Opaque:
    pass


VALUES = {"deep": deep, "cycle": lambda n: cycle(), "opaque": lambda n: {"o": Opaque()}}
RAISE = {"interrupt": KeyboardInterrupt, "exit": SystemExit, "generator_exit": GeneratorExit}


@server.tool()
async def value(kind: str, n: int = 0) -> Any:
    return VALUES[kind](n)


@server.tool()
def value_sync(kind: str, n: int = 0) -> Any:
    return VALUES[kind](n)


@server.tool()
async def boom(kind: str) -> str:
    raise RAISE[kind]()


@server.tool()
def boom_sync(kind: str) -> str:
    raise RAISE[kind]()


@server.tool()
async def boom_child(kind: str) -> str:
    import asyncio

    async def child():
        raise RAISE[kind]()

    await asyncio.gather(child())
    return "never"


@server.resource("res://interrupt")
async def interrupting_resource() -> str:
    raise KeyboardInterrupt


@server.prompt()
def interrupting_prompt() -> str:
    raise KeyboardInterrupt


@server.tool()
async def add(a: int, b: int) -> int:
    return a + b


if sys.argv[1] == "http":
    server.run(transport="http", port=0)  # announces its address on stderr
else:
    print("ready", file=sys.stderr, flush=True)
    server.run()
"""

VALUE_TOOLS = ("value", "value_sync")
# (tool, arguments, what the error text says)
TOOL_CASES = [
    *(
        (tool, {"kind": "deep", "n": n}, "nested deeper than 256")
        for tool in VALUE_TOOLS
        for n in (3_000, 20_000)
    ),
    *((tool, {"kind": "cycle"}, "result.x.y: cycle (refers to an enclosing value)") for tool in VALUE_TOOLS),
    *(
        (tool, {"kind": "opaque"}, "result.o: cannot convert value of type 'Opaque' to JSON")
        for tool in VALUE_TOOLS
    ),
    *(
        (tool, {"kind": kind}, name)
        for tool in ("boom", "boom_sync", "boom_child")
        for kind, name in (
            ("interrupt", "KeyboardInterrupt"),
            ("exit", "SystemExit"),
            ("generator_exit", "GeneratorExit"),
        )
    ),
]

Call = Callable[[str, dict[str, Any]], dict[str, Any]]


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "hostile_server.py"
    path.write_text(SERVER)
    return path


@pytest.fixture(params=["stdio", "http"])
def call(request: pytest.FixtureRequest, script: Path) -> Iterator[tuple[Call, Callable[[], bool]]]:
    """``call(method, params)`` -> the JSON-RPC answer, and ``alive()``, for a server on one transport."""
    if request.param == "stdio":
        server = StdioServer([str(script), "stdio"])
        try:
            assert server.wait_stderr("ready")
            server.initialize("2025-11-25")
            yield (
                (lambda method, params: server.request(method, params)),
                (lambda: server.proc.poll() is None),
            )
        finally:
            server.kill()
        return
    with announced([str(script), "http"], pattern=HTTP_ANNOUNCE) as first:
        assert first.match is not None
        host, port = first.match.group(1), int(first.match.group(2))
        ids = itertools.count(1)

        def post(method: str, params: dict[str, Any]) -> dict[str, Any]:
            name = params.get("name") or params.get("uri")
            body = {
                "jsonrpc": "2.0",
                "id": next(ids),
                "method": method,
                "params": {**params, "_meta": modern_meta()},
            }
            status, _, answer = post_mcp(host, port, body, modern_headers(method, name), timeout=20)
            assert status == 200, (status, answer)
            assert isinstance(answer, dict), answer
            return answer

        yield post, (lambda: first.proc.poll() is None)


def served(call: Call) -> None:
    answer = call("tools/call", {"name": "add", "arguments": {"a": 2, "b": 3}})
    assert answer["result"]["structuredContent"] == {"result": 5}, answer


def test_hostile_results_and_base_exceptions_are_answered_and_the_server_serves_on(
    call: tuple[Call, Callable[[], bool]],
) -> None:
    send, alive = call
    for tool, arguments, expected in TOOL_CASES:
        answer = send("tools/call", {"name": tool, "arguments": arguments})
        result = answer.get("result")
        assert result is not None and result.get("isError") is True, (tool, arguments, answer)
        text = result["content"][0]["text"]
        assert expected in text, (tool, arguments, text)
        assert "0x" not in text
        assert alive(), (tool, arguments)
        served(send)
    for method, params in (
        ("resources/read", {"uri": "res://interrupt"}),
        ("prompts/get", {"name": "interrupting_prompt"}),
    ):
        answer = send(method, params)
        assert answer.get("error", {}).get("code") == -32603, answer
        assert alive(), method
        served(send)


@pytest.mark.parametrize("tool", VALUE_TOOLS)
def test_the_boundary_travels_on_the_wire(call: tuple[Call, Callable[[], bool]], tool: str) -> None:
    send, alive = call
    # deep(n) nests 2n containers: 128 -> 256 levels (the limit), 129 -> 258. A dict is structured as is.
    ok = send("tools/call", {"name": tool, "arguments": {"kind": "deep", "n": 128}})
    assert ok["result"].get("isError") is not True, ok
    value = ok["result"]["structuredContent"]
    levels = 0
    while isinstance(value, (dict, list)):
        value = value["a"] if isinstance(value, dict) else value[0]
        levels += 1
    assert levels == 256
    too_deep = send("tools/call", {"name": tool, "arguments": {"kind": "deep", "n": 129}})
    assert too_deep["result"]["isError"] is True
    assert too_deep["result"]["content"][0]["text"].endswith("nested deeper than 256")
    assert alive()
    served(send)
