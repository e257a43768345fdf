"""The rest of the protocol surface, in process: completion, subscriptions and change notifications,
per-resource caching hints, hand-written input schemas, `Context.read_resource`, and the integrity of
the stateless ``requestState`` (tampering, expiry, binding, keys shared across instances)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from _support.eras import ERAS, LEGACY, MODERN
from oxmcp import Context, McpError, McpServer
from oxmcp.testing import MockMcpClient
from oxmcp.types import Completion, PromptReference, ResourceTemplateReference

NAME_FORM = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


# -- completion ------------------------------------------------------------------------------------


def completion_server() -> McpServer:
    server = McpServer("complete")

    @server.prompt()
    def review(language: str, style: str = "terse") -> str:
        return f"Review {language} ({style})"

    @server.resource("repo://{owner}/{name}")
    def repo(owner: str, name: str) -> str:
        return f"{owner}/{name}"

    @server.completion()
    async def complete(ref, argument, context):
        if isinstance(ref, PromptReference) and argument.name == "language":
            return [lang for lang in ("python", "perl", "php", "rust") if lang.startswith(argument.value)]
        if isinstance(ref, ResourceTemplateReference) and argument.name == "name":
            owner = context.arguments.get("owner", "")
            return Completion(values=[f"{owner}-{i}" for i in range(150)], total=150)
        return None

    return server


@pytest.mark.asyncio
@ERAS
async def test_completion(version):
    client = MockMcpClient(completion_server(), protocol_version=version)
    prompt_ref = {"type": "ref/prompt", "name": "review"}
    result = await client.request(
        "completion/complete", {"ref": prompt_ref, "argument": {"name": "language", "value": "p"}}
    )
    assert result["completion"] == {"values": ["python", "perl", "php"], "total": 3, "hasMore": False}
    if version == LEGACY:
        caps = client.initialize_result["capabilities"]
        assert caps["completions"] == {}

    ref = {"type": "ref/resource", "uri": "repo://{owner}/{name}"}
    params = {
        "ref": ref,
        "argument": {"name": "name", "value": ""},
        "context": {"arguments": {"owner": "ox"}},
    }
    completion = (await client.request("completion/complete", params))["completion"]
    assert len(completion["values"]) == 100  # the protocol's cap
    assert completion["values"][0] == "ox-0"
    assert completion["total"] == 150 and completion["hasMore"] is True

    none = await client.request(
        "completion/complete", {"ref": prompt_ref, "argument": {"name": "style", "value": ""}}
    )
    assert none["completion"]["values"] == []

    with pytest.raises(McpError) as info:
        await client.request(
            "completion/complete",
            {"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "a", "value": ""}},
        )
    assert info.value.code == -32602


@pytest.mark.asyncio
async def test_no_completion_handler_means_no_capability_and_method_not_found():
    server = McpServer("plain")

    @server.prompt()
    def p(x: str) -> str:
        return x

    client = MockMcpClient(server)
    await client.request("ping")
    assert "completions" not in client.initialize_result["capabilities"]
    with pytest.raises(McpError) as info:
        await client.request(
            "completion/complete",
            {"ref": {"type": "ref/prompt", "name": "p"}, "argument": {"name": "x", "value": ""}},
        )
    assert info.value.code == -32601


# -- subscriptions and change notifications ----------------------------------------------------------


def watched_server() -> McpServer:
    server = McpServer("watch")

    @server.resource("file:///notes.txt")
    def notes() -> str:
        return "notes"

    @server.tool()
    def touch() -> str:
        server.notify_resource_updated("file:///notes.txt")
        return "touched"

    return server


async def _notifications(client: MockMcpClient, method: str) -> list[dict[str, Any]]:
    """The notifications called `method` received so far (after letting queued ones arrive)."""
    await asyncio.sleep(0.05)
    return [n for n in client.take_notifications() if n["method"] == method]


@pytest.mark.asyncio
async def test_resource_subscriptions_in_a_session():
    server = watched_server()
    client = MockMcpClient(server)
    assert await client.request("resources/subscribe", {"uri": "file:///notes.txt"}) == {}
    caps = client.initialize_result["capabilities"]
    assert caps["resources"] == {"subscribe": True, "listChanged": True}
    await client.call_tool("touch")
    updates = await _notifications(client, "notifications/resources/updated")
    assert [u["params"] for u in updates] == [{"uri": "file:///notes.txt"}]

    assert await client.request("resources/unsubscribe", {"uri": "file:///notes.txt"}) == {}
    await client.call_tool("touch")
    assert await _notifications(client, "notifications/resources/updated") == []

    other = MockMcpClient(server)  # never subscribed
    await other.call_tool("touch")
    assert await _notifications(other, "notifications/resources/updated") == []


@pytest.mark.asyncio
async def test_runtime_changes_announce_list_changed():
    server = McpServer("dynamic")

    @server.tool()
    def base() -> str:
        return "base"

    client = MockMcpClient(server)
    await client.request("ping")

    def extra() -> str:
        """An extra tool."""
        return "extra"

    server.add_tool(extra)
    assert [t.name for t in await client.list_tools()] == ["base", "extra"]
    assert await client.call_tool("extra") == "extra"
    assert server.remove_tool("extra")
    server.add_prompt(extra, "extra_prompt")
    server.add_resource(extra, "mem://extra")
    assert server.remove_resource("mem://extra") and server.remove_prompt("extra_prompt")
    await asyncio.sleep(0.05)
    methods = [n["method"] for n in client.take_notifications()]
    assert methods.count("notifications/tools/list_changed") == 2
    assert methods.count("notifications/prompts/list_changed") == 2
    assert methods.count("notifications/resources/list_changed") == 2
    assert not server.remove_tool("extra")


# -- caching hints -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_caching_hints_per_server_and_per_resource():
    server = McpServer("cache", cache_ttl_ms=5000, cache_scope="private")

    @server.resource("data://hot", cache_ttl_ms=0)
    def hot() -> str:
        return "changes all the time"

    @server.resource("data://cold", cache_ttl_ms=3_600_000, cache_scope="public")
    def cold() -> str:
        return "never changes"

    @server.resource("data://plain")
    def plain() -> str:
        return "server default"

    client = MockMcpClient(server, protocol_version=MODERN)
    listed = await client.request("resources/list")
    assert (listed["ttlMs"], listed["cacheScope"]) == (5000, "private")
    hints = {}
    for uri in ("data://hot", "data://cold", "data://plain"):
        result = await client.request("resources/read", {"uri": uri})
        hints[uri] = (result["ttlMs"], result["cacheScope"])
    assert hints == {
        "data://hot": (0, "private"),
        "data://cold": (3_600_000, "public"),
        "data://plain": (5000, "private"),
    }


# -- hand-written input schemas ------------------------------------------------------------------------


@pytest.mark.asyncio
@ERAS
async def test_raw_input_schema_is_kept_and_enforced(version):
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {"qty": {"type": "integer", "minimum": 1}},
        "properties": {"sku": {"type": "string"}, "qty": {"$ref": "#/$defs/qty"}, "note": {"type": "string"}},
        "required": ["sku"],
        "additionalProperties": False,
    }
    server = McpServer("raw")

    @server.tool(input_schema=schema)
    def order(sku: str, qty: int = 1) -> str:
        return f"{qty} x {sku}"

    client = MockMcpClient(server, protocol_version=version)
    tool = (await client.list_tools())[0]
    assert tool.input_schema == schema
    assert await client.call_tool("order", {"sku": "A1", "qty": 2}) == "2 x A1"
    # `note` is allowed by the schema but not a parameter: it is not passed.
    assert await client.call_tool("order", {"sku": "A1", "note": "gift"}) == "1 x A1"
    result = await client.call_tool_result("order", {"sku": "A1", "qty": 0})
    assert result.is_error and "qty" in result.content[0].text
    result = await client.call_tool_result("order", {"sku": "A1", "colour": "red"})
    assert result.is_error  # additionalProperties: false, kept as written


def test_raw_input_schema_must_be_an_object_schema():
    server = McpServer("raw")
    with pytest.raises(TypeError):
        server.add_tool(lambda: None, "bad", input_schema={"type": "array"})


# -- Context.read_resource --------------------------------------------------------------------------------


@pytest.mark.asyncio
@ERAS
async def test_read_own_resource(version):
    server = McpServer("reader")

    @server.resource("config://app", mime_type="application/json")
    def config() -> dict:
        return {"debug": True}

    @server.resource("users://{user_id}")
    async def user(user_id: int) -> str:
        return f"user #{user_id + 1}"

    @server.tool()
    async def summary(ctx: Context) -> str:
        cfg = await ctx.read_resource("config://app")
        usr = await ctx.read_resource("users://41")
        return f"{json.loads(cfg[0].text)['debug']} {usr[0].text} {cfg[0].mime_type}"

    @server.tool()
    async def missing(ctx: Context) -> str:
        await ctx.read_resource("nope://x")
        return "unreachable"

    client = MockMcpClient(server, protocol_version=version)
    assert await client.call_tool("summary") == "True user #42 application/json"
    with pytest.raises(McpError) as info:
        await client.call_tool("missing")
    assert info.value.data == {"uri": "nope://x"}


# -- requestState ---------------------------------------------------------------------------------------


def asking_server(**options: Any) -> McpServer:
    server = McpServer("ask", **options)

    @server.tool()
    async def greet(ctx: Context, punctuation: str = "!") -> str:
        answer = await ctx.elicit("Name?", NAME_FORM, key="name")
        return f"Hello, {answer.data['name']}{punctuation}"

    return server


CAPS = {"elicitation": {}}


async def _round1(server: McpServer, arguments: dict[str, Any] | None = None, headers=None) -> dict[str, Any]:
    client = MockMcpClient(server, protocol_version=MODERN, capabilities=CAPS, headers=headers)
    result = await client.request("tools/call", {"name": "greet", "arguments": arguments or {}})
    assert result["resultType"] == "input_required"
    assert result["inputRequests"]["name"]["method"] == "elicitation/create"
    assert "ttlMs" not in result  # not cacheable
    return result


async def _round2(server: McpServer, state: str, arguments=None, headers=None) -> dict[str, Any]:
    client = MockMcpClient(server, protocol_version=MODERN, capabilities=CAPS, headers=headers)
    params = {
        "name": "greet",
        "arguments": arguments or {},
        "inputResponses": {"name": {"action": "accept", "content": {"name": "Ada"}}},
        "requestState": state,
    }
    return await client.request("tools/call", params)


@pytest.mark.asyncio
async def test_request_state_round_trip_and_tampering():
    server = asking_server()
    state = (await _round1(server))["requestState"]
    done = await _round2(server, state)
    assert done["content"][0]["text"] == "Hello, Ada!"
    assert done["resultType"] == "complete"

    for bad in (
        state + "-TAMPERED",
        state[:-2] + ("AA" if not state.endswith("AA") else "BB"),
        "v1.e30.AAAA",
        "junk",
    ):
        with pytest.raises(McpError) as info:
            await _round2(server, bad)
        assert info.value.code == -32602
        assert "requestState" in info.value.message


@pytest.mark.asyncio
async def test_request_state_is_bound_to_the_request_and_the_caller():
    server = asking_server()
    state = (await _round1(server, {"punctuation": "?"}, headers={"Authorization": "Bearer alice"}))[
        "requestState"
    ]
    with pytest.raises(McpError):  # other arguments
        await _round2(server, state, {"punctuation": "!"}, headers={"Authorization": "Bearer alice"})
    with pytest.raises(McpError):  # another caller
        await _round2(server, state, {"punctuation": "?"}, headers={"Authorization": "Bearer mallory"})
    done = await _round2(server, state, {"punctuation": "?"}, headers={"Authorization": "Bearer alice"})
    assert done["content"][0]["text"] == "Hello, Ada?"


@pytest.mark.asyncio
async def test_request_state_expires():
    server = asking_server(request_state_ttl=0.05)
    state = (await _round1(server))["requestState"]
    await asyncio.sleep(0.1)
    with pytest.raises(McpError) as info:
        await _round2(server, state)
    assert "expired" in info.value.message


@pytest.mark.asyncio
async def test_a_shared_key_works_across_instances(monkeypatch):
    key = "a shared secret of enough length"
    first, second = (
        asking_server(request_state_key=key),
        asking_server(request_state_key=[b"new key, rotated in!", key]),
    )
    state = (await _round1(first))["requestState"]
    assert (await _round2(second, state))["content"][0]["text"] == "Hello, Ada!"
    with pytest.raises(McpError):  # a server with its own random key refuses it
        await _round2(asking_server(), state)
    monkeypatch.setenv("OXMCP_REQUEST_STATE_KEY", key)
    assert (await _round2(asking_server(), state))["content"][0]["text"] == "Hello, Ada!"
    with pytest.raises(ValueError):
        McpServer("short", request_state_key="too short")


@pytest.mark.asyncio
async def test_cancelling_a_request_with_a_pending_elicitation_leaves_nothing_behind():
    started, cancelled = asyncio.Event(), asyncio.Event()
    server = McpServer("cancel")

    @server.tool()
    async def ask(ctx: Context) -> str:
        await ctx.elicit("Name?", NAME_FORM)
        return "unreachable"

    async def never_answers(params: dict[str, Any]) -> dict[str, Any]:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {"action": "cancel"}

    client = MockMcpClient(server, elicitation_callback=never_answers)
    await client.request("ping")
    request_id = client._conn.next_request_id()
    call = asyncio.ensure_future(client._send("tools/call", {"name": "ask", "arguments": {}}, request_id))
    await asyncio.wait_for(started.wait(), 5)
    await client.notify("notifications/cancelled", {"requestId": request_id})
    # The server withdraws its elicitation (notifications/cancelled to the client) ...
    await asyncio.wait_for(cancelled.wait(), 5)
    # ... sends no answer to the cancelled call, and still serves the session.
    await asyncio.sleep(0.1)
    assert not call.done()
    call.cancel()
    assert (await client.request("ping")) == {}


@pytest.mark.asyncio
async def test_a_malformed_input_response_is_invalid_params():
    server = McpServer("strict")

    @server.tool()
    async def ages(ctx: Context) -> str:
        answer = await ctx.elicit(
            "Age?", {"type": "object", "properties": {"age": {"type": "integer"}}}, key="age"
        )
        return str(answer.data)

    client = MockMcpClient(server, protocol_version=MODERN, capabilities=CAPS)
    with pytest.raises(McpError) as info:
        await client.request(
            "tools/call", {"name": "ages", "arguments": {}, "inputResponses": {"age": {"action": "maybe"}}}
        )
    assert info.value.code == -32602 and "inputResponses" in info.value.message
    ok = await client.request(
        "tools/call",
        {
            "name": "ages",
            "arguments": {},
            "inputResponses": {"age": {"action": "accept", "content": {"age": 3}}},
        },
    )
    assert ok["content"][0]["text"] == "{'age': 3}"


@pytest.mark.asyncio
async def test_bad_input_to_the_new_methods_names_the_problem_and_the_session_goes_on():
    server = completion_server()
    legacy = MockMcpClient(server)
    for method, params, word in [
        ("logging/setLevel", {"level": "loud"}, "level"),
        ("resources/subscribe", {}, "uri"),
        ("completion/complete", {"ref": {"type": "ref/prompt", "name": "review"}}, "argument"),
        (
            "completion/complete",
            {"ref": {"type": "ref/nothing"}, "argument": {"name": "a", "value": ""}},
            "ref",
        ),
    ]:
        with pytest.raises(McpError) as info:
            await legacy.request(method, params)
        assert info.value.code == -32602 and word in info.value.message, (method, info.value)
    assert await legacy.request("ping") == {}

    modern = MockMcpClient(server, protocol_version=MODERN)
    with pytest.raises(McpError) as info:
        await modern.request("subscriptions/listen", {})
    assert info.value.code == -32602 and "notifications" in info.value.message
    with pytest.raises(McpError) as info:
        await modern.request("prompts/list", {"_meta": {"io.modelcontextprotocol/logLevel": "loud"}})
    assert info.value.code == -32602 and "logLevel" in info.value.message
    assert "prompts" in await modern.request("prompts/list")
