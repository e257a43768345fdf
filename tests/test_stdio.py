"""Real stdio servers (subprocesses) spoken to in raw JSON-RPC lines: bad input, cancellation,
stdout hygiene, concurrency, ordering and shutdown. Every read is bounded (see conftest.StdioServer)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import EXITED

SERVER_SOURCE = '''
import asyncio
import sys
import time
from pathlib import Path

from oxmcp import McpServer

server = McpServer("stdio-test", max_message_bytes=2048)
MARKER = Path(sys.argv[1])


@server.tool()
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
async def echo(text: str) -> str:
    return text


@server.tool()
async def sleepy(seconds: float, label: str) -> str:
    await asyncio.sleep(seconds)
    return label


@server.tool()
async def slow_async(seconds: float = 0.5) -> str:
    MARKER.write_text("started")
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        MARKER.write_text("cancelled")
        raise
    MARKER.write_text("finished")
    return "slow async done"


@server.tool()
def slow_sync(seconds: float = 0.5) -> str:
    time.sleep(seconds)
    return "slow sync done"


@server.tool()
def noisy() -> str:
    print("noise")
    print("more noise", flush=True)
    return "quiet"


if __name__ == "__main__":
    asyncio.run(server.run_stdio())
'''


@pytest.fixture
def server_script(tmp_path: Path) -> Path:
    path = tmp_path / "server.py"
    path.write_text(SERVER_SOURCE)
    return path


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "marker.txt"


@pytest.fixture
def start(stdio_server, server_script, marker):
    def start(protocol_version: str = "2025-06-18"):
        srv = stdio_server(server_script, str(marker))
        srv.initialize(protocol_version)
        return srv

    return start


def call(name: str, **arguments) -> dict:
    return {"name": name, "arguments": arguments}


def text_of(result: dict) -> str:
    return "\n".join(block["text"] for block in result["content"] if block["type"] == "text")


def assert_still_serving(srv) -> None:
    assert srv.result("tools/call", call("add", a=2, b=3))["structuredContent"] == {"result": 5}
    assert srv.result("ping") == {}


# --- bad input ------------------------------------------------------------------------------------


def test_malformed_json_is_a_parse_error_with_null_id(start):
    srv = start()
    srv.send_raw('{"jsonrpc": "2.0", "id": 5, "method": ')
    answer = srv.read_message()
    assert answer["id"] is None
    assert answer["error"]["code"] == -32700
    assert_still_serving(srv)


def test_unknown_method(start):
    srv = start()
    answer = srv.request("no/such/method", {})
    assert answer["error"]["code"] == -32601
    assert "no/such/method" in answer["error"]["message"]
    assert_still_serving(srv)


def test_wrong_argument_type_is_invalid_params_on_2025_06_18(start):
    srv = start("2025-06-18")
    answer = srv.request("tools/call", call("add", a="not a number", b=1))
    err = answer["error"]
    assert err["code"] == -32602
    assert "a:" in err["message"] and "integer" in err["message"]
    assert err["data"]["field"] == "a"
    assert_still_serving(srv)


def test_wrong_argument_type_is_a_tool_error_on_2025_11_25(start):
    srv = start("2025-11-25")
    result = srv.result("tools/call", call("add", a=1, b=[1]))
    assert result["isError"] is True
    assert "b:" in text_of(result)
    assert_still_serving(srv)


def test_oversized_message_is_rejected_with_its_id(start):
    srv = start()
    srv.send({"jsonrpc": "2.0", "id": 77, "method": "tools/call", "params": call("echo", text="x" * 5000)})
    answer = srv.read_message()
    assert answer["id"] == 77
    assert answer["error"]["code"] == -32600
    assert srv.proc.poll() is None
    # a message just under the limit still goes through
    assert text_of(srv.result("tools/call", call("echo", text="y" * 1500))) == "y" * 1500
    assert_still_serving(srv)


def test_unknown_tool(start):
    srv = start()
    answer = srv.request("tools/call", call("does_not_exist"))
    assert answer["error"]["code"] == -32602
    assert "does_not_exist" in answer["error"]["message"]
    assert_still_serving(srv)


def test_cancelled_request_gets_no_response_and_the_task_is_cancelled(start, marker):
    srv = start()
    request_id = srv.send_request("tools/call", call("slow_async", seconds=5))
    deadline = time.monotonic() + 5
    while not (marker.exists() and marker.read_text() == "started"):
        assert time.monotonic() < deadline, "the slow tool never started"
        time.sleep(0.01)
    srv.notify("notifications/cancelled", {"requestId": request_id, "reason": "test"})
    deadline = time.monotonic() + 5
    while marker.read_text() != "cancelled":
        assert time.monotonic() < deadline, f"no CancelledError in the tool (marker: {marker.read_text()!r})"
        time.sleep(0.01)
    assert_still_serving(srv)
    late = srv.messages_within(0.3)
    assert all(msg.get("id") != request_id for msg in late), late
    assert all(json.loads(line).get("id") != request_id for line in srv.stdout_lines)


def test_cancelled_sync_tool_gets_no_response(start):
    srv = start()
    request_id = srv.send_request("tools/call", call("slow_sync", seconds=0.3))
    time.sleep(0.05)
    srv.notify("notifications/cancelled", {"requestId": request_id})
    late = srv.messages_within(0.6)  # the thread finishes meanwhile; its result must be dropped
    assert all(msg.get("id") != request_id for msg in late), late
    assert_still_serving(srv)


def test_cancelling_an_unknown_request_is_ignored(start):
    srv = start()
    srv.notify("notifications/cancelled", {"requestId": 424242})
    assert_still_serving(srv)


# --- stdout hygiene, concurrency, ordering, shutdown ------------------------------------------


def test_print_in_a_tool_goes_to_stderr(start):
    srv = start()
    assert text_of(srv.result("tools/call", call("noisy"))) == "quiet"
    assert_still_serving(srv)
    srv.wait_stderr("more noise")
    srv.close_stdin()
    assert srv.wait() in EXITED
    srv.messages_within(0.2)
    for line in srv.stdout_lines:
        message = json.loads(line)
        assert message["jsonrpc"] == "2.0"
        assert "noise" not in line
    assert "noise" in srv.stderr()


def test_slow_tools_do_not_delay_a_fast_call(start):
    srv = start()
    slow_sync = srv.send_request("tools/call", call("slow_sync", seconds=0.5))
    slow_async = srv.send_request("tools/call", call("slow_async", seconds=0.5))
    sent = time.monotonic()
    fast = srv.send_request("tools/call", call("add", a=1, b=2))
    first = srv.read_message()
    elapsed = time.monotonic() - sent
    assert first["id"] == fast, first
    assert first["result"]["structuredContent"] == {"result": 3}
    assert elapsed < 0.4, elapsed
    rest = {srv.read_message()["id"] for _ in range(2)}
    assert rest == {slow_sync, slow_async}


def test_responses_arrive_in_completion_order(start):
    srv = start()
    ids = [
        srv.send_request("tools/call", call("sleepy", seconds=0.6, label="slowest")),
        srv.send_request("tools/call", call("slow_sync", seconds=0.35)),
        srv.send_request("tools/call", call("sleepy", seconds=0.1, label="fast")),
        srv.send_request("tools/call", call("add", a=1, b=1)),
    ]
    order = [srv.read_message()["id"] for _ in ids]
    assert order == list(reversed(ids))


def test_exits_soon_after_stdin_closes(start):
    srv = start()
    assert_still_serving(srv)
    srv.close_stdin()
    began = time.monotonic()
    assert srv.wait(timeout=5) in EXITED
    assert time.monotonic() - began < 2.0


def test_exits_soon_when_stdin_closes_before_initialize(stdio_server, server_script, marker):
    srv = stdio_server(server_script, str(marker))
    srv.close_stdin()
    assert srv.wait(timeout=5) in EXITED


RACE_SOURCE = '''
import asyncio
import sys
import threading
import time

from oxmcp import McpServer

server = McpServer("shutdown-race")


class LingeringWakeLoop(asyncio.SelectorEventLoop):
    """A thread that wakes this loop from outside lingers 0.2 s (GIL released) before going back."""

    def _write_to_self(self):
        super()._write_to_self()
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.2)


class SlowFinalFlush:
    """Interpreter finalization takes 0.5 s longer (its final flush of sys.stdout)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(text)

    def flush(self):
        if sys.is_finalizing():
            time.sleep(0.5)
        self._stream.flush()


if __name__ == "__main__":
    loop = LingeringWakeLoop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(server.run_stdio())
    loop.close()
    sys.stdout = SlowFinalFlush(sys.stdout)
'''


def test_exit_code_is_zero_even_if_the_waking_thread_is_slow(stdio_server, tmp_path):
    script = tmp_path / "race_server.py"
    script.write_text(RACE_SOURCE)
    srv = stdio_server(script)
    srv.initialize()
    srv.close_stdin()
    assert srv.wait(timeout=5) == 0
