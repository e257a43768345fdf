"""Soak: mixed load against a real `run_http` server subprocess on 127.0.0.1 (issue 9, section 8).

Workers open handshake sessions and abandon or DELETE them, make stateless calls, disconnect in the
middle of calls, drop GET streams, and one client never reads its stream. Every answer is checked
by id. The server's RSS and open fds are sampled every ``--sample`` seconds. Prints lost /
duplicated / wrong answers and RSS at start, peak and end; exits 1 when any answer was lost,
duplicated or wrong, when fds did not come back, or (with ``--max-rss-growth``) when RSS did not.

Run: ``make soak`` (10 minutes; ``SOAK_SECONDS=60 make soak`` for one) or
``.venv/bin/python bench/soak.py --seconds 60``.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import random
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from server_process import ServerProcess

SERVER = """
import asyncio, inspect, sys
from oxmcp import Context, McpServer

server = McpServer("soak")

@server.tool()
async def echo(text: str) -> str:
    return text

@server.tool()
async def chatty(text: str, notes: int, ctx: Context) -> str:
    for i in range(notes):
        await ctx.info(f"note {i} " + "n" * 512)
    return text

@server.tool()
def sync_chatty(text: str, notes: int, ctx: Context) -> str:
    for i in range(notes):
        ctx.info(f"note {i}")
    return text

@server.tool()
async def slow(text: str, seconds: float) -> str:
    await asyncio.sleep(seconds)
    return text

@server.tool()
async def flood(mib: int, ctx: Context) -> str:
    chunk = "x" * 65536
    for _ in range(mib * 16):
        await ctx.info(chunk)
    return "flooded"

options = {"session_idle_timeout": float(sys.argv[1])}
if "write_timeout" in inspect.signature(server.run_http).parameters:  # absent before issue 9
    options["write_timeout"] = float(sys.argv[2])
asyncio.run(server.run_http(port=0, **options))
"""

LEGACY = "2025-11-25"
MODERN = "2026-07-28"
MIB = 1024 * 1024
POST_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    ok: int = 0
    lost: int = 0
    duplicated: int = 0
    wrong: int = 0
    aborted: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, kind: str, note: str = "") -> None:
        with self.lock:
            setattr(self, kind, getattr(self, kind) + 1)
            if note and len(self.notes) < 20:
                self.notes.append(f"{kind}: {note}")


class Server(ServerProcess):
    def __init__(self, idle: float, write_timeout: float) -> None:
        super().__init__(SERVER, str(idle), str(write_timeout))


def responses(content_type: str, body: bytes) -> list[dict[str, Any]]:
    """The JSON-RPC responses in a JSON or SSE answer (notifications left out)."""
    if content_type.startswith("application/json"):
        msgs = [json.loads(body)] if body else []
    else:
        msgs = [
            json.loads(line[5:])
            for line in body.decode().splitlines()
            if line.startswith("data:") and line[5:].strip()
        ]
    flat: list[dict[str, Any]] = []
    for m in msgs:
        flat.extend(m if isinstance(m, list) else [m])
    return [m for m in flat if "id" in m and ("result" in m or "error" in m)]


class Client:
    """One worker's connection and checks."""

    def __init__(self, server: Server, tally: Tally, ids: itertools.count[int]) -> None:
        self.server, self.tally, self.ids = server, tally, ids
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)

    def post(self, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        for attempt in (0, 1):
            try:
                self.conn.request("POST", "/mcp", json.dumps(body), {**POST_HEADERS, **headers})
                r = self.conn.getresponse()
                data = r.read()
                return r.status, {k.lower(): v for k, v in r.getheaders()}, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = self._connect()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def call(
        self, tool: str, args: dict[str, Any], headers: dict[str, str], meta: dict[str, Any] | None
    ) -> None:
        """One tools/call whose answer must come back once, with the text it was given."""
        rid = next(self.ids)
        params: dict[str, Any] = {"name": tool, "arguments": args}
        if meta:
            params["_meta"] = meta
        try:
            status, h, data = self.post(
                {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}, headers
            )
        except (http.client.HTTPException, OSError) as e:
            self.tally.add("lost", f"{tool} id {rid}: {e!r}")
            return
        answers = [a for a in responses(h.get("content-type", ""), data)]
        mine = [a for a in answers if a.get("id") == rid]
        if not mine:
            self.tally.add("lost", f"{tool} id {rid}: HTTP {status} {data[:200]!r}")
        elif len(mine) > 1:
            self.tally.add("duplicated", f"{tool} id {rid}")
        elif len(answers) != 1:
            self.tally.add("wrong", f"{tool} id {rid}: answers for other ids {answers}")
        else:
            text = (mine[0].get("result") or {}).get("content", [{}])[0].get("text")
            if text != args["text"]:
                self.tally.add("wrong", f"{tool} id {rid}: {str(mine[0])[:200]}")
            else:
                self.tally.add("ok")

    def close(self) -> None:
        self.conn.close()


def modern_meta() -> dict[str, Any]:
    return {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/logLevel": "info",
    }


def modern_headers(tool: str) -> dict[str, str]:
    return {"mcp-protocol-version": MODERN, "mcp-method": "tools/call", "mcp-name": tool}


def open_session(c: Client) -> dict[str, str] | None:
    init = {
        "jsonrpc": "2.0",
        "id": next(c.ids),
        "method": "initialize",
        "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "soak"}},
    }
    status, h, _ = c.post(init, {})
    if status != 200 or "mcp-session-id" not in h:
        c.tally.add("lost", f"initialize: HTTP {status}")
        return None
    headers = {"mcp-session-id": h["mcp-session-id"], "mcp-protocol-version": LEGACY}
    c.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, headers)
    return headers


def raw_request(server: Server, method: str, body: Any, headers: dict[str, str]) -> socket.socket:
    payload = b"" if body is None else json.dumps(body).encode()
    head = {
        "host": f"{server.host}:{server.port}",
        **POST_HEADERS,
        "content-length": str(len(payload)),
        **headers,
    }
    s = socket.create_connection((server.host, server.port), timeout=10)
    s.sendall(
        f"{method} /mcp HTTP/1.1\r\n".encode()
        + "".join(f"{k}: {v}\r\n" for k, v in head.items()).encode()
        + b"\r\n"
        + payload
    )
    return s


def session_scenario(c: Client, rng: random.Random) -> None:
    headers = open_session(c)
    if headers is None:
        return
    for _ in range(rng.randint(1, 4)):
        text = f"s{rng.random()}"
        tool = rng.choice(["echo", "chatty", "sync_chatty"])
        c.call(
            tool,
            {"text": text} if tool == "echo" else {"text": text, "notes": rng.randint(1, 20)},
            headers,
            None,
        )
    if rng.random() < 0.5:
        c.post({"jsonrpc": "2.0", "id": next(c.ids), "method": "ping"}, headers)  # keep the connection busy
        c.conn.request("DELETE", "/mcp", headers=headers)
        c.conn.getresponse().read()
    # else: abandoned; the idle sweep ends it


def stateless_scenario(c: Client, rng: random.Random) -> None:
    text = f"m{rng.random()}"
    tool = rng.choice(["echo", "chatty", "sync_chatty"])
    args = {"text": text} if tool == "echo" else {"text": text, "notes": rng.randint(1, 20)}
    c.call(tool, args, modern_headers(tool), modern_meta())


def disconnect_scenario(c: Client, rng: random.Random) -> None:
    """A stateless call whose client goes away before the answer."""
    params = {"name": "slow", "arguments": {"text": "gone", "seconds": 2}, "_meta": modern_meta()}
    s = raw_request(
        c.server,
        "POST",
        {"jsonrpc": "2.0", "id": next(c.ids), "method": "tools/call", "params": params},
        modern_headers("slow"),
    )
    time.sleep(rng.uniform(0.05, 0.3))
    s.close()
    c.tally.add("aborted")


def get_stream_scenario(c: Client, rng: random.Random) -> None:
    """A session's GET stream opened and dropped."""
    headers = open_session(c)
    if headers is None:
        return
    s = raw_request(c.server, "GET", None, {**headers, "accept": "text/event-stream"})
    s.recv(256)
    time.sleep(rng.uniform(0.05, 0.5))
    s.close()
    c.tally.add("aborted")


def never_reader(server: Server, stop: threading.Event, ids: itertools.count[int]) -> None:
    """One client at a time asks for a flood of logs and never reads it; its stream must be closed
    by the server (write_timeout) without the server's memory following the flood."""
    while not stop.is_set():
        params = {"name": "flood", "arguments": {"mib": 64}, "_meta": modern_meta()}
        s = raw_request(
            server,
            "POST",
            {"jsonrpc": "2.0", "id": next(ids), "method": "tools/call", "params": params},
            modern_headers("flood"),
        )
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stop.wait(15)
        s.close()


def worker(server: Server, tally: Tally, ids: itertools.count[int], stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    c = Client(server, tally, ids)
    scenarios = [session_scenario] * 3 + [stateless_scenario] * 5 + [disconnect_scenario, get_stream_scenario]
    try:
        while not stop.is_set():
            rng.choice(scenarios)(c, rng)
    finally:
        c.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--workers", type=int, default=6)
    p.add_argument("--sample", type=float, default=10)
    p.add_argument("--idle", type=float, default=5, help="the server's session_idle_timeout")
    p.add_argument("--write-timeout", type=float, default=5, help="the server's write_timeout")
    p.add_argument("--settle", type=float, default=15, help="seconds after the load before the end sample")
    p.add_argument("--max-rss-growth", type=float, default=None, help="MiB; fail when RSS ends higher")
    p.add_argument("--max-fd-growth", type=int, default=8)
    args = p.parse_args()

    server = Server(args.idle, args.write_timeout)
    tally, ids, stop = Tally(), itertools.count(1), threading.Event()
    try:
        warm = Client(server, tally, ids)
        for _ in range(20):  # one-time costs (first calls, pools) belong before the baseline
            stateless_scenario(warm, random.Random(0))
            session_scenario(warm, random.Random(1))
        warm.close()
        time.sleep(args.idle + 2)
        tally.ok = 0
        rss0, fds0 = server.rss(), server.fds()
        peak, fd_peak = rss0, fds0
        print(f"start: RSS {rss0 / MIB:.1f} MiB, {fds0} fds", flush=True)
        threads = [
            threading.Thread(target=worker, args=(server, tally, ids, stop, i)) for i in range(args.workers)
        ]
        threads.append(threading.Thread(target=never_reader, args=(server, stop, ids)))
        for t in threads:
            t.start()
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < args.seconds:
            time.sleep(min(args.sample, max(0.0, args.seconds - elapsed)))
            rss, fds = server.rss(), server.fds()
            peak, fd_peak = max(peak, rss), max(fd_peak, fds)
            print(
                f"{time.monotonic() - started:6.0f}s: RSS {rss / MIB:.1f} MiB, {fds} fds, {tally.ok} ok",
                flush=True,
            )
        stop.set()
        for t in threads:
            t.join(60)
        time.sleep(args.settle)
        rss1, fds1 = server.rss(), server.fds()
        alive = server.proc.poll() is None
    finally:
        server.stop()
    print(
        f"answers: {tally.ok} ok, lost {tally.lost} / duplicated {tally.duplicated} / wrong {tally.wrong} "
        f"({tally.aborted} calls abandoned on purpose)\n"
        f"RSS: start {rss0 / MIB:.1f} MiB, peak {peak / MIB:.1f} MiB, end {rss1 / MIB:.1f} MiB "
        f"({(rss1 - rss0) / MIB:+.1f} MiB)\n"
        f"fds: start {fds0}, peak {fd_peak}, end {fds1}",
        flush=True,
    )
    for note in tally.notes:
        print("  " + note)
    failed = not alive or tally.lost or tally.duplicated or tally.wrong or fds1 - fds0 > args.max_fd_growth
    if args.max_rss_growth is not None and (rss1 - rss0) / MIB > args.max_rss_growth:
        failed = True
    print("FAIL" if failed else "PASS", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
