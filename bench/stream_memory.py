"""Server memory under slow or absent readers (issue 9, section 4). Starts a real `run_http` server
subprocess on 127.0.0.1 and prints its RSS for three scenarios:

  a) a client that never reads its stream while a tool logs ``--flood-mib`` MiB (session and
     stateless), then after the client closes (and, for the session, after DELETE);
  b) ``--results`` results of 1 MiB in one session, each preceded by a notification (so they are
     recorded for replay): the RSS that stays, and after DELETE.

Run: ``.venv/bin/python bench/stream_memory.py`` (``--only a`` or ``--only b`` for one).
"""

from __future__ import annotations

import argparse
import json
import socket
import time
from typing import Any

from server_process import ServerProcess

SERVER = """
import asyncio, sys
from oxmcp import Context, McpServer

server = McpServer("stream-memory")

@server.tool()
async def flood(mib: int, ctx: Context) -> str:
    chunk = "x" * 65536
    for _ in range(mib * 16):
        await ctx.info(chunk)
    return "done"

@server.tool()
async def big(kib: int, ctx: Context) -> str:
    await ctx.info("starting")
    return "y" * (kib * 1024)

asyncio.run(server.run_http(port=0))
"""

LEGACY = "2025-11-25"
MODERN = "2026-07-28"
MIB = 1024 * 1024


class Server(ServerProcess):
    def __init__(self) -> None:
        super().__init__(SERVER)


def http(
    server: Server, method: str, body: Any = None, headers: dict[str, str] | None = None
) -> socket.socket:
    """Sends one request on a fresh connection; returns the socket unread."""
    payload = b"" if body is None else json.dumps(body).encode()
    head = {
        "host": f"{server.host}:{server.port}",
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "content-length": str(len(payload)),
        **(headers or {}),
    }
    s = socket.create_connection((server.host, server.port), timeout=30)
    lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
    s.sendall(f"{method} /mcp HTTP/1.1\r\n{lines}\r\n".encode() + payload)
    return s


def read_all(s: socket.socket) -> tuple[dict[str, str], bytes]:
    """Reads a whole `connection: close` style answer (headers, body until the answer is complete)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode().split("\r\n")[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(body) < n:
            chunk = s.recv(n - len(body))
            if not chunk:
                break
            body += chunk
    else:  # chunked SSE: read until the response (an event with "result" or "error") arrives
        while b'"result"' not in body and b'"error"' not in body:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            body += chunk
        while not body.endswith(b"0\r\n\r\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            body += chunk
    s.close()
    return headers, body


def open_session(server: Server) -> str:
    init = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "bench"}},
    }
    headers, _ = read_all(http(server, "POST", init))
    sid = headers["mcp-session-id"]
    read_all(http(server, "POST", {"jsonrpc": "2.0", "method": "notifications/initialized"}, _sid(sid)))
    return sid


def _sid(sid: str) -> dict[str, str]:
    return {"mcp-session-id": sid, "mcp-protocol-version": LEGACY}


def call(name: str, args: dict[str, Any], id: int, *, modern: bool) -> dict[str, Any]:
    params: dict[str, Any] = {"name": name, "arguments": args}
    if modern:
        params["_meta"] = {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/logLevel": "debug",
        }
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}


def modern_headers(name: str) -> dict[str, str]:
    return {"mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": name}


def settle(server: Server, seconds: float) -> int:
    time.sleep(seconds)
    return server.rss()


def never_reads(mib: int, watch: float, modern: bool) -> None:
    server = Server()
    try:
        sid = None if modern else open_session(server)
        # One small call first so that the baseline includes the first call's one-time costs.
        warm = call("big", {"kib": 1}, 1, modern=modern)
        read_all(http(server, "POST", warm, modern_headers("big") if modern else _sid(sid or "")))
        base = settle(server, 1)
        req = call("flood", {"mib": mib}, 2, modern=modern)
        s = http(server, "POST", req, modern_headers("flood") if modern else _sid(sid or ""))
        s.recv(512)  # the headers, then nothing more
        peak, start = base, time.monotonic()
        while time.monotonic() - start < watch:
            time.sleep(0.5)
            peak = max(peak, server.rss())
        s.close()
        closed = settle(server, 3)
        line = (
            f"{'stateless' if modern else 'session'}: flood {mib} MiB unread: RSS base {base / MIB:.1f} MiB, "
            f"growth peak {(peak - base) / MIB:+.1f} MiB, after close {(closed - base) / MIB:+.1f} MiB"
        )
        if sid:
            read_all(http(server, "DELETE", None, _sid(sid)))
            line += f", after DELETE {(settle(server, 3) - base) / MIB:+.1f} MiB"
        print(line, flush=True)
    finally:
        server.stop()


def replayed_results(count: int) -> None:
    server = Server()
    try:
        sid = open_session(server)
        read_all(http(server, "POST", call("big", {"kib": 1}, 1, modern=False), _sid(sid)))
        base = settle(server, 1)
        for i in range(count):
            _, body = read_all(
                http(server, "POST", call("big", {"kib": 1024}, 10 + i, modern=False), _sid(sid))
            )
            assert b'"result"' in body, body[:200]
        kept = settle(server, 2)
        read_all(http(server, "DELETE", None, _sid(sid)))
        deleted = settle(server, 2)
        print(
            f"session: {count} results of 1 MiB after a notification: RSS base {base / MIB:.1f} MiB, "
            f"kept {(kept - base) / MIB:+.1f} MiB, after DELETE {(deleted - base) / MIB:+.1f} MiB",
            flush=True,
        )
    finally:
        server.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=["a", "b"])
    p.add_argument("--flood-mib", type=int, default=250)
    p.add_argument("--watch", type=float, default=40.0, help="seconds to watch RSS while the client stalls")
    p.add_argument("--results", type=int, default=300)
    args = p.parse_args()
    if args.only in (None, "a"):
        never_reads(args.flood_mib, args.watch, modern=False)
        never_reads(args.flood_mib, args.watch, modern=True)
    if args.only in (None, "b"):
        replayed_results(args.results)


if __name__ == "__main__":
    main()
