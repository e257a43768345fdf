"""Bounded outbound streams over HTTP (issue 9, section 4): a client that never reads holds up the
tool that writes to it instead of growing the server; after `write_timeout` it loses its stream
(a stateless call is cancelled); the server then serves a fresh call. Real server process,
raw sockets, every wait bounded."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _support.http import post_mcp
from _support.messages import INITIALIZED, initialize_params, modern_headers, modern_meta, request
from _support.processes import HTTP_ANNOUNCE, Announced
from _support.ws_client import WsClient

SERVER = """
import asyncio, os
from pathlib import Path
from oxmcp import Context, McpServer

server = McpServer("bounds")
MARKER = Path(os.environ["MARKER"])
# How many notifications went out, overwritten in place (no truncation: cheap, never seen empty).
COUNT = os.open(os.environ["COUNT"], os.O_RDWR | os.O_CREAT)

def count(n):
    os.pwrite(COUNT, b"%08d" % n, 0)

@server.tool()
async def flood(n: int, size: int, ctx: Context) -> str:
    chunk = "x" * size
    try:
        for i in range(n):
            await ctx.info(chunk)
            count(i + 1)
    except asyncio.CancelledError:
        MARKER.write_text("cancelled")
        raise
    return "flooded"

@server.tool()
def sync_flood(n: int, size: int, ctx: Context) -> str:
    chunk = "x" * size
    try:
        for i in range(n):
            ctx.info(chunk)
            count(i + 1)
    finally:
        MARKER.write_text("ended")
    return "flooded"

@server.tool()
async def add(a: int, b: int) -> int:
    return a + b

timeout = float(os.environ["WRITE_TIMEOUT"])
if os.environ.get("TRANSPORT") == "websocket":
    from oxmcp.server.websocket import run_websocket_server
    asyncio.run(run_websocket_server(server, port=0, write_timeout=timeout))
elif os.environ.get("TRANSPORT") == "stdio":
    asyncio.run(server.run_stdio(write_timeout=timeout))
else:
    asyncio.run(server.run_http(port=0, write_timeout=timeout))
"""

CHUNK = 64 * 1024
# What may be in flight past the 4 MiB queue: hyper's write buffer and both sockets' buffers.
SLACK = 8 * 1024 * 1024
MAX_SENT_WHILE_STALLED = (4 * 1024 * 1024 + SLACK) // CHUNK
# A session's answer is recorded for resumption on its way: the request's queue, then the live
# stream's queue, each 4 MiB.
MAX_SENT_WHILE_STALLED_SESSION = (8 * 1024 * 1024 + SLACK) // CHUNK


@dataclass
class Srv:
    host: str
    port: int
    pid: int
    count: Path
    marker: Path

    def sent(self) -> int:
        return int(self.count.read_text() or 0) if self.count.exists() else 0

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


def start(announced_server: Callable[..., Announced], tmp_path: Path, transport: str = "http") -> Srv:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    count, marker = tmp_path / "count", tmp_path / "marker"
    env = {"COUNT": str(count), "MARKER": str(marker), "WRITE_TIMEOUT": "2", "TRANSPORT": transport}
    pattern = HTTP_ANNOUNCE if transport == "http" else r"ws://([\d.]+):(\d+)"
    served = announced_server([str(script)], pattern=pattern, env=env)
    assert served.match is not None
    return Srv(served.match.group(1), int(served.match.group(2)), served.proc.pid, count, marker)


@pytest.fixture
def srv(announced_server: Callable[..., Announced], tmp_path: Path) -> Srv:
    return start(announced_server, tmp_path)


def unread_post(s: Srv, body: Any, headers: dict[str, str]) -> socket.socket:
    """POSTs `body` and reads only the start of the answer; the socket is then left unread."""
    payload = json.dumps(body).encode()
    head = {
        "host": f"{s.host}:{s.port}",
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "content-length": str(len(payload)),
        **headers,
    }
    sock = socket.create_connection((s.host, s.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.sendall(
        b"POST /mcp HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()).encode() + b"\r\n"
    )
    sock.sendall(payload)
    assert b"200" in sock.recv(64)
    return sock


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def stateless_call(tool: str, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    meta = {**modern_meta(), "io.modelcontextprotocol/logLevel": "info"}
    return request("tools/call", {"name": tool, "arguments": args, "_meta": meta}), modern_headers(
        "tools/call", tool
    )


def assert_serves(s: Srv, headers: dict[str, str] | None = None) -> None:
    body, h = stateless_call("add", {"a": 2, "b": 3})
    status, _, out = post_mcp(s.host, s.port, body, {**h, **(headers or {})})
    assert status == 200 and out["result"]["content"][0]["text"] == "5", out


def assert_held_up(s: Srv, bound: int = MAX_SENT_WHILE_STALLED) -> None:
    """The tool has been waiting for the client: it sent no more than `bound` chunks, and stays there."""
    assert wait_for(lambda: s.sent() > 0, 5), "the tool started"
    time.sleep(0.7)
    first = s.sent()
    time.sleep(0.5)
    assert s.sent() <= bound, f"{s.sent()} chunks of 64 KiB went out to a client that reads nothing"
    assert s.sent() - first <= 2, "the tool is held up, not running on"


@pytest.mark.parametrize("tool", ["flood", "sync_flood"])
def test_a_stateless_client_that_never_reads_holds_up_the_tool_then_loses_the_call(
    srv: Srv, tool: str
) -> None:
    base = srv.rss()
    body, headers = stateless_call(tool, {"n": 4000, "size": CHUNK})  # 250 MiB of logs
    sock = unread_post(srv, body, headers)
    try:
        assert_held_up(srv)
        if tool == "flood":
            assert wait_for(lambda: srv.marker.exists(), 6), "the call was cancelled after write_timeout"
            assert srv.marker.read_text() == "cancelled"
        else:
            # A sync function cannot be interrupted; its notifications stop waiting once the stream is gone.
            assert wait_for(lambda: srv.marker.exists(), 10), "the worker was let go after write_timeout"
        assert srv.rss() - base < 64 * 1024 * 1024, "the server did not grow with the flood"
        assert_serves(srv)
    finally:
        sock.close()
    assert_serves(srv)


def test_a_session_client_that_never_reads_holds_up_the_tool_and_delete_frees_it(srv: Srv) -> None:
    _, h, _ = post_mcp(srv.host, srv.port, request("initialize", initialize_params()))
    sid = {"mcp-session-id": h["mcp-session-id"]}
    assert post_mcp(srv.host, srv.port, INITIALIZED, sid)[0] == 202
    base = srv.rss()
    call = request("tools/call", {"name": "flood", "arguments": {"n": 4000, "size": CHUNK}}, id=7)
    sock = unread_post(srv, call, sid)
    try:
        assert_held_up(srv, MAX_SENT_WHILE_STALLED_SESSION)
        # After write_timeout the stream is gone; the call goes on (a disconnect is not a cancel in
        # this era) with what it records for a resumption bounded by the replay store.
        assert wait_for(lambda: srv.sent() == 4000, 20), "the tool finished once the stream was dropped"
        assert srv.rss() - base < 64 * 1024 * 1024, "the server did not grow with the flood"
    finally:
        sock.close()
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    conn.request("DELETE", "/mcp", headers=sid)
    assert conn.getresponse().status == 200
    conn.close()
    assert_serves(srv)


def test_a_websocket_client_that_never_reads_holds_up_the_tool_then_is_disconnected(
    announced_server: Callable[..., Announced], tmp_path: Path
) -> None:
    srv = start(announced_server, tmp_path, "websocket")
    ws = WsClient(srv.host, srv.port)
    ws.initialize()
    ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    ws.send_request("tools/call", {"name": "flood", "arguments": {"n": 4000, "size": CHUNK}})
    try:
        # The writer takes up to 1 MiB per batch past the 4 MiB queue.
        assert_held_up(srv, MAX_SENT_WHILE_STALLED + 16)
        assert wait_for(lambda: srv.marker.exists(), 8), (
            "disconnected after write_timeout: its call cancelled"
        )
    finally:
        ws.sock.close()
    fresh = WsClient(srv.host, srv.port)
    fresh.initialize()
    assert (
        fresh.request("tools/call", {"name": "add", "arguments": {"a": 2, "b": 3}})["result"]["content"][0][
            "text"
        ]
        == "5"
    )
    fresh.close()


def test_a_stdio_client_that_never_reads_holds_up_the_tool_then_the_session_ends(tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    count, marker = tmp_path / "count", tmp_path / "marker"
    env = {
        **os.environ,
        "COUNT": str(count),
        "MARKER": str(marker),
        "WRITE_TIMEOUT": "2",
        "TRANSPORT": "stdio",
    }
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    srv = Srv("", 0, proc.pid, count, marker)
    try:
        assert proc.stdin is not None
        for message in (
            request("initialize", initialize_params()),
            INITIALIZED,
            request("tools/call", {"name": "flood", "arguments": {"n": 4000, "size": CHUNK}}, id=2),
        ):
            proc.stdin.write((json.dumps(message) + "\n").encode())
        proc.stdin.flush()
        # The writer thread holds up to 1 MiB coalesced past the 4 MiB queue; the pipe 64 KiB.
        assert_held_up(srv, MAX_SENT_WHILE_STALLED + 16)
        assert wait_for(lambda: marker.exists(), 8), (
            "the session ended after write_timeout: its call cancelled"
        )
    finally:
        proc.kill()
        proc.wait(10)


def test_a_legacy_sse_client_that_never_reads_holds_up_the_tool_then_its_session_ends(srv: Srv) -> None:
    sse = socket.create_connection((srv.host, srv.port), timeout=10)
    sse.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sse.sendall(
        f"GET /sse HTTP/1.1\r\nhost: {srv.host}:{srv.port}\r\naccept: text/event-stream\r\n\r\n".encode()
    )
    head = b""
    while not (found := re.search(rb"data: (/\S+)\n", head)):
        head += sse.recv(1024)
    endpoint = found.group(1).decode()
    try:
        for message in (
            request("initialize", initialize_params("2024-11-05")),
            INITIALIZED,
            request("tools/call", {"name": "flood", "arguments": {"n": 4000, "size": CHUNK}}, id=2),
        ):
            conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
            conn.request("POST", endpoint, json.dumps(message), {"content-type": "application/json"})
            assert conn.getresponse().status == 202
            conn.close()
        assert_held_up(srv)
        assert wait_for(lambda: srv.marker.exists(), 8), (
            "the session ended after write_timeout: its call cancelled"
        )
    finally:
        sse.close()
    assert_serves(srv)


def test_delete_ends_the_sessions_get_stream_and_its_keep_alives(srv: Srv) -> None:
    _, h, _ = post_mcp(srv.host, srv.port, request("initialize", initialize_params()))
    sid = {"mcp-session-id": h["mcp-session-id"]}
    assert post_mcp(srv.host, srv.port, INITIALIZED, sid)[0] == 202
    get = socket.create_connection((srv.host, srv.port), timeout=10)
    get.sendall(
        f"GET /mcp HTTP/1.1\r\nhost: {srv.host}:{srv.port}\r\naccept: text/event-stream\r\n"
        f"mcp-session-id: {sid['mcp-session-id']}\r\n\r\n".encode()
    )
    assert b"200" in get.recv(64)
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    conn.request("DELETE", "/mcp", headers=sid)
    assert conn.getresponse().status == 200
    conn.close()
    get.settimeout(5)
    rest = b""
    while chunk := get.recv(4096):  # raises socket.timeout if the stream stays open
        rest += chunk
        if rest.endswith(b"0\r\n\r\n"):
            break
    assert rest.endswith(b"0\r\n\r\n") or not chunk, "the GET stream ended"
    get.close()
    assert_serves(srv)
