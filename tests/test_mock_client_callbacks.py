"""`MockMcpClient`'s client side: the callbacks a server reaches through `Context` (sampling,
elicitation, roots, logging, progress), the capabilities they declare, answers to server requests
(handshake era) and the input-required rounds (stateless revision), and the reader's lifecycle."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import oxmcp
import pytest
from _support.eras import ERAS, MODERN
from oxmcp import Context, McpError, McpServer
from oxmcp.testing import InputRequiredError, MockMcpClient

needs_context_features = pytest.mark.skipif(
    not hasattr(oxmcp.Context, "elicit"), reason="Context features not built yet"
)
NAME_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


def caps_server() -> McpServer:
    server = McpServer("caps")

    @server.tool()
    async def caps(ctx: Context) -> dict:
        return {"caps": ctx.client_capabilities}

    return server


async def within(aw: Any, seconds: float = 5.0) -> Any:
    return await asyncio.wait_for(aw, seconds)


# --- declared capabilities ------------------------------------------------------------------------


@pytest.mark.asyncio
@ERAS
async def test_callbacks_declare_their_capabilities(version):
    server = caps_server()
    client = MockMcpClient(
        server,
        protocol_version=version,
        sampling_callback=lambda p: "x",
        elicitation_callback=lambda p: {"action": "cancel"},
        list_roots_callback=lambda: [],
    )
    expected = {"sampling": {}, "elicitation": {"form": {}, "url": {}}, "roots": {"listChanged": True}}
    assert client.capabilities == expected
    assert (await client.call_tool("caps"))["caps"] == expected

    only_roots = MockMcpClient(server, protocol_version=version, list_roots_callback=lambda: [])
    assert (await only_roots.call_tool("caps"))["caps"] == {"roots": {"listChanged": True}}

    none = MockMcpClient(server, protocol_version=version, logging_callback=lambda p: None)
    assert (await none.call_tool("caps"))["caps"] == {}


@pytest.mark.asyncio
@ERAS
async def test_explicit_capabilities_win(version):
    server = caps_server()
    for explicit in [{}, {"sampling": {"tools": {}}}]:
        client = MockMcpClient(
            server, protocol_version=version, capabilities=explicit, sampling_callback=lambda p: "x"
        )
        assert (await client.call_tool("caps"))["caps"] == explicit


# --- the stateless input-required loop (a scripted server) ----------------------------------------


class Scripted:
    """Stands in for `MockMcpClient._send`: answers each request with the next scripted result
    and records what was sent."""

    def __init__(self, *results: dict[str, Any]) -> None:
        self.results = list(results)
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def __call__(
        self, method: str, params: dict[str, Any] | None, request_id: int | None = None
    ) -> Any:
        self.sent.append((method, json.loads(json.dumps(params))))
        return self.results.pop(0)


def input_required(requests: dict[str, Any] | None = None, state: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"resultType": "input_required"}
    if requests is not None:
        result["inputRequests"] = requests
    if state is not None:
        result["requestState"] = state
    return result


def complete(text: str = "ok") -> dict[str, Any]:
    return {"resultType": "complete", "content": [{"type": "text", "text": text}]}


ELICIT = {"method": "elicitation/create", "params": {"message": "Your name?", "requestedSchema": NAME_SCHEMA}}
SAMPLE = {"method": "sampling/createMessage", "params": {"messages": [], "maxTokens": 10}}
ROOTS = {"method": "roots/list", "params": {}}


@pytest.mark.asyncio
async def test_input_required_rounds_are_answered_and_retried():
    seen: dict[str, Any] = {}

    async def elicit(params):
        seen["elicit"] = params
        return {"action": "accept", "content": {"name": "Ada"}}

    def sample(params):
        seen["sample"] = params
        return "hello"

    client = MockMcpClient(
        caps_server(),
        protocol_version=MODERN,
        elicitation_callback=elicit,
        sampling_callback=sample,
        list_roots_callback=lambda: [{"uri": "file:///a", "name": "a"}, "file:///b"],
    )
    script = Scripted(
        input_required({"e": ELICIT, "s": SAMPLE}, state="state-1"),
        input_required({"r": ROOTS}),  # no requestState this time: none may be sent
        input_required(state="state-3"),  # requestState only
        complete("done"),
    )
    client._send = script  # type: ignore[method-assign]
    assert await within(client.call_tool("greet", {"x": 1})) == "done"

    assert seen["elicit"] == ELICIT["params"]
    assert seen["sample"] == SAMPLE["params"]
    methods = [m for m, _ in script.sent]
    assert methods == ["tools/call"] * 4
    first, second, third, fourth = (p for _, p in script.sent)
    assert first == {"name": "greet", "arguments": {"x": 1}}
    assert second == {
        "name": "greet",
        "arguments": {"x": 1},
        "inputResponses": {
            "e": {"action": "accept", "content": {"name": "Ada"}},
            "s": {"role": "assistant", "content": {"type": "text", "text": "hello"}, "model": "mock"},
        },
        "requestState": "state-1",
    }
    assert third == {
        "name": "greet",
        "arguments": {"x": 1},
        "inputResponses": {"r": {"roots": [{"uri": "file:///a", "name": "a"}, {"uri": "file:///b"}]}},
    }
    assert fourth == {"name": "greet", "arguments": {"x": 1}, "requestState": "state-3"}


@pytest.mark.asyncio
async def test_input_requests_are_resolved_concurrently():
    both_started = asyncio.Event()
    started = []

    async def elicit(params):
        started.append("e")
        if len(started) == 2:
            both_started.set()
        await within(both_started.wait(), 2)
        return {"action": "decline"}

    async def sample(params):
        started.append("s")
        if len(started) == 2:
            both_started.set()
        await within(both_started.wait(), 2)
        return {"role": "assistant", "content": {"type": "text", "text": "t"}, "model": "m"}

    client = MockMcpClient(
        caps_server(), protocol_version=MODERN, elicitation_callback=elicit, sampling_callback=sample
    )
    script = Scripted(input_required({"e": ELICIT, "s": SAMPLE}), complete())
    client._send = script  # type: ignore[method-assign]
    result = await within(client.call_tool_result("t"))
    assert result.content[0].text == "ok"
    assert sorted(started) == ["e", "s"]


@pytest.mark.asyncio
async def test_resources_and_prompts_are_retried_too():
    client = MockMcpClient(caps_server(), protocol_version=MODERN, list_roots_callback=lambda: {"roots": []})
    script = Scripted(
        input_required({"r": ROOTS}, state="s"),
        {"resultType": "complete", "contents": [{"uri": "x://1", "text": "hi"}]},
        input_required({"r": ROOTS}),
        {"resultType": "complete", "messages": []},
    )
    client._send = script  # type: ignore[method-assign]
    [contents] = await within(client.read_resource("x://1"))
    assert contents.text == "hi"
    await within(client.get_prompt("p", {"a": "b"}))
    assert script.sent[1] == (
        "resources/read",
        {"uri": "x://1", "inputResponses": {"r": {"roots": []}}, "requestState": "s"},
    )
    assert script.sent[3] == (
        "prompts/get",
        {"name": "p", "arguments": {"a": "b"}, "inputResponses": {"r": {"roots": []}}},
    )


@pytest.mark.asyncio
async def test_a_missing_callback_raises_before_sending():
    client = MockMcpClient(
        caps_server(), protocol_version=MODERN, elicitation_callback=lambda p: {"action": "cancel"}
    )
    script = Scripted(input_required({"e": ELICIT, "s": SAMPLE}, state="st"))
    client._send = script  # type: ignore[method-assign]
    with pytest.raises(McpError) as exc_info:
        await within(client.call_tool("t"))
    assert exc_info.value.code == -32021
    assert "sampling_callback" in exc_info.value.message
    assert exc_info.value.data == {"requiredCapabilities": {"sampling": {}}}
    assert len(script.sent) == 1  # nothing was retried

    unknown = Scripted(input_required({"x": {"method": "tasks/get", "params": {}}}))
    client._send = unknown  # type: ignore[method-assign]
    with pytest.raises(McpError, match="tasks/get"):
        await within(client.call_tool("t"))


@pytest.mark.asyncio
async def test_the_rounds_are_bounded():
    client = MockMcpClient(
        caps_server(), protocol_version=MODERN, list_roots_callback=lambda: [], max_input_rounds=3
    )
    client._send = Scripted(*[input_required({"r": ROOTS}, state="again")] * 10)  # type: ignore[method-assign]
    with pytest.raises(McpError, match="after 3 rounds"):
        await within(client.call_tool("t"))
    assert len(client._send.sent) == 4  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_a_failing_callback_propagates_in_the_stateless_revision():
    def elicit(params):
        raise RuntimeError("the user walked away")

    client = MockMcpClient(caps_server(), protocol_version=MODERN, elicitation_callback=elicit)
    client._send = Scripted(input_required({"e": ELICIT}))  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="walked away"):
        await within(client.call_tool("t"))

    client._send = Scripted(input_required({"e": ELICIT}))  # type: ignore[method-assign]
    client._elicitation_callback = lambda p: 42
    with pytest.raises(TypeError, match="elicitation_callback must return a dict"):
        await within(client.call_tool("t"))


@pytest.mark.asyncio
async def test_auto_input_off_raises_input_required_and_request_stays_raw():
    client = MockMcpClient(
        caps_server(),
        protocol_version=MODERN,
        elicitation_callback=lambda p: {"action": "cancel"},
        auto_input=False,
    )
    raw = input_required({"e": ELICIT}, state="st")
    client._send = Scripted(raw, raw)  # type: ignore[method-assign]
    with pytest.raises(InputRequiredError) as exc_info:
        await within(client.call_tool_result("t"))
    err = exc_info.value
    assert err.method == "tools/call"
    assert err.result == raw
    assert err.input_requests == {"e": ELICIT}
    assert err.request_state == "st"
    assert "elicitation/create" in str(err)
    assert await within(client.request("tools/call", {"name": "t"})) == raw

    auto = MockMcpClient(
        caps_server(), protocol_version=MODERN, elicitation_callback=lambda p: {"action": "cancel"}
    )
    auto._send = Scripted(raw)  # type: ignore[method-assign]
    assert await within(auto.request("tools/call", {"name": "t"})) == raw  # request(): never resolved


@pytest.mark.asyncio
async def test_result_objects_with_to_dict_are_sent_as_wire_dicts():
    types = pytest.importorskip("oxmcp.types")
    if not all(hasattr(types, n) for n in ("CreateMessageResult", "ElicitResult", "Root")):
        pytest.skip("client result types not built yet")
    sample = types.CreateMessageResult(
        role="assistant", content=types.TextContent(type="text", text="hi"), model="m"
    )
    client = MockMcpClient(
        caps_server(),
        protocol_version=MODERN,
        sampling_callback=lambda p: sample,
        elicitation_callback=lambda p: types.ElicitResult(action="accept", content={"name": "Ada"}),
        list_roots_callback=lambda: [types.Root(uri="file:///r", name="r")],
    )
    script = Scripted(input_required({"s": SAMPLE, "e": ELICIT, "r": ROOTS}), complete())
    client._send = script  # type: ignore[method-assign]
    await within(client.call_tool("t"))
    responses = script.sent[1][1]["inputResponses"]
    assert responses["s"] == sample.to_dict()
    assert responses["s"]["content"] == {"type": "text", "text": "hi"}
    assert responses["e"] == {"action": "accept", "content": {"name": "Ada"}}
    assert responses["r"] == {"roots": [{"uri": "file:///r", "name": "r"}]}


# --- answering server requests (handshake era), with a fake connection -----------------------------


class FakeConn:
    def __init__(self) -> None:
        self.answers: list[tuple[Any, Any]] = []

    def respond(self, id_json: str, result_json: str) -> None:
        self.answers.append((json.loads(id_json), {"result": json.loads(result_json)}))

    def respond_error(self, id_json: str, code: int, message: str, data_json: str | None = None) -> None:
        error = {"code": code, "message": message}
        if data_json is not None:
            error["data"] = json.loads(data_json)
        self.answers.append((json.loads(id_json), {"error": error}))


async def answer(client: MockMcpClient, msg: dict[str, Any]) -> Any:
    conn = FakeConn()
    await within(client._answer_server_request(conn, msg))
    [(rid, outcome)] = conn.answers
    assert rid == msg["id"]
    return outcome


@pytest.mark.asyncio
async def test_server_requests_are_answered_from_the_callbacks():
    async def sample(params):
        return f"echo {params['maxTokens']}"

    def elicit(params):
        raise McpError(-32042, "go to the URL", {"url": "https://x"})

    def roots():
        raise ValueError("no roots today")

    client = MockMcpClient(
        caps_server(), sampling_callback=sample, elicitation_callback=elicit, list_roots_callback=roots
    )
    assert await answer(client, {"id": 1, "method": "ping"}) == {"result": {}}
    assert await answer(
        client, {"id": "s-1", "method": "sampling/createMessage", "params": {"maxTokens": 3}}
    ) == {"result": {"role": "assistant", "content": {"type": "text", "text": "echo 3"}, "model": "mock"}}
    assert await answer(client, {"id": 2, "method": "elicitation/create", "params": {}}) == {
        "error": {"code": -32042, "message": "go to the URL", "data": {"url": "https://x"}}
    }
    assert await answer(client, {"id": 3, "method": "roots/list"}) == {
        "error": {"code": -32603, "message": "no roots today"}
    }

    bare = MockMcpClient(caps_server())
    for method in ["sampling/createMessage", "elicitation/create", "roots/list", "bogus/thing"]:
        outcome = await answer(bare, {"id": 9, "method": method, "params": {}})
        assert outcome["error"]["code"] == -32601, (method, outcome)
        assert outcome["error"]["message"] == "Method not found"


# --- end to end: the real server's Context -----------------------------------------------------------


def context_server() -> McpServer:
    server = McpServer("ctx")

    @server.tool()
    async def greet(ctx: Context) -> str:
        await ctx.info("asking")
        r = await ctx.elicit("Your name?", NAME_SCHEMA)
        if r.action != "accept":
            return f"no name ({r.action})"
        return f"hello {r.data['name']}"

    @server.tool()
    async def ask_model(ctx: Context) -> str:
        s = await ctx.sample("hi", max_tokens=10)
        return s.text

    @server.tool()
    async def first_root(ctx: Context) -> str:
        roots = await ctx.list_roots()
        return roots[0].uri

    @server.tool()
    async def work(ctx: Context) -> str:
        await ctx.report_progress(50, 100, "half")
        await ctx.report_progress(100, 100, "done")
        await ctx.info("finished work")
        return "worked"

    @server.tool()
    async def everything(ctx: Context) -> dict:
        r = await ctx.elicit("Your name?", NAME_SCHEMA)
        s = await ctx.sample("hi", max_tokens=10)
        roots = await ctx.list_roots()
        return {"name": r.data["name"], "text": s.text, "root": roots[0].uri}

    return server


@needs_context_features
@pytest.mark.asyncio
@ERAS
async def test_elicitation(version):
    seen = []

    async def elicit(params):
        seen.append(params)
        return {"action": "accept", "content": {"name": "Ada"}}

    client = MockMcpClient(context_server(), protocol_version=version, elicitation_callback=elicit)
    assert await within(client.call_tool("greet")) == "hello Ada"
    assert seen and seen[-1]["message"] == "Your name?"
    assert seen[-1]["requestedSchema"]["properties"] == NAME_SCHEMA["properties"]

    declining = MockMcpClient(
        context_server(), protocol_version=version, elicitation_callback=lambda p: {"action": "decline"}
    )
    assert await within(declining.call_tool("greet")) == "no name (decline)"


@needs_context_features
@pytest.mark.asyncio
@ERAS
async def test_sampling_and_roots(version):
    client = MockMcpClient(
        context_server(),
        protocol_version=version,
        sampling_callback=lambda p: "a sampled answer",
        list_roots_callback=lambda: [{"uri": "file:///work", "name": "work"}],
    )
    assert await within(client.call_tool("ask_model")) == "a sampled answer"
    assert await within(client.call_tool("first_root")) == "file:///work"


@needs_context_features
@pytest.mark.asyncio
@ERAS
async def test_all_three_in_one_call(version):
    async def sample(params):
        assert params["maxTokens"] == 10
        return {"role": "assistant", "content": {"type": "text", "text": "model says"}, "model": "m"}

    client = MockMcpClient(
        context_server(),
        protocol_version=version,
        elicitation_callback=lambda p: {"action": "accept", "content": {"name": "Bo"}},
        sampling_callback=sample,
        list_roots_callback=lambda: {"roots": [{"uri": "file:///r"}]},
    )
    assert await within(client.call_tool("everything")) == {
        "name": "Bo",
        "text": "model says",
        "root": "file:///r",
    }


@needs_context_features
@pytest.mark.asyncio
@ERAS
async def test_progress_and_logging_callbacks(version):
    progress: list[tuple[Any, Any, Any]] = []
    logs: list[dict[str, Any]] = []
    everything: list[dict[str, Any]] = []

    async def on_progress(p, total, message):
        progress.append((p, total, message))

    client = MockMcpClient(
        context_server(),
        protocol_version=version,
        logging_callback=logs.append,
        message_handler=everything.append,
    )
    assert await within(client.call_tool("work", progress_callback=on_progress)) == "worked"
    assert progress == [(50, 100, "half"), (100, 100, "done")]
    assert [entry["data"] for entry in logs] == ["finished work"]
    assert logs[0]["level"] == "info"
    methods = [n["method"] for n in everything]
    assert methods == ["notifications/progress", "notifications/progress", "notifications/message"]
    # Without a progress callback no token is sent, and no progress comes.
    assert await within(client.call_tool("work")) == "worked"
    assert len(progress) == 2
    # The drain API still sees every notification.
    assert [n["method"] for n in client.take_notifications()].count("notifications/progress") == 2


@needs_context_features
@pytest.mark.asyncio
@ERAS
async def test_notifications_are_delivered_while_the_call_runs(version):
    server = McpServer("live")
    release = asyncio.Event()

    @server.tool()
    async def wait_for_release(ctx: Context) -> str:
        await ctx.info("waiting")
        await within(release.wait(), 3)
        return "released"

    # The logging callback releases the tool: only live delivery lets the call finish.
    client = MockMcpClient(server, protocol_version=version, logging_callback=lambda p: release.set())
    assert await within(client.call_tool("wait_for_release")) == "released"


@needs_context_features
@pytest.mark.asyncio
async def test_handshake_errors_from_callbacks_reach_the_tool():
    def elicit(params):
        raise RuntimeError("boom")

    client = MockMcpClient(context_server(), elicitation_callback=elicit)
    with pytest.raises((McpError, oxmcp.ToolError)) as exc_info:
        await within(client.call_tool("greet"))
    assert "boom" in str(exc_info.value)

    def refuse(params):
        raise McpError(4321, "refused", {"why": "test"})

    client = MockMcpClient(context_server(), elicitation_callback=refuse)
    with pytest.raises((McpError, oxmcp.ToolError)) as exc_info:
        await within(client.call_tool("greet"))
    if isinstance(exc_info.value, McpError):
        assert exc_info.value.code == 4321
    assert "refused" in str(exc_info.value)

    # Declared but no callback: the client answers -32601.
    client = MockMcpClient(context_server(), capabilities={"elicitation": {"form": {}}})
    with pytest.raises((McpError, oxmcp.ToolError)) as exc_info:
        await within(client.call_tool("greet"))
    assert "Method not found" in str(exc_info.value)


@needs_context_features
@pytest.mark.asyncio
async def test_stateless_missing_callback_is_a_client_side_error():
    client = MockMcpClient(
        context_server(), protocol_version=MODERN, capabilities={"elicitation": {"form": {}}}
    )
    with pytest.raises(McpError) as exc_info:
        await within(client.call_tool("greet"))
    assert exc_info.value.code == -32021
    assert "elicitation_callback" in exc_info.value.message


@needs_context_features
@pytest.mark.asyncio
async def test_a_server_that_stops_waiting_cancels_the_callback():
    server = McpServer("impatient")
    outcome: list[str] = []
    started = asyncio.Event()

    @server.tool()
    async def impatient(ctx: Context) -> str:
        try:
            await asyncio.wait_for(ctx.elicit("Quick!", NAME_SCHEMA), 0.1)
        except asyncio.TimeoutError:
            return "too slow"
        return "answered"

    async def slow(params):
        started.set()
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise
        return {"action": "cancel"}

    client = MockMcpClient(server, elicitation_callback=slow)
    assert await within(client.call_tool("impatient")) == "too slow"
    assert started.is_set()
    for _ in range(100):
        if outcome:
            break
        await asyncio.sleep(0.01)
    assert outcome == ["cancelled"]


@needs_context_features
@pytest.mark.asyncio
@ERAS
async def test_log_level_filters_what_the_server_sends(version):
    logs: list[dict[str, Any]] = []
    client = MockMcpClient(
        context_server(), protocol_version=version, logging_callback=logs.append, log_level="warning"
    )
    assert await within(client.call_tool("work")) == "worked"
    assert logs == []  # "finished work" is info


@needs_context_features
@pytest.mark.asyncio
async def test_auto_input_off_against_the_real_server():
    client = MockMcpClient(
        context_server(),
        protocol_version=MODERN,
        elicitation_callback=lambda p: pytest.fail("auto_input=False must not run callbacks"),
        auto_input=False,
    )
    with pytest.raises(InputRequiredError) as exc_info:
        await within(client.call_tool("greet"))
    [(key, req)] = exc_info.value.input_requests.items()
    assert req["method"] == "elicitation/create"
    retry: dict[str, Any] = {
        "name": "greet",
        "arguments": {},
        "inputResponses": {key: {"action": "accept", "content": {"name": "Cy"}}},
    }
    if exc_info.value.request_state is not None:
        retry["requestState"] = exc_info.value.request_state
    result = await within(client.request("tools/call", retry))
    assert result["content"][0]["text"] == "hello Cy"


# --- lifecycle -----------------------------------------------------------------------------------------


@pytest.mark.asyncio
@ERAS
async def test_closing_leaves_no_task_behind(version):
    server = caps_server()
    before = asyncio.all_tasks()
    async with MockMcpClient(server, protocol_version=version, logging_callback=print) as client:
        await client.call_tool("caps")
        reader = client._reader
        assert reader is not None and not reader.done()
    assert reader.done()
    assert asyncio.all_tasks() == before
    # The client may be used again: it connects afresh.
    assert (await client.call_tool("caps"))["caps"] == {}
    await client.aclose()
    assert asyncio.all_tasks() == before


@pytest.mark.asyncio
async def test_a_dropped_client_stops_its_reader():
    import gc

    server = caps_server()
    client = MockMcpClient(server)
    await client.call_tool("caps")
    reader = client._reader
    assert reader is not None
    del client
    gc.collect()
    await within(asyncio.wait([reader]), 2)
    assert reader.done()


@pytest.mark.asyncio
async def test_many_clients_on_one_loop():
    server = caps_server()
    clients = [MockMcpClient(server, list_roots_callback=lambda: []) for _ in range(20)]
    results = await within(asyncio.gather(*(c.call_tool("caps") for c in clients)))
    assert all(r["caps"] == {"roots": {"listChanged": True}} for r in results)
    await asyncio.gather(*(c.aclose() for c in clients))
