"""Bounded time over HTTP (real subprocess servers on 127.0.0.1): SIGTERM stops `run_http` like
Ctrl-C, DELETE ends the session's GET stream, and the ASGI mount under a real uvicorn cancels a
stateless call whose client left, drops a GET stream whose client left, and lets uvicorn exit
promptly on SIGTERM while a GET stream is open."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _support.http import post_mcp, wait_until_listening
from _support.messages import INITIALIZED, initialize_params, modern_headers, modern_meta
from _support.processes import HTTP_ANNOUNCE, Announced, announced
from _support.ws_client import WsClient

SERVER = str(Path(__file__).parent / "timing_server.py")


def serve(tmp_path: Path, transport: str) -> Any:
    marks = tmp_path / "marks"
    marks.mkdir()
    pattern = {"http": HTTP_ANNOUNCE, "websocket": r"ws://([\d.]+):(\d+)"}.get(transport, r"PORT (\d+)")
    return announced([SERVER], pattern=pattern, env={"MARKS": str(marks), "TRANSPORT": transport}), marks


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[Announced, int, Path]]:
    served, marks = serve(tmp_path, "http")
    with served as s:
        assert s.match is not None
        yield s, int(s.match.group(2)), marks


@pytest.fixture
def asgi_server(tmp_path: Path) -> Iterator[tuple[Announced, int, Path]]:
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    served, marks = serve(tmp_path, "asgi")
    with served as s:
        assert s.match is not None
        port = int(s.match.group(1))
        wait_until_listening(port)
        yield s, port, marks


def wait_for(path: Path, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def stateless_call(name: str, arguments: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments, "_meta": modern_meta()},
    }
    return json.dumps(body).encode(), modern_headers("tools/call", name)


def send_and_leave(port: int, name: str, arguments: dict[str, Any]) -> socket.socket:
    """POSTs a stateless call on a raw socket and returns the socket (the test then closes it)."""
    body, headers = stateless_call(name, arguments)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        f"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n"
        f"accept: application/json, text/event-stream\r\n{head}content-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return sock


def open_session(port: int) -> str:
    status, headers, _ = post_mcp(
        "127.0.0.1",
        port,
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize_params("2025-11-25")},
    )
    assert status == 200, status
    sid = headers["mcp-session-id"]
    post_mcp("127.0.0.1", port, INITIALIZED, {"mcp-session-id": sid})
    return sid


def open_get_stream(port: int, sid: str) -> tuple[int, socket.socket]:
    """The session's GET stream on a raw socket, past the response head: (status, socket)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        f"GET /mcp HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\naccept: text/event-stream\r\n"
        f"mcp-session-id: {sid}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        byte = sock.recv(1)
        assert byte, f"closed before the response head: {head!r}"
        head += byte
    return int(head.split(b" ", 2)[1]), sock


def seconds_until_eof(sock: socket.socket, limit: float) -> float | None:
    """Reads the stream until its chunked body ends or the connection closes; the seconds that
    took, or None if it is still open after `limit`."""
    began = time.monotonic()
    sock.settimeout(0.25)
    tail = b""
    while time.monotonic() - began < limit:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:  # reset by the peer: ended too
            return time.monotonic() - began
        tail = (tail + data)[-16:]
        if not data or b"\r\n0\r\n\r\n" in tail or tail.startswith(b"0\r\n\r\n"):
            return time.monotonic() - began
    return None


def test_sigterm_on_http_runs_cleanup_and_exits_0(http_server: tuple[Announced, int, Path]) -> None:
    served, port, marks = http_server
    sock = send_and_leave(port, "wait_async", {"tag": "h"})
    try:
        assert wait_for(marks / "h.started")
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(timeout=5) == 0
    finally:
        sock.close()
    assert (marks / "h.cancelled").exists() and (marks / "h.finally").exists()


def test_sigterm_on_the_oxmcp_run_cli_runs_cleanup_and_exits_0(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    argv = ["-m", "oxmcp", "run", SERVER, "--transport", "http", "--port", "0"]
    with announced(argv, pattern=HTTP_ANNOUNCE, env={"MARKS": str(marks)}) as served:
        assert served.match is not None
        sock = send_and_leave(int(served.match.group(2)), "wait_async", {"tag": "c"})
        try:
            assert wait_for(marks / "c.started")
            served.proc.send_signal(signal.SIGTERM)
            assert served.proc.wait(timeout=5) == 0
        finally:
            sock.close()
    assert (marks / "c.cancelled").exists() and (marks / "c.finally").exists()


def test_sigterm_on_websocket_runs_cleanup_and_exits_0(tmp_path: Path) -> None:
    served, marks = serve(tmp_path, "websocket")
    with served as s:
        assert s.match is not None
        ws = WsClient("127.0.0.1", int(s.match.group(2)))
        try:
            ws.initialize()
            ws.send_request("tools/call", {"name": "wait_async", "arguments": {"tag": "w"}})
            assert wait_for(marks / "w.started")
            s.proc.send_signal(signal.SIGTERM)
            assert s.proc.wait(timeout=5) == 0
        finally:
            ws.sock.close()
    assert (marks / "w.cancelled").exists() and (marks / "w.finally").exists()


def test_delete_ends_the_sessions_get_stream(http_server: tuple[Announced, int, Path]) -> None:
    _, port, _ = http_server
    sid = open_session(port)
    status, stream = open_get_stream(port, sid)
    try:
        assert status == 200
        delete = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        delete.request("DELETE", "/mcp", headers={"mcp-session-id": sid})
        assert delete.getresponse().status == 200
        delete.close()
        took = seconds_until_eof(stream, 3.0)
        assert took is not None, "the GET stream is still open 3 s after DELETE"
    finally:
        stream.close()
    body, headers = stateless_call("add", {"a": 1, "b": 2})
    status, _, out = post_mcp("127.0.0.1", port, None, headers, raw=body)
    assert status == 200 and out["result"]["structuredContent"] == {"result": 3}


def test_asgi_client_gone_cancels_a_stateless_call(asgi_server: tuple[Announced, int, Path]) -> None:
    _, port, marks = asgi_server
    sock = send_and_leave(port, "wait_async", {"tag": "g"})
    assert wait_for(marks / "g.started")
    sock.close()
    assert wait_for(marks / "g.cancelled", timeout=3.0), "the call ran on after its client left"
    body, headers = stateless_call("add", {"a": 2, "b": 2})
    status, _, out = post_mcp("127.0.0.1", port, None, headers, raw=body)
    assert status == 200 and out["result"]["structuredContent"] == {"result": 4}


def test_asgi_get_stream_whose_client_left_is_dropped(asgi_server: tuple[Announced, int, Path]) -> None:
    _, port, _ = asgi_server
    sid = open_session(port)
    status, stream = open_get_stream(port, sid)
    assert status == 200
    stream.close()
    # The session's stream slot frees once the core's body is dropped: a new GET is accepted.
    deadline = time.monotonic() + 3.0
    while True:
        status, again = open_get_stream(port, sid)
        again.close()
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert status == 200, f"the dropped GET stream still holds the session ({status})"


def test_uvicorn_exits_promptly_on_sigterm_with_an_open_get_stream(
    asgi_server: tuple[Announced, int, Path],
) -> None:
    served, port, _ = asgi_server
    sid = open_session(port)
    status, stream = open_get_stream(port, sid)
    try:
        assert status == 200
        began = time.monotonic()
        served.proc.send_signal(signal.SIGTERM)
        served.proc.wait(timeout=5)
        took = time.monotonic() - began
        assert took < 2.0, f"uvicorn took {took:.1f} s to exit"
        assert seconds_until_eof(stream, 1.0) is not None
    finally:
        stream.close()
