"""Figures for issue 9 section 6 (bounded time, cancellation): run with the interpreter of the build
to measure, e.g. ``.venv/bin/python bench/timing_figures.py``. Each figure starts a real server
subprocess on stdio or 127.0.0.1 and prints one line; nothing here is part of the test suite."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

SERVER = textwrap.dedent(
    """
    import asyncio, inspect, os, socket, sys, time
    from pathlib import Path
    from oxmcp import McpServer
    MARKS = Path(os.environ["MARKS"])
    server = McpServer("figures", sync_workers=int(os.environ.get("WORKERS", "40")))
    has_timeout = "timeout" in inspect.signature(server.add_tool).parameters
    def mark(name): (MARKS / name).touch()

    @server.tool()
    def busy(tag: str, seconds: float = 0) -> str:
        mark(f"{tag}.started"); time.sleep(seconds); return "done"

    def hang(tag: str) -> str:
        time.sleep(3600); return "never"
    server.add_tool(hang, **({"timeout": 1.0} if has_timeout else {}))

    @server.tool()
    async def wait_async(tag: str) -> str:
        mark(f"{tag}.started")
        try:
            await asyncio.sleep(30); return "done"
        finally:
            mark(f"{tag}.finally")

    transport = os.environ.get("TRANSPORT", "stdio")
    if transport == "http":
        server.run("http", port=int(os.environ["PORT"]))
    elif transport == "asgi":
        import uvicorn
        from fastapi import FastAPI
        from oxmcp.server.fastapi import create_mcp_router
        app = FastAPI(); app.include_router(create_mcp_router(server), prefix="/mcp")
        sock = socket.socket(); sock.bind(("127.0.0.1", int(os.environ["PORT"])))
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    else:
        server.run()
    """
)
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(marks: Path, **env: str) -> subprocess.Popen[bytes]:
    script = marks / "server.py"
    script.write_text(SERVER)
    return subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MARKS": str(marks), **env},
    )


def line(proc: subprocess.Popen[bytes], message: dict) -> None:
    assert proc.stdin is not None
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", **message}).encode() + b"\n")
    proc.stdin.flush()


def handshake(proc: subprocess.Popen[bytes]) -> None:
    params = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "f"}}
    line(proc, {"id": 0, "method": "initialize", "params": params})
    assert proc.stdout is not None
    proc.stdout.readline()
    line(proc, {"method": "notifications/initialized"})


def call(proc: subprocess.Popen[bytes], id: int, name: str, **arguments: object) -> None:
    line(proc, {"id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}})


def wait_for(path: Path, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return path.exists()


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def queued_cancelled_sync_calls(marks: Path) -> str:
    proc = start(marks, WORKERS="1")
    try:
        handshake(proc)
        call(proc, 1, "busy", tag="hold", seconds=1.0)
        wait_for(marks / "hold.started")
        for i in range(20):
            call(proc, 100 + i, "busy", tag=f"q{i}")
        for i in range(20):
            line(proc, {"method": "notifications/cancelled", "params": {"requestId": 100 + i}})
        time.sleep(2.0)
        return f"{len(list(marks.glob('q*.started')))} of 20 ran"
    finally:
        stop(proc)


def hung_sync_calls_answered(marks: Path) -> str:
    proc = start(marks)
    try:
        handshake(proc)
        for i in range(40):
            call(proc, 100 + i, "hang", tag=f"h{i}")
        assert proc.stdout is not None
        os.set_blocking(proc.stdout.fileno(), False)
        time.sleep(3.0)
        answers = (proc.stdout.read() or b"").count(b'"id":1')
        return f"{answers} of 40 answered within 3 s"
    finally:
        stop(proc)


def stdin_eof(marks: Path) -> str:
    proc = start(marks)
    try:
        handshake(proc)
        call(proc, 1, "wait_async", tag="e")
        wait_for(marks / "e.started")
        began = time.monotonic()
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return "still running 10 s after stdin closed"
        took = time.monotonic() - began
        return f"exit {code} after {took:.2f} s; finally ran: {(marks / 'e.finally').exists()}"
    finally:
        stop(proc)


def sigterm(marks: Path, transport: str) -> str:
    port = free_port()
    proc = start(marks, TRANSPORT=transport, PORT=str(port))
    sock = None
    try:
        if transport == "stdio":
            handshake(proc)
            call(proc, 1, "wait_async", tag="t")
        else:
            wait_listening(port)
            sock = post_and_keep(port, "wait_async", {"tag": "t"})
        wait_for(marks / "t.started")
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        return f"exit {code}; finally ran: {(marks / 't.finally').exists()}"
    finally:
        if sock is not None:
            sock.close()
        stop(proc)


def wait_listening(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)


def post_and_keep(port: int, name: str, arguments: dict) -> socket.socket:
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": name, "arguments": arguments, "_meta": META},
        }
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        f"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"accept: application/json, text/event-stream\r\nmcp-protocol-version: 2026-07-28\r\n"
        f"mcp-method: tools/call\r\nmcp-name: {name}\r\ncontent-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return sock


def session_with_get_stream(port: int) -> tuple[str, socket.socket]:
    """A new handshake-era session and its GET stream (a raw socket, past the response head)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "f"}}
    conn.request(
        "POST",
        "/mcp",
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}),
        {"content-type": "application/json", "accept": "application/json, text/event-stream"},
    )
    r = conn.getresponse()
    r.read()
    sid = r.getheader("mcp-session-id") or ""
    return sid, get_stream(port, sid)


def get_stream(port: int, sid: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        f"GET /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n"
        f"mcp-session-id: {sid}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 200"), head
    return sock


def seconds_to_eof(sock: socket.socket, limit: float) -> float | None:
    """Seconds until the chunked body ends (or the connection closes); None if open after `limit`."""
    began = time.monotonic()
    sock.settimeout(0.25)
    tail = b""
    while time.monotonic() - began < limit:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        tail = (tail + data)[-16:]
        if not data or b"\r\n0\r\n\r\n" in tail or tail.startswith(b"0\r\n\r\n"):
            return time.monotonic() - began
    return None


def delete_closes_get(marks: Path) -> str:
    port = free_port()
    proc = start(marks, TRANSPORT="http", PORT=str(port))
    try:
        wait_listening(port)
        sid, stream = session_with_get_stream(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("DELETE", "/mcp", headers={"mcp-session-id": sid})
        status = conn.getresponse().status
        took = seconds_to_eof(stream, 20.0)
        return f"DELETE {status}; GET stream " + (
            "still open after 20 s" if took is None else f"ended after {took:.2f} s"
        )
    finally:
        stop(proc)


def asgi_client_gone(marks: Path) -> str:
    port = free_port()
    proc = start(marks, TRANSPORT="asgi", PORT=str(port))
    try:
        wait_listening(port)
        sock = post_and_keep(port, "wait_async", {"tag": "g"})
        wait_for(marks / "g.started")
        sock.close()
        cancelled = wait_for(marks / "g.finally", 5.0)
        return "cancelled within 5 s" if cancelled else "still running 5 s after the client left"
    finally:
        stop(proc)


def asgi_dropped_get_stream(marks: Path) -> str:
    """A GET stream whose client left: still held (a second GET gets 409) or dropped (200)?"""
    port = free_port()
    proc = start(marks, TRANSPORT="asgi", PORT=str(port))
    try:
        wait_listening(port)
        sid, stream = session_with_get_stream(port)
        stream.close()
        time.sleep(1.0)
        again = socket.create_connection(("127.0.0.1", port), timeout=5)
        again.sendall(
            f"GET /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n"
            f"mcp-session-id: {sid}\r\n\r\n".encode()
        )
        status = again.recv(64).split(b" ")[1].decode()
        again.close()
        return f"a new GET on the session 1 s later answers {status}"
    finally:
        stop(proc)


def uvicorn_sigterm_with_open_stream(marks: Path) -> str:
    port = free_port()
    proc = start(marks, TRANSPORT="asgi", PORT=str(port))
    try:
        wait_listening(port)
        session_with_get_stream(port)
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            return "uvicorn still running 15 s after SIGTERM"
        return f"uvicorn exited {time.monotonic() - began:.2f} s after SIGTERM"
    finally:
        stop(proc)


FIGURES = {
    "sync calls cancelled while waiting for a worker that ran": queued_cancelled_sync_calls,
    "40 hung sync calls (timeout=1 where supported)": hung_sync_calls_answered,
    "stdin closed with an async call in flight": stdin_eof,
    "SIGTERM on stdio with a call in flight": lambda m: sigterm(m, "stdio"),
    "SIGTERM on HTTP with a call in flight": lambda m: sigterm(m, "http"),
    "DELETE with the session's GET stream open": delete_closes_get,
    "ASGI (uvicorn): stateless call whose client left": asgi_client_gone,
    "ASGI (uvicorn): GET stream dropped by its client": asgi_dropped_get_stream,
    "ASGI (uvicorn): SIGTERM with an open GET stream": uvicorn_sigterm_with_open_stream,
}

if __name__ == "__main__":
    for name, figure in FIGURES.items():
        if len(sys.argv) > 1 and not any(a in name for a in sys.argv[1:]):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{name}: {figure(Path(tmp))}", flush=True)
