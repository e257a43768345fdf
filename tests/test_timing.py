"""Bounded time over stdio (real subprocess servers): tool timeouts (async cancelled, sync answered
at the deadline while its thread keeps its worker), the server-wide default, sync calls cancelled
while waiting for a worker never run, stdin EOF cancels calls at once and exits after their
cleanup, and SIGTERM stops the server like Ctrl-C (cleanup runs, exit 0)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _support.messages import MODERN, modern_meta
from _support.stdio import StdioServer

SERVER = str(Path(__file__).parent / "timing_server.py")


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    started: list[StdioServer] = []

    def run(**env: str) -> tuple[StdioServer, Path]:
        marks = tmp_path / f"marks{len(started)}"
        marks.mkdir()
        server = StdioServer([SERVER], env={"MARKS": str(marks), **env})
        started.append(server)
        server.wait_stderr("ready")
        server.initialize()
        return server, marks

    yield run
    for server in started:
        server.kill()


def call(server: StdioServer, name: str, timeout: float = 10, **arguments: Any) -> dict[str, Any]:
    return server.result("tools/call", {"name": name, "arguments": arguments}, timeout=timeout)


def text(result: dict[str, Any]) -> str:
    return str(result["content"][0]["text"])


def wait_for(path: Path, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_an_async_call_past_its_timeout_is_answered_and_cancelled(start: Any) -> None:
    server, marks = start()
    began = time.monotonic()
    result = call(server, "slow_async", tag="a")
    took = time.monotonic() - began
    assert result["isError"] is True
    assert text(result) == "Tool slow_async timed out after 0.5 s"
    assert 0.4 < took < 2.0, took
    assert wait_for(marks / "a.cancelled"), "the coroutine saw CancelledError"
    assert wait_for(marks / "a.finally")
    assert call(server, "add", a=2, b=3)["structuredContent"] == {"result": 5}


def test_a_sync_call_is_answered_at_its_deadline_and_keeps_its_worker(start: Any) -> None:
    server, marks = start(WORKERS="1")
    began = time.monotonic()
    result = call(server, "slow_sync", tag="s", seconds=4)
    assert result["isError"] is True and "timed out after 0.5 s" in text(result)
    assert time.monotonic() - began < 3.0, "answered at the deadline, not when the thread returned"
    assert not (marks / "s.returned").exists(), "its thread is still running"
    # The only worker is still held by the abandoned thread: the next sync call waits for it.
    assert text(call(server, "busy", tag="next")) == "done"
    assert (marks / "s.returned").stat().st_mtime_ns <= (marks / "next.started").stat().st_mtime_ns
    assert "timed out after 0.5 s" in server.stderr(0.2)  # logged at warning level
    assert server.wait_stderr("held a sync worker until now")


def test_the_server_default_applies_and_a_tool_timeout_overrides_it(start: Any) -> None:
    server, marks = start(DEFAULT_TIMEOUT="0.3")
    result = call(server, "wait_async", tag="d")
    assert result["isError"] is True and text(result) == "Tool wait_async timed out after 0.3 s"
    assert wait_for(marks / "d.finally")
    assert text(call(server, "overridden", seconds=0.6)) == "ok"  # its own 5 s, not the default
    result = call(server, "slow_async", tag="own")
    assert text(result) == "Tool slow_async timed out after 0.5 s"


def test_sync_calls_cancelled_while_waiting_for_a_worker_never_run(start: Any) -> None:
    server, marks = start(WORKERS="1")
    holder = server.send_request("tools/call", {"name": "busy", "arguments": {"tag": "hold", "seconds": 1.0}})
    assert wait_for(marks / "hold.started")
    queued = [
        server.send_request("tools/call", {"name": "busy", "arguments": {"tag": f"q{i}"}}, id=100 + i)
        for i in range(20)
    ]
    for request_id in queued:
        server.notify("notifications/cancelled", {"requestId": request_id, "reason": "test"})
    assert text(server.response(holder)["result"]) == "done"
    time.sleep(0.5)
    ran = sorted(p.name for p in marks.glob("q*.started"))
    assert ran == [], f"{len(ran)} of 20 cancelled calls ran: {ran}"
    assert not [m for m in server.messages_within(0.2) if m.get("id") in queued]
    assert text(call(server, "busy", tag="fresh")) == "done"


def test_stdin_eof_cancels_calls_at_once_and_exits_after_their_cleanup(start: Any) -> None:
    server, marks = start()
    server.send_request("tools/call", {"name": "wait_async", "arguments": {"tag": "e"}})
    assert wait_for(marks / "e.started")
    closed = time.monotonic()
    server.close_stdin()
    assert server.wait(timeout=5) == 0
    took = time.monotonic() - closed
    assert (marks / "e.cancelled").exists() and (marks / "e.finally").exists()
    assert took < 1.0, f"exited {took:.2f} s after stdin closed"


@pytest.mark.parametrize("era", ["handshake", "stateless"])
def test_sigterm_on_stdio_runs_cleanup_and_exits_0(start: Any, era: str) -> None:
    server, marks = start()
    params: dict[str, Any] = {"name": "wait_async", "arguments": {"tag": "t"}}
    if era == "stateless":
        params["_meta"] = modern_meta(version=MODERN)
    server.send_request("tools/call", params)
    assert wait_for(marks / "t.started")
    server.proc.send_signal(signal.SIGTERM)
    assert server.wait(timeout=5) == 0
    assert (marks / "t.cancelled").exists() and (marks / "t.finally").exists()
    err = server.stderr(0.1)
    assert "Traceback" not in err and "panicked" not in err, err


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True, "5"])
def test_a_bad_timeout_is_refused_naming_the_field(bad: Any) -> None:
    from oxmcp import McpServer

    server = McpServer("bad-timeout")

    async def tool() -> str:
        return "x"

    with pytest.raises((ValueError, TypeError), match="timeout"):
        server.add_tool(tool, timeout=bad)
    with pytest.raises(ValueError, match="tool_timeout"):
        McpServer("bad-default", tool_timeout=bad)
    server.add_tool(tool, timeout=1.5)  # and a good one registers


@pytest.mark.asyncio
async def test_timeouts_hold_in_process_too() -> None:
    import asyncio

    from oxmcp import McpServer
    from oxmcp.testing import MockMcpClient

    server = McpServer("in-process", tool_timeout=0.2)
    seen: list[str] = []

    @server.tool()
    async def slow() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        return "never"

    @server.tool(timeout=2)
    async def patient() -> str:
        await asyncio.sleep(0.4)
        return "ok"

    client = MockMcpClient(server)
    result = await asyncio.wait_for(client.call_tool_result("slow"), 5)
    assert result.is_error and result.content[0].text == "Tool slow timed out after 0.2 s"
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.01)
    assert seen == ["cancelled"]
    assert await client.call_tool("patient") == "ok"
