"""`McpServer(max_tasks_per_owner=...)`: a caller at its quota is told so with JSON-RPC error
-32030 (not -32603 "Internal error"), other callers are unaffected, and cancelling gives room."""

from __future__ import annotations

import asyncio

import pytest
from _support.eras import MODERN
from oxmcp import McpError, McpServer
from oxmcp.testing import MockMcpClient

CAPS = {"extensions": {"io.modelcontextprotocol/tasks": {}}}


def client(server: McpServer, token: str) -> MockMcpClient:
    return MockMcpClient(
        server, protocol_version=MODERN, capabilities=CAPS, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.mark.asyncio
async def test_a_caller_at_its_task_quota_gets_a_clear_error_and_others_do_not():
    server = McpServer("quota", max_tasks_per_owner=2)

    @server.tool(task=True)
    async def wait(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "done"

    alice, bob = client(server, "alice"), client(server, "bob")
    async with alice, bob:
        ids = [
            (await alice.request("tools/call", {"name": "wait", "arguments": {"seconds": 30}}))["taskId"]
            for _ in range(2)
        ]
        with pytest.raises(McpError) as refused:
            await alice.request("tools/call", {"name": "wait", "arguments": {"seconds": 30}})
        assert refused.value.code == -32030
        assert "2 unfinished tasks" in str(refused.value)
        created = await bob.request("tools/call", {"name": "wait", "arguments": {"seconds": 30}})
        assert created["resultType"] == "task"
        await alice.request("tasks/cancel", {"taskId": ids[0]})
        again = await alice.request("tools/call", {"name": "wait", "arguments": {"seconds": 0.01}})
        assert again["resultType"] == "task"
        for task_id in (ids[1], created["taskId"]):
            await (alice if task_id in ids else bob).request("tasks/cancel", {"taskId": task_id})
