"""Measures the bounds of issue 9 section 5 against a real `run_http` server process (127.0.0.1).

    python bench/limits_probe.py connections [--wait 60]   idle + slowloris connections still open
    python bench/limits_probe.py fd                        out of descriptors: log lines, a call
    python bench/limits_probe.py sessions                  a 1,000-session burst vs live sessions
    python bench/limits_probe.py tasks                     one caller fills the task store

Run with any build's interpreter (e.g. main's .venv) to compare; servers use default options
except where a probe says otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

SERVER = """
import asyncio, json, resource, sys
from oxmcp import McpServer
server = McpServer("probe")
@server.tool()
def add(a: int, b: int) -> int:
    return a + b
@server.tool()
async def sleep(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "slept"
if sys.argv[2] != "0":
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[2]), hard))
asyncio.run(server.run_http(port=0, **json.loads(sys.argv[1])))
"""
HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "probe"}},
}


class Server:
    """The server process; its stderr lines are collected."""

    def __init__(self, options: dict[str, Any], nofile: int = 0) -> None:
        argv = [sys.executable, "-c", SERVER, json.dumps(options), str(nofile)]
        self.proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        first = self.proc.stderr.readline()
        match = re.search(r":(\d+)/mcp", first)
        assert match, first
        self.port = int(match.group(1))
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def post(
    port: int, body: Any, session: str | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = dict(HEADERS, **({"mcp-session-id": session} if session else {}))
        conn.request("POST", "/mcp", json.dumps(body), headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, json.loads(data) if data else None
    finally:
        conn.close()


def session(port: int) -> str:
    status, headers, _ = post(port, INIT)
    assert status == 200, status
    sid = headers["mcp-session-id"]
    post(port, {"jsonrpc": "2.0", "method": "notifications/initialized"}, sid)
    return sid


def call(name: str, arguments: dict[str, Any], id_: int = 2) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": id_,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


def still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def probe_connections(wait: float) -> None:
    server = Server({})
    try:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2000)]
        slow = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(200)]
        started = time.monotonic()
        while time.monotonic() - started < wait:
            for s in slow:
                try:
                    s.send(b"G")
                except OSError:
                    pass
            time.sleep(1)
        open_idle, open_slow = sum(map(still_open, idle)), sum(map(still_open, slow))
        print(f"after {wait:.0f} s: idle open {open_idle}/2000, slowloris open {open_slow}/200")
        for s in idle + slow:
            s.close()
        time.sleep(0.5)
        print(
            "fresh call:",
            post(server.port, call("add", {"a": 2, "b": 3}), session(server.port))[2]["result"]["content"],
        )
    finally:
        server.stop()


LEGIT = "a legitimate initialize while 150 idle connections are held"


def probe_fd() -> None:
    server = Server({}, nofile=96)
    try:
        time.sleep(0.5)
        before = len(server.lines)
        held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(150)]
        started = time.monotonic()
        try:
            sid = session(server.port)
            print(f"{LEGIT}: served after {time.monotonic() - started:.1f} s")
        except OSError as e:
            print(f"{LEGIT}: failed after {time.monotonic() - started:.1f} s ({e})")
            sid = None
        time.sleep(max(0.0, 15 - (time.monotonic() - started)))
        print(f"log lines in the first 15 s: {len(server.lines) - before}")
        for s in held:
            s.close()
        time.sleep(0.5)
        sid = sid or session(server.port)
        print(
            "after closing them, a call:",
            post(server.port, call("add", {"a": 2, "b": 3}), sid)[2]["result"]["content"],
        )
    finally:
        server.stop()


def probe_sessions() -> None:
    # max_sessions=500 so that a 1,000-session burst reaches the cap.
    server = Server({"max_sessions": 500})
    try:
        live = [session(server.port) for _ in range(20)]
        busy = session(server.port)
        answer: dict[str, Any] = {}

        def long_call() -> None:
            answer["r"] = post(server.port, call("sleep", {"seconds": 3.0}), busy, timeout=20)

        t = threading.Thread(target=long_call)
        t.start()
        time.sleep(0.3)
        started = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda _: post(server.port, INIT)[0], range(1000)))
        took = time.monotonic() - started
        t.join()
        lost = sum(post(server.port, call("add", {"a": 1, "b": 1}), s)[0] == 404 for s in live)
        r = answer["r"]
        got = r[0] == 200 and r[2] and "result" in r[2]
        print(
            f"burst of 1000 initialize in {took:.1f} s: {statuses.count(200)} opened, "
            f"{statuses.count(503)} refused 503; live sessions evicted: {lost}/20; "
            f"in-flight call answered: {bool(got)} (status {r[0]})"
        )
    finally:
        server.stop()


async def probe_tasks() -> None:
    from oxmcp import McpError, McpServer
    from oxmcp.testing import MockMcpClient

    server = McpServer("tasks")

    @server.tool(task=True)
    async def wait(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "done"

    caps = {"extensions": {"io.modelcontextprotocol/tasks": {}}}

    def client(token: str) -> MockMcpClient:
        return MockMcpClient(
            server, protocol_version="2026-07-28", capabilities=caps, headers={"Authorization": token}
        )

    async with client("Bearer hog") as hog, client("Bearer other") as other:
        created, first_error = 0, None
        for _ in range(10_001):
            try:
                await hog.request("tools/call", {"name": "wait", "arguments": {"seconds": 600}})
                created += 1
            except McpError as e:
                first_error = e
                break
        print(f"one caller created {created} tasks, then: {first_error!r}")
        try:
            await other.request("tools/call", {"name": "wait", "arguments": {"seconds": 0.01}})
            print("another caller: task created")
        except McpError as e:
            print(f"another caller: {e!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("probe", choices=["connections", "fd", "sessions", "tasks"])
    parser.add_argument("--wait", type=float, default=60.0)
    args = parser.parse_args()
    if args.probe == "connections":
        probe_connections(args.wait)
    elif args.probe == "fd":
        probe_fd()
    elif args.probe == "sessions":
        probe_sessions()
    else:
        asyncio.run(probe_tasks())


if __name__ == "__main__":
    main()
