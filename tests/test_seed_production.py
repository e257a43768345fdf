"""Seed "Production Configuration": examples/health_check.py (logging.config.dictConfig writing
mcp_server.log in the current directory, so every test runs in a temporary directory)."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from conftest import EXITED, load_example

EXAMPLE = "health_check"  # this module's own `example` fixture loads it (in a temporary directory)


@pytest.fixture
def example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    module = load_example(EXAMPLE)
    try:
        yield module
    finally:
        for handler in root.handlers[:]:
            if handler not in saved[0]:
                root.removeHandler(handler)
                handler.close()
        for handler in saved[0]:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(saved[1])


def check_health(value):
    assert value["status"] == "healthy"
    assert value["version"] == "1.0.0"
    assert abs((datetime.now() - datetime.fromisoformat(value["timestamp"])).total_seconds()) < 60


@pytest.mark.asyncio
async def test_health_check(client, tmp_path):
    assert (tmp_path / "mcp_server.log").exists()
    [tool] = await client.list_tools()
    assert tool.name == "health_check"
    assert tool.inputSchema["properties"] == {}
    check_health(await client.call_tool("health_check"))
    raw = await client.call_tool_result("health_check")
    check_health(raw.structuredContent)


def test_over_stdio(stdio_example, tmp_path):
    srv = stdio_example(cwd=tmp_path)
    srv.initialize("2025-06-18")
    result = srv.result("tools/call", {"name": "health_check", "arguments": {}})
    check_health(result["structuredContent"])
    srv.close_stdin()
    assert srv.wait() in EXITED
    assert (tmp_path / "mcp_server.log").exists()
