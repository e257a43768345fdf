"""Connection and session bounds of `run_http`, tried against a real server process on 127.0.0.1:
idle and slowloris connections are closed, `max_connections` answers 503 with Retry-After and
recovers, running out of file descriptors neither floods the log nor stops the server for good,
and a full session table refuses `initialize`. Each test ends with a fresh call that works."""

from __future__ import annotations

import json
import queue
import socket
import time
from pathlib import Path
from typing import Any

from _support.http import post_mcp
from _support.processes import HTTP_ANNOUNCE, Announced

SERVER = str(Path(__file__).parent / "_support" / "limits_server.py")
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t"}},
}


def start(announced_server: Any, options: dict[str, Any], nofile: int | None = None) -> tuple[Announced, int]:
    argv = [SERVER, json.dumps(options)] + ([str(nofile)] if nofile else [])
    server = announced_server(argv, pattern=HTTP_ANNOUNCE)
    assert server.match is not None
    return server, int(server.match.group(2))


def add_call(port: int) -> int:
    """A fresh stateless-free handshake: initialize, then `add` on the session; the sum."""
    status, headers, _ = post_mcp("127.0.0.1", port, INIT, timeout=5)
    assert status == 200, status
    sid = {"mcp-session-id": headers["mcp-session-id"]}
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert post_mcp("127.0.0.1", port, note, sid, timeout=5)[0] == 202
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 3}},
    }
    status, _, body = post_mcp("127.0.0.1", port, call, sid, timeout=5)
    assert status == 200, body
    return int(body["result"]["structuredContent"]["result"])


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def is_closed(sock: socket.socket) -> bool:
    """Whether the server closed `sock` (without waiting)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)


def stderr_lines(server: Announced, wait: float = 0.3) -> list[str]:
    """What the server wrote to stderr since it announced itself (read for up to `wait` seconds)."""
    lines: list[str] = []
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            line = server._stderr.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        lines.append(line)
    return lines


def test_idle_and_slowloris_connections_are_closed(announced_server: Any) -> None:
    # Short timeouts (defaults: 10 s header read, 60 s keep-alive) keep the test quick.
    _, port = start(announced_server, {"header_read_timeout": 1.0, "keep_alive_timeout": 2.0})
    idle = [connect(port) for _ in range(200)]
    slow = [connect(port) for _ in range(20)]
    started = time.monotonic()
    while time.monotonic() - started < 2.5:  # 1 byte a second per slowloris connection
        for s in slow:
            try:
                s.send(b"G")
            except OSError:
                pass
        time.sleep(0.5)
    assert sum(is_closed(s) for s in idle) == len(idle), "idle connections closed at the header timeout"
    assert sum(is_closed(s) for s in slow) == len(slow), "slowloris connections closed"
    for s in idle + slow:
        s.close()
    assert add_call(port) == 5


def test_max_connections_answers_503_with_retry_after_then_recovers(announced_server: Any) -> None:
    _, port = start(announced_server, {"max_connections": 5})
    held = [connect(port) for _ in range(5)]
    for s in held:  # each served once (so all five are counted before the sixth arrives)
        s.sendall(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
    status, headers, body = post_mcp("127.0.0.1", port, INIT, timeout=5)
    assert status == 503
    assert headers["retry-after"] == "1"
    assert body["error"]["code"] == -32030
    for s in held:
        s.close()
    time.sleep(0.2)
    assert add_call(port) == 5


def test_out_of_file_descriptors_backs_off_quietly_and_recovers(announced_server: Any) -> None:
    server, port = start(announced_server, {"max_connections": 10_000}, nofile=96)
    stderr_lines(server)  # what it said while starting
    held = []
    for _ in range(150):  # more than the server can take: accept runs out of descriptors
        held.append(connect(port))
    time.sleep(1.5)
    during = stderr_lines(server, 1.0)
    starved = [line for line in during if "cannot accept" in line]
    assert len(starved) == 1, during
    assert len(during) < 10, f"the log floods: {len(during)} lines"
    for s in held:
        s.close()
    started = time.monotonic()
    assert add_call(port) == 5
    assert time.monotonic() - started < 3
    time.sleep(1.2)  # the episode ends after a quiet second: said at the next accept
    assert add_call(port) == 5
    after = stderr_lines(server, 0.5)
    assert [line for line in after if "accepting connections again" in line], after
    assert len(during + after) < 10, f"the log floods: {during + after}"


def test_a_full_session_table_answers_initialize_503_with_retry_after(announced_server: Any) -> None:
    _, port = start(announced_server, {"max_sessions": 3, "uninitialized_session_timeout": 1.0})
    answers = [post_mcp("127.0.0.1", port, INIT, timeout=5) for _ in range(10)]
    assert [a[0] for a in answers].count(200) == 3
    status, headers, body = answers[-1]
    assert status == 503 and int(headers["retry-after"]) >= 1
    assert "mcp-session-id" not in headers
    assert body["error"]["code"] == -32030 and "Too many sessions" in body["error"]["message"]
    time.sleep(1.6)  # nobody named those sessions: they expire
    assert add_call(port) == 5
