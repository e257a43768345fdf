"""MCP over WebSocket end to end: the seed guide's `run_websocket_server` snippet in a subprocess (and
in process), spoken to by a tiny stdlib WebSocket client. Every wait is bounded; servers are stopped."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _support.messages import INITIALIZED, initialize_params
from _support.processes import Announced
from oxmcp import McpServer
from oxmcp.server.websocket import run_websocket_server

TIMEOUT = 10.0
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
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


# -- a minimal RFC 6455 client ------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"upgrade refused with {status}: {body!r}")
        self.status = status
        self.body = body


class WsClient:
    """Blocking WebSocket client: masked frames out, text/ping/close in; every read times out."""

    def __init__(self, host: str, port: int, path: str = "/", headers: dict[str, str] | None = None) -> None:
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.buf = b""
        self.ids = 0
        key = base64.b64encode(os.urandom(16)).decode()
        hs = {
            "Host": f"{host}:{port}",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
            **(headers or {}),
        }
        head = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hs.items()) + "\r\n"
        self.sock.sendall(head.encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
        if self.status != 101:
            length = int(self.headers.get("content-length", "0"))
            while len(self.buf) < length:
                self._fill()
            self.sock.close()
            raise Refused(self.status, self.buf[:length])
        expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        assert self.headers["sec-websocket-accept"] == expected

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buf += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv_frame(self) -> tuple[int, bytes]:
        b0, b1 = self._take(2)
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self._take(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", self._take(8))
        assert not b1 & 0x80, "server frames are not masked"
        assert b0 & 0x80, "the server does not fragment"
        return b0 & 0x0F, self._take(n)

    def send(self, message: dict[str, Any]) -> None:
        self.send_frame(0x1, json.dumps(message).encode())

    def send_request(self, method: str, params: dict[str, Any] | None = None) -> int:
        self.ids += 1
        self.send({"jsonrpc": "2.0", "id": self.ids, "method": method, "params": params or {}})
        return self.ids

    def recv(self) -> dict[str, Any]:
        """The next JSON-RPC message (pings are answered on the way)."""
        while True:
            opcode, payload = self.recv_frame()
            if opcode == 0x1:
                return json.loads(payload)
            if opcode == 0x9:
                self.send_frame(0xA, payload)
            elif opcode == 0x8:
                raise AssertionError(f"closed by the server: {close_code(payload)}")

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        request_id = self.send_request(method, params)
        answer = self.recv()
        assert answer.get("id") == request_id, answer
        return answer

    def initialize(self) -> dict[str, Any]:
        result = self.request("initialize", initialize_params())["result"]
        self.send(INITIALIZED)
        return result

    def recv_close(self) -> int | None:
        """Reads until the server's close frame; its code."""
        while True:
            opcode, payload = self.recv_frame()
            if opcode == 0x8:
                return close_code(payload)

    def close(self) -> None:
        try:
            self.send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


def close_code(payload: bytes) -> int | None:
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None


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
    ws = guarded.client(headers={"Authorization": "Bearer wrong"})
    answer = ws.request("initialize", initialize_params())
    assert "Authentication required" in answer["error"]["message"]
    ws.close()
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
