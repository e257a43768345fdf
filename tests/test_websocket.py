"""MCP over WebSocket end to end: the seed guide's `run_websocket_server` snippet in a subprocess (and
in process), spoken to by a tiny stdlib WebSocket client (`_support/ws_client.py`). Every wait is
bounded; servers are stopped."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _support.processes import Announced
from _support.ws_client import Refused, WsClient
from oxmcp import McpServer
from oxmcp.server.websocket import run_websocket_server

TIMEOUT = 10.0
# The server's first stderr line, whole: groups host and port.
ANNOUNCE = r"^oxmcp: ws-test serving MCP over WebSocket on ws://([\d.]+):(\d+)/\n\Z"

SERVER = '''
import asyncio, os, time
from pathlib import Path
from oxmcp import McpServer
from oxmcp.server.websocket import run_websocket_server

class Guarded(McpServer):
    async def validate_request(self, request):
        if request["headers"].get("authorization") == "Bearer wrong":
            raise Exception("Authentication required")

# Only when asked: an async validator currently races the tool's cancellation hook (see the report).
server = (Guarded if os.environ.get("GUARD") else McpServer)("ws-test", max_message_bytes=64 * 1024)
MARKER = Path(os.environ["MARKER"])

@server.tool()
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b

@server.tool()
async def slow(seconds: float, tag: str = "slow") -> str:
    """Sleep, then answer."""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        MARKER.write_text("cancelled")
        raise
    return tag

@server.tool()
def blocking(tag: str) -> str:
    """A plain function (runs on a worker thread)."""
    time.sleep(0.05)
    return tag

if __name__ == "__main__":
    asyncio.run(run_websocket_server(server, host="127.0.0.1", port=0))
'''


# -- the seed snippet in a subprocess -----------------------------------------------------------------


@dataclass
class Running:
    host: str
    port: int
    marker: Path
    proc: subprocess.Popen[str]

    def client(self, path: str = "/", headers: dict[str, str] | None = None) -> WsClient:
        return WsClient(self.host, self.port, path, headers)


def start(announced_server: Callable[..., Announced], tmp_path: Path, **env: str) -> Running:
    """SERVER in a subprocess (stopped by the `announced_server` fixture); `env` adds variables."""
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    marker = tmp_path / "marker"
    served = announced_server([str(script)], pattern=ANNOUNCE, env={"MARKER": str(marker), **env})
    assert served.match is not None
    return Running(served.match.group(1), int(served.match.group(2)), marker, served.proc)


@pytest.fixture
def srv(announced_server: Callable[..., Announced], tmp_path: Path) -> Running:
    return start(announced_server, tmp_path)


@pytest.fixture
def guarded(announced_server: Callable[..., Announced], tmp_path: Path) -> Running:
    return start(announced_server, tmp_path, GUARD="1")


def test_seed_snippet_serves_initialize_and_tool_calls_with_the_mcp_subprotocol(srv: Running) -> None:
    ws = srv.client(headers={"Sec-WebSocket-Protocol": "mcp"})
    assert ws.headers["sec-websocket-protocol"] == "mcp"
    result = ws.initialize()
    assert result["serverInfo"]["name"] == "ws-test"
    answer = ws.request("tools/call", {"name": "add", "arguments": {"a": 2, "b": 3}})
    assert answer["result"]["content"][0]["text"] == "5"
    answer = ws.request("tools/call", {"name": "blocking", "arguments": {"tag": "sync"}})
    assert answer["result"]["content"][0]["text"] == "sync"
    names = {t["name"] for t in ws.request("tools/list")["result"]["tools"]}
    assert names == {"add", "slow", "blocking"}
    ws.close()


def test_clients_offering_no_subprotocol_are_accepted(srv: Running) -> None:
    ws = srv.client()
    assert "sec-websocket-protocol" not in ws.headers
    ws.initialize()
    ws.close()


def test_concurrent_calls_answer_as_they_finish(srv: Running) -> None:
    ws = srv.client()
    ws.initialize()
    slow = ws.send_request("tools/call", {"name": "slow", "arguments": {"seconds": 0.5, "tag": "late"}})
    fast = [ws.send_request("tools/call", {"name": "add", "arguments": {"a": i, "b": 1}}) for i in range(20)]
    started = time.monotonic()
    order = []
    answers = {}
    while len(answers) < 21:
        msg = ws.recv()
        order.append(msg["id"])
        answers[msg["id"]] = msg
    assert order[-1] == slow, "the slow call does not hold up the others"
    assert answers[slow]["result"]["content"][0]["text"] == "late"
    for i, rid in enumerate(fast):
        assert answers[rid]["result"]["content"][0]["text"] == str(i + 1)
    assert time.monotonic() - started < 5
    ws.close()


def test_malformed_json_and_binary_frames_are_answered_and_the_connection_keeps_serving(srv: Running) -> None:
    ws = srv.client()
    ws.initialize()
    ws.send_frame(0x1, b"{not json")
    answer = ws.recv()
    assert answer["error"]["code"] == -32700 and answer["id"] is None
    ws.send_frame(0x2, b'{"jsonrpc":"2.0","id":41,"method":"ping"}')
    answer = ws.recv()
    assert answer["error"]["code"] == -32600 and answer["id"] == 41
    assert ws.request("ping")["result"] == {}
    ws.close()


def test_pings_are_answered(srv: Running) -> None:
    ws = srv.client()
    ws.send_frame(0x9, b"are you there")
    assert ws.recv_frame() == (0xA, b"are you there")
    ws.close()


def test_an_oversized_message_closes_with_1009(srv: Running) -> None:
    ws = srv.client()
    ws.initialize()
    ws.send_frame(0x1, json.dumps({"jsonrpc": "2.0", "id": 9, "method": "ping", "x": "y" * 100_000}).encode())
    assert ws.recv_close() == 1009
    ws.sock.close()
    assert srv.client().initialize()["serverInfo"]["name"] == "ws-test", "the server still serves"


def test_foreign_origins_and_wrong_paths_are_refused_on_the_upgrade(srv: Running) -> None:
    with pytest.raises(Refused) as refused:
        srv.client(headers={"Origin": "http://evil.example"})
    assert refused.value.status == 403
    assert b"Forbidden" in refused.value.body
    with pytest.raises(Refused) as refused:
        srv.client("/elsewhere")
    assert refused.value.status == 404
    srv.client(headers={"Origin": "http://localhost:5173"}).close()


def test_validate_request_sees_the_upgrade_headers(guarded: Running) -> None:
    # The validator is the gate of the upgrade itself (issue 9): a refused caller never gets a socket.
    with pytest.raises(Refused) as refused:
        guarded.client(headers={"Authorization": "Bearer wrong"})
    assert refused.value.status == 401
    assert b"Authentication required" in refused.value.body
    ws = guarded.client(headers={"Authorization": "Bearer right"})
    assert ws.initialize()["serverInfo"]["name"] == "ws-test"
    ws.close()


def test_closing_the_socket_cancels_requests_in_flight(srv: Running) -> None:
    ws = srv.client()
    ws.initialize()
    ws.send_request("tools/call", {"name": "slow", "arguments": {"seconds": 30}})
    time.sleep(0.3)  # let the call start
    ws.close()
    deadline = time.monotonic() + TIMEOUT
    while not (srv.marker.exists() and srv.marker.read_text() == "cancelled"):
        assert time.monotonic() < deadline, "closing the socket did not cancel the call"
        time.sleep(0.02)


# -- in process -----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_in_process_task_serves_until_cancelled(
    capsys: pytest.CaptureFixture[str], in_process_server: Callable[..., Awaitable[asyncio.Task[Any]]]
) -> None:
    server = McpServer("ws-inproc")

    @server.tool()
    async def echo(text: str) -> str:
        return text

    task = await in_process_server(server, run_websocket_server(server, port=0, path="/mcp"))
    match = re.fullmatch(r"ws://127\.0\.0\.1:(\d+)/mcp", server.url)
    assert match, server.url
    port = int(match.group(1))
    assert f"serving MCP over WebSocket on {server.url}" in capsys.readouterr().err

    def talk() -> str:
        ws = WsClient("127.0.0.1", port, "/mcp")
        ws.initialize()
        text = ws.request("tools/call", {"name": "echo", "arguments": {"text": "hi"}})["result"]
        ws.close()
        return text["content"][0]["text"]

    assert await asyncio.wait_for(asyncio.to_thread(talk), TIMEOUT) == "hi"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, TIMEOUT)
    # The listener is gone once cancellation has gone through.
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            break
        assert time.monotonic() < deadline, "still listening after cancellation"
        await asyncio.sleep(0.05)


@pytest.mark.asyncio
async def test_bind_errors_raise() -> None:
    server = McpServer("ws-bind")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="cannot listen"):
            await run_websocket_server(server, port=port, announce=False)
    with pytest.raises(ValueError, match="path must start with"):
        await run_websocket_server(server, port=0, path="mcp", announce=False)
