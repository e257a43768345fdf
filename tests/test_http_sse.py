"""The 2024-11-05 HTTP+SSE transport: GET /sse announces the POST endpoint; answers arrive as
SSE `message` events on that stream; the session ends with the stream."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _support.processes import Announced
from test_http import Running, start


class SseStream:
    def __init__(self, s: Running) -> None:
        self.conn = http.client.HTTPConnection(s.host, s.port, timeout=10)
        self.conn.request("GET", "/sse", headers={"accept": "text/event-stream"})
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("content-type") == "text/event-stream"

    def event(self) -> tuple[str, str]:
        """The next event (name, data), skipping keep-alive comments."""
        name, data = "message", []
        while True:
            line = self.response.fp.readline().decode().rstrip("\n")
            if line.startswith(":"):
                continue
            if line == "":
                if data:
                    return name, "\n".join(data)
                continue
            key, _, value = line.partition(": ")
            if key == "event":
                name = value
            elif key == "data":
                data.append(value)

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def srv(announced_server: Callable[..., Announced], tmp_path: Path) -> Running:
    return start(announced_server, tmp_path)


def post(s: Running, path: str, body: Any) -> int:
    conn = http.client.HTTPConnection(s.host, s.port, timeout=10)
    conn.request("POST", path, body=json.dumps(body), headers={"content-type": "application/json"})
    status = conn.getresponse().status
    conn.close()
    return status


def test_sse_session_round_trip(srv: Running) -> None:
    stream = SseStream(srv)
    name, endpoint = stream.event()
    assert name == "endpoint" and endpoint.startswith("/messages?session_id=")
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "old"}},
    }
    assert post(srv, endpoint, init) == 202
    name, data = stream.event()
    assert name == "message" and json.loads(data)["result"]["protocolVersion"] == "2024-11-05"
    assert post(srv, endpoint, {"jsonrpc": "2.0", "method": "notifications/initialized"}) == 202
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 4, "b": 5}},
    }
    assert post(srv, endpoint, call) == 202
    answer = json.loads(stream.event()[1])
    assert answer["id"] == 2 and answer["result"]["content"][0]["text"] == "9"
    assert "structuredContent" not in answer["result"], "2024-11-05 has no structured content"
    stream.close()


def test_unknown_or_closed_sessions_are_404(srv: Running) -> None:
    assert post(srv, "/messages?session_id=nope", {"jsonrpc": "2.0", "id": 1, "method": "ping"}) == 404
    stream = SseStream(srv)
    _, endpoint = stream.event()
    stream.close()
    for _ in range(50):  # the server notices the closed stream on its next write (keep-alive) or at once
        if post(srv, endpoint, {"jsonrpc": "2.0", "id": 1, "method": "ping"}) == 404:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the session outlived its stream")


def test_run_with_transport_sse_serves_the_legacy_stream(
    announced_server: Callable[..., Announced], tmp_path: Path
) -> None:
    script = tmp_path / "sse_server.py"
    script.write_text(
        "from oxmcp import McpServer\nserver = McpServer('sse-name')\nserver.run(transport='sse', port=0)\n"
    )
    served = announced_server([str(script)])
    line = served.line
    host, port = line.split("http://")[1].split("/")[0].split(":")
    s = Running(f"http://{host}:{port}/mcp", host, int(port), tmp_path / "unused", served.proc)
    stream = SseStream(s)
    name, endpoint = stream.event()
    assert name == "endpoint" and endpoint.startswith("/messages?session_id=")
    stream.close()
