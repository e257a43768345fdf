"""Long-running tools as tasks: ``@server.tool(task=...)``, ``ctx.start_task()``, the stateless
``io.modelcontextprotocol/tasks`` extension (tasks/get, tasks/update, tasks/cancel) and the
experimental tasks of 2025-11-25 (params.task, tasks/get, tasks/result, tasks/list, tasks/cancel)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from _support.eras import LEGACY, MODERN
from _support.http import address, post_mcp
from _support.messages import modern_headers, modern_meta
from _support.messages import request as jsonrpc_request
from oxmcp import Context, ErrorCode, McpError, McpServer
from oxmcp.testing import MockMcpClient

EXT = "io.modelcontextprotocol/tasks"
WITH_TASKS = {"elicitation": {}, "extensions": {EXT: {}}}
NAME_FORM = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
OK_FORM = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
TERMINAL = ("completed", "failed", "cancelled")


def make_server() -> tuple[McpServer, dict[str, Any]]:
    server = McpServer("tasks-test")
    seen: dict[str, Any] = {"cancelled": 0, "runs": 0}

    @server.tool(task=True)
    async def slow(seconds: float, label: str = "done") -> str:
        """Sleeps, then answers its label."""
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            seen["cancelled"] += 1
            raise
        return label

    @server.tool(task="required")
    async def must() -> str:
        return "must ran"

    @server.tool()
    def plain() -> str:
        return "plain ran"

    @server.tool(task=True)
    async def failing() -> str:
        raise RuntimeError("it broke")

    @server.tool(task=True)
    async def protocol_failure() -> str:
        raise McpError(-32001, "backend unavailable")

    @server.tool(task=True)
    async def confirm(what: str, ctx: Context) -> str:
        seen["runs"] += 1
        answer = await ctx.elicit(f"Really {what}?", OK_FORM, key="ok")
        return f"{what}: {answer.data['ok']}"

    @server.tool(task=True)
    async def two_questions(ctx: Context) -> str:
        name, ok = await asyncio.gather(
            ctx.elicit("Name?", NAME_FORM, key="name"), ctx.elicit("OK?", OK_FORM, key="ok")
        )
        return f"{name.data['name']} {ok.data['ok']}"

    @server.tool(task="required", task_start="manual")
    async def manual(ctx: Context) -> str:
        answer = await ctx.elicit("What is your name?", NAME_FORM, key="user_name")
        became = await ctx.start_task()
        await asyncio.sleep(0.05)
        return f"Hello {answer.data['name']} (task={became}, id={ctx.task_id is not None})"

    @server.tool(task=True, task_start="manual")
    async def maybe(ctx: Context) -> str:
        became = await ctx.start_task()
        return f"became={became} id={ctx.task_id}"

    @server.tool(task=True, task_start="manual")
    def sync_manual(ctx: Context) -> str:
        """A sync function that makes itself a task (no await needed)."""
        became = ctx.start_task()
        time.sleep(0.02)
        return f"sync became={bool(became)}"

    @server.tool(task=True)
    def square(x: int) -> int:
        """A sync function as a task."""
        time.sleep(0.02)
        return x * x

    return server, seen


def modern(server: McpServer, tasks: bool = True, **kw: Any) -> MockMcpClient:
    caps = WITH_TASKS if tasks else {"elicitation": {}}
    return MockMcpClient(server, protocol_version=MODERN, capabilities=caps, **kw)


async def wait_for(client: MockMcpClient, task_id: str, status: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        task = await client.request("tasks/get", {"taskId": task_id})
        if task["status"] == status or task["status"] in TERMINAL:
            return task
        assert time.monotonic() < deadline, f"task never reached {status}: {task}"
        await asyncio.sleep(0.01)


def created_id(result: dict[str, Any]) -> str:
    assert result["resultType"] == "task", result
    assert result["status"] == "working"
    for key in ("task", "result", "error", "inputRequests", "requestState", "ttl", "pollInterval"):
        assert key not in result, key
    assert result["ttlMs"] > 0 and result["pollIntervalMs"] > 0
    assert result["createdAt"][10] == "T" and result["createdAt"].endswith("Z")
    return result["taskId"]


ACK = {"resultType": "complete"}


@pytest.mark.asyncio
async def test_definitions_and_capabilities():
    server, _ = make_server()
    async with modern(server) as client:
        tools = {t["name"]: t for t in (await client.request("tools/list"))["tools"]}
        assert tools["slow"]["execution"] == {"taskSupport": "optional"}
        assert tools["must"]["execution"] == {"taskSupport": "required"}
        assert "execution" not in tools["plain"]
        discover = await client.request("server/discover")
        assert discover["capabilities"]["extensions"][EXT] == {}
        assert "tasks" not in discover["capabilities"]
    async with MockMcpClient(server, protocol_version=LEGACY) as legacy:
        caps = legacy.initialize_result["capabilities"]
        assert caps["tasks"] == {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}
    with pytest.raises(ValueError):
        server.add_tool(lambda: 1, "bad", task="sometimes")  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_stateless_task_runs_in_the_background():
    server, _ = make_server()
    async with modern(server) as client:
        created = await client.request(
            "tools/call", {"name": "slow", "arguments": {"seconds": 0.1, "label": "hi"}}
        )
        task_id = created_id(created)
        now = await client.request("tasks/get", {"taskId": task_id})
        assert now["resultType"] == "complete" and now["taskId"] == task_id and now["status"] == "working"
        done = await wait_for(client, task_id, "completed")
        assert done["status"] == "completed"
        assert done["result"]["content"][0]["text"] == "hi"
        assert "io.modelcontextprotocol/related-task" not in (done["result"].get("_meta") or {})
        sync = created_id(await client.request("tools/call", {"name": "square", "arguments": {"x": 7}}))
        assert (await wait_for(client, sync, "completed"))["result"]["structuredContent"] == {"result": 49}


@pytest.mark.asyncio
async def test_clients_without_the_extension():
    server, _ = make_server()
    async with modern(server, tasks=False) as client:
        result = await client.request("tools/call", {"name": "slow", "arguments": {"seconds": 0}})
        assert result["resultType"] == "complete" and "taskId" not in result
        with pytest.raises(McpError) as err:
            await client.request("tools/call", {"name": "must"})
        assert err.value.code == ErrorCode.MISSING_REQUIRED_CLIENT_CAPABILITY
        assert err.value.data["requiredCapabilities"]["extensions"][EXT] == {}
        for method in ("tasks/get", "tasks/update", "tasks/cancel"):
            with pytest.raises(McpError) as err:
                await client.request(method, {"taskId": "gate-test", "inputResponses": {}})
            assert err.value.code == ErrorCode.MISSING_REQUIRED_CLIENT_CAPABILITY, method
        # A manual tool learns it cannot be a task, and carries on.
        maybe = await client.request("tools/call", {"name": "maybe"})
        assert maybe["content"][0]["text"] == "became=False id=None"
        sync = await client.request("tools/call", {"name": "sync_manual"})
        assert sync["content"][0]["text"] == "sync became=False"
    async with modern(server) as client:
        for method in ("tasks/result", "tasks/list"):
            with pytest.raises(McpError) as err:
                await client.request(method, {"taskId": "x"})
            assert err.value.code == ErrorCode.METHOD_NOT_FOUND
        with pytest.raises(McpError) as err:
            await client.request("tasks/get", {"taskId": "tasks-conformance-nonexistent-12345"})
        assert err.value.code == ErrorCode.INVALID_PARAMS
        plain = await client.request("tools/call", {"name": "plain", "task": {"ttl": 60000}})
        assert plain["content"][0]["text"] == "plain ran"


@pytest.mark.asyncio
async def test_cancel_reaches_the_function():
    server, seen = make_server()
    async with modern(server) as client:
        task_id = created_id(
            await client.request("tools/call", {"name": "slow", "arguments": {"seconds": 60}})
        )
        await asyncio.sleep(0.05)
        assert await client.request("tasks/cancel", {"taskId": task_id}) == ACK
        task = await client.request("tasks/get", {"taskId": task_id})
        assert task["status"] == "cancelled" and "result" not in task
        for _ in range(200):
            if seen["cancelled"]:
                break
            await asyncio.sleep(0.01)
        assert seen["cancelled"] == 1
        assert await client.request("tasks/cancel", {"taskId": task_id}) == ACK  # idempotent


@pytest.mark.asyncio
async def test_failures():
    server, _ = make_server()
    async with modern(server) as client:
        task_id = created_id(await client.request("tools/call", {"name": "failing"}))
        task = await wait_for(client, task_id, "completed")
        assert task["status"] == "completed" and task["result"]["isError"] is True
        assert "it broke" in task["result"]["content"][0]["text"]
        task_id = created_id(await client.request("tools/call", {"name": "protocol_failure"}))
        task = await wait_for(client, task_id, "failed")
        assert task["status"] == "failed" and "result" not in task
        assert task["error"] == {"code": -32001, "message": "backend unavailable"}


@pytest.mark.asyncio
async def test_input_required_then_update():
    server, seen = make_server()
    async with modern(server) as client:
        task_id = created_id(
            await client.request("tools/call", {"name": "confirm", "arguments": {"what": "rm"}})
        )
        task = await wait_for(client, task_id, "input_required")
        assert task["status"] == "input_required"
        assert list(task["inputRequests"]) == ["ok"]
        assert task["inputRequests"]["ok"]["method"] == "elicitation/create"
        answer = {"ok": {"action": "accept", "content": {"ok": True}}, "unknown-key": {"ignored": True}}
        assert await client.request("tasks/update", {"taskId": task_id, "inputResponses": answer}) == ACK
        done = await wait_for(client, task_id, "completed")
        assert done["result"]["content"][0]["text"] == "rm: True"
        assert seen["runs"] == 2  # asked, then ran again with the answer

        task_id = created_id(await client.request("tools/call", {"name": "two_questions"}))
        task = await wait_for(client, task_id, "input_required")
        assert sorted(task["inputRequests"]) == ["name", "ok"]
        first = {"name": {"action": "accept", "content": {"name": "Ada"}}}
        assert await client.request("tasks/update", {"taskId": task_id, "inputResponses": first}) == ACK
        task = await client.request("tasks/get", {"taskId": task_id})
        assert task["status"] == "input_required" and list(task["inputRequests"]) == ["ok"]
        second = {"ok": {"action": "accept", "content": {"ok": False}}}
        await client.request("tasks/update", {"taskId": task_id, "inputResponses": second})
        assert (await wait_for(client, task_id, "completed"))["result"]["content"][0]["text"] == "Ada False"


@pytest.mark.asyncio
async def test_manual_start_after_synchronous_input():
    server, _ = make_server()
    async with modern(server) as client:
        round1 = await client.request("tools/call", {"name": "manual"})
        assert round1["resultType"] == "input_required" and "taskId" not in round1
        key = next(iter(round1["inputRequests"]))
        round2 = await client.request(
            "tools/call",
            {
                "name": "manual",
                "inputResponses": {key: {"action": "accept", "content": {"name": "Alice"}}},
                "requestState": round1["requestState"],
            },
        )
        task_id = created_id(round2)
        done = await wait_for(client, task_id, "completed")
        assert done["result"]["content"][0]["text"] == "Hello Alice (task=True, id=True)"
        sync = created_id(await client.request("tools/call", {"name": "sync_manual"}))
        done = await wait_for(client, sync, "completed")
        assert done["result"]["content"][0]["text"] == "sync became=True"
        maybe = created_id(await client.request("tools/call", {"name": "maybe"}))
        assert (await wait_for(client, maybe, "completed"))["result"]["content"][0]["text"] == (
            f"became=True id={maybe}"
        )


@pytest.mark.asyncio
async def test_tasks_belong_to_their_caller():
    server, _ = make_server()
    alice = modern(server, headers={"Authorization": "Bearer alice"})
    bob = modern(server, headers={"Authorization": "Bearer bob"})
    async with alice, bob:
        task_id = created_id(await alice.request("tools/call", {"name": "slow", "arguments": {"seconds": 5}}))
        with pytest.raises(McpError) as err:
            await bob.request("tasks/get", {"taskId": task_id})
        assert err.value.code == ErrorCode.INVALID_PARAMS
        with pytest.raises(McpError):
            await bob.request("tasks/cancel", {"taskId": task_id})
        assert (await alice.request("tasks/get", {"taskId": task_id}))["status"] == "working"
        await alice.request("tasks/cancel", {"taskId": task_id})


@pytest.mark.asyncio
async def test_legacy_tasks():
    server, _ = make_server()
    async with MockMcpClient(
        server,
        protocol_version=LEGACY,
        elicitation_callback=lambda p: {"action": "accept", "content": {"ok": True}},
    ) as client:
        created = await client.request(
            "tools/call",
            {"name": "slow", "arguments": {"seconds": 0.05, "label": "old"}, "task": {"ttl": 30000}},
        )
        task = created["task"]
        assert task["status"] == "working" and task["ttl"] == 30000 and "ttlMs" not in task
        listed = await client.request("tasks/list")
        assert [t["taskId"] for t in listed["tasks"]] == [task["taskId"]]
        result = await client.request("tasks/result", {"taskId": task["taskId"]})
        assert result["content"][0]["text"] == "old"
        assert result["_meta"]["io.modelcontextprotocol/related-task"] == {"taskId": task["taskId"]}
        assert (await client.request("tasks/get", {"taskId": task["taskId"]}))["status"] == "completed"
        with pytest.raises(McpError) as err:
            await client.request("tasks/cancel", {"taskId": task["taskId"]})
        assert err.value.code == ErrorCode.INVALID_PARAMS
        statuses = [
            n["params"]["status"]
            for n in client.take_notifications()
            if n["method"] == "notifications/tasks/status"
        ]
        assert statuses[-1] == "completed"

        # An elicitation from inside a task reaches the client as a request.
        created = await client.request(
            "tools/call", {"name": "confirm", "arguments": {"what": "x"}, "task": {}}
        )
        result = await asyncio.wait_for(
            client.request("tasks/result", {"taskId": created["task"]["taskId"]}), 5
        )
        assert result["content"][0]["text"] == "x: True"

        with pytest.raises(McpError) as err:
            await client.request("tools/call", {"name": "must"})
        assert err.value.code == ErrorCode.METHOD_NOT_FOUND
        running = await client.request(
            "tools/call", {"name": "slow", "arguments": {"seconds": 60}, "task": {}}
        )
        cancelled = await client.request("tasks/cancel", {"taskId": running["task"]["taskId"]})
        assert cancelled["status"] == "cancelled"
        # A plain call is still a plain call.
        assert (await client.call_tool("slow", {"seconds": 0, "label": "now"})) == "now"


def _post(url: str, method: str, params: dict[str, Any], name: str | None) -> tuple[int, dict[str, Any]]:
    host, port, path = address(url)
    body = jsonrpc_request(method, {**params, "_meta": modern_meta(WITH_TASKS)})
    status, _, answer = post_mcp(host, port, body, modern_headers(method, name), timeout=5, path=path)
    return status, answer


@pytest.mark.asyncio
async def test_http_routing_headers_name_the_task(in_process_server):
    server, _ = make_server()
    await in_process_server(server, server.run_http(port=0, announce=False))
    url = server.url
    assert url is not None
    status, body = await asyncio.to_thread(
        _post, url, "tools/call", {"name": "slow", "arguments": {"seconds": 30}}, "slow"
    )
    assert status == 200, body
    task_id = created_id(body["result"])
    status, body = await asyncio.to_thread(_post, url, "tasks/get", {"taskId": task_id}, task_id)
    assert status == 200 and body["result"]["status"] == "working"
    status, body = await asyncio.to_thread(_post, url, "tasks/get", {"taskId": task_id}, "someone-else")
    assert status == 400 and body["error"]["code"] == ErrorCode.HEADER_MISMATCH and body["id"] == 1
    status, body = await asyncio.to_thread(_post, url, "tasks/cancel", {"taskId": task_id}, task_id)
    assert status == 200 and body["result"] == ACK
    status, body = await asyncio.to_thread(_post, url, "tasks/get", {"taskId": task_id}, task_id)
    assert body["result"]["status"] == "cancelled"
