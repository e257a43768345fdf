"""Issue 9, sections 1-2: one authentication gate in front of every way in, and sessions, streams,
answers to the server's requests and tasks that belong to the caller who made them.

A real server process on 127.0.0.1 whose ``validate_request`` knows two users (``alice`` and ``bob``
by their bearer tokens) and refuses everyone else. Each test tries to get past a rule, then checks
that the server still serves a fresh, legitimate call.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import queue
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _support.http import post_mcp
from _support.messages import INITIALIZED, initialize_params, modern_headers, modern_meta, request
from _support.processes import HTTP_ANNOUNCE, Announced
from _support.ws_client import Refused, WsClient
from oxmcp import McpServer
from oxmcp.server._auth import SeenHeaders, gate_validator, principal_of

TIMEOUT = 10.0
ALICE = {"authorization": "Bearer alice"}
BOB = {"authorization": "Bearer bob"}
STRANGER = {"authorization": "Bearer nobody"}
TASKS_EXT = "io.modelcontextprotocol/tasks"
UNKNOWN_SESSION = {
    "jsonrpc": "2.0",
    "id": None,
    "error": {"code": -32600, "message": "Session not found: it ended or never existed; initialize again"},
}

SERVER = '''
import asyncio, logging, os, sys
from pathlib import Path
from oxmcp import Context, McpServer
from oxmcp.server.websocket import run_websocket_server

logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="LOG %(levelname)s %(name)s %(message)s")
USERS = {"Bearer alice": "alice", "Bearer bob": "bob"}
MARKER = Path(os.environ["MARKER"])

class Gated(McpServer):
    async def validate_request(self, request):
        user = USERS.get(request["headers"].get("authorization"))
        if user is None:
            raise Exception("Authentication required")
        if request["method"] == "initialize" and request["params"]["clientInfo"]["name"] == "blocked":
            raise Exception("Authentication required")  # a per-request check, after the gate passed
        # DIGEST: name nobody, so the principal is the digest of the credentials read.
        return None if os.environ.get("DIGEST") else user

server = Gated("gate-test")

@server.tool()
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b

@server.tool()
async def whoami(ctx: Context) -> str:
    """The principal the gate named (what issue 10's ctx.auth builds on)."""
    return str(ctx._job.principal)

@server.tool()
async def chatty(ctx: Context) -> str:
    """Logs, then answers (the answer becomes a resumable SSE stream)."""
    await ctx.info("working")
    await asyncio.sleep(0.2)
    return "done"

@server.tool()
async def delete_everything(ctx: Context) -> str:
    """Acts only if the user accepts."""
    answer = await ctx.elicit("Delete everything?", {"type": "object", "properties": {}})
    MARKER.write_text(answer.action)
    return answer.action

@server.tool(task=True)
async def slow_task(seconds: float) -> str:
    """A task."""
    await asyncio.sleep(seconds)
    return "finished"

if os.environ.get("MODE") == "ws":
    asyncio.run(run_websocket_server(server, host="127.0.0.1", port=0))
else:
    server.run(transport="http", port=0, legacy_sse=not os.environ.get("NO_SSE"))
'''


@dataclass
class Running:
    host: str
    port: int
    marker: Path
    served: Announced

    def logs(self, wait: float = 0.5) -> str:
        """What the server has logged so far (waits up to `wait` for more)."""
        lines: list[str] = []
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                line = self.served._stderr.get(timeout=0.05)
            except queue.Empty:
                continue
            if line is not None:
                lines.append(line)
        return "".join(lines)


def start(announced_server: Callable[..., Announced], tmp_path: Path, **env: str) -> Running:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    marker = tmp_path / "marker"
    pattern = r"ws://([\d.]+):(\d+)" if env.get("MODE") == "ws" else HTTP_ANNOUNCE
    served = announced_server([str(script)], pattern=pattern, env={"MARKER": str(marker), **env})
    assert served.match is not None
    return Running(served.match.group(1), int(served.match.group(2)), marker, served)


@pytest.fixture
def srv(announced_server: Callable[..., Announced], tmp_path: Path) -> Running:
    return start(announced_server, tmp_path)


# -- raw HTTP -------------------------------------------------------------------------------------------


def post(
    s: Running, body: Any, headers: dict[str, str] | None = None, path: str = "/mcp"
) -> tuple[int, dict, Any]:
    return post_mcp(s.host, s.port, body, headers, path=path, timeout=TIMEOUT)


def call(
    s: Running, method: str, headers: dict[str, str], path: str = "/mcp"
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(s.host, s.port, timeout=TIMEOUT)
    try:
        conn.request(method, path, headers=headers)
        r = conn.getresponse()
        # An SSE stream stays open: read only what a refusal would carry.
        body = r.read() if r.getheader("content-type", "") != "text/event-stream" else b""
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


class Sse:
    """An SSE response read event by event (id, data), every read bounded."""

    def __init__(self, s: Running, method: str, headers: dict[str, str], body: Any = None) -> None:
        self.conn = http.client.HTTPConnection(s.host, s.port, timeout=TIMEOUT)
        payload = None if body is None else json.dumps(body)
        all_headers = {"accept": "application/json, text/event-stream", **headers}
        if body is not None:
            all_headers["content-type"] = "application/json"
        self.conn.request(method, "/mcp", body=payload, headers=all_headers)
        self.response = self.conn.getresponse()
        self.status = self.response.status

    def event(self) -> tuple[str | None, dict[str, Any] | None]:
        event_id, data = None, []
        while True:
            line = self.response.readline().decode()
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if line.startswith(":"):
                continue
            if line == "":
                if data or event_id:
                    return event_id, json.loads("\n".join(data)) if data and data != [""] else None
                continue
            key, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if key == "id":
                event_id = value
            elif key == "data":
                data.append(value)

    def close(self) -> None:
        self.conn.close()


def initialize(s: Running, who: dict[str, str], capabilities: dict[str, Any] | None = None) -> str:
    params = initialize_params("2025-11-25")
    params["capabilities"] = capabilities or {}
    status, headers, body = post(s, request("initialize", params), who)
    assert status == 200 and "result" in body, body
    sid = headers["mcp-session-id"]
    assert post(s, INITIALIZED, {**who, "mcp-session-id": sid})[0] == 202
    return sid


def add(s: Running, who: dict[str, str], sid: str, a: int = 2, b: int = 3) -> tuple[int, Any]:
    status, _, body = post(
        s,
        request("tools/call", {"name": "add", "arguments": {"a": a, "b": b}}, 7),
        {**who, "mcp-session-id": sid},
    )
    return status, body


def still_serves(s: Running, who: dict[str, str] = ALICE) -> None:
    sid = initialize(s, who)
    status, body = add(s, who, sid, 20, 22)
    assert status == 200 and body["result"]["structuredContent"] == {"result": 42}, body


def assert_refused(status: int, headers: dict[str, str], body: Any, what: str) -> None:
    assert status == 401, f"{what}: {status} {body!r}"
    assert headers.get("www-authenticate") == "Bearer", what
    assert "mcp-session-id" not in headers, f"{what}: a refusal never names a session"
    parsed = json.loads(body) if isinstance(body, bytes) else body
    assert parsed["error"]["message"] == "Authentication required", what


# -- section 1: one gate, every endpoint ----------------------------------------------------------------


@pytest.mark.parametrize("who", [{}, STRANGER], ids=["no-credentials", "bad-credentials"])
def test_every_way_in_passes_the_gate(srv: Running, who: dict[str, str]) -> None:
    sid = initialize(srv, ALICE)  # a real session the stranger names
    as_stranger = {**who, "mcp-session-id": sid}
    tool_call = request("tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}}, 3)
    posts = {
        "initialize": (request("initialize", initialize_params("2025-11-25")), who),
        "request": (tool_call, as_stranger),
        "notification": (INITIALIZED, as_stranger),
        "response": ({"jsonrpc": "2.0", "id": 1, "result": {}}, as_stranger),
        "batch": ([tool_call, INITIALIZED], as_stranger),
        "stateless request": (
            request("tools/list", {"_meta": modern_meta()}),
            {**who, **modern_headers("tools/list")},
        ),
        "stateless notification": (
            {
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": {"_meta": modern_meta(), "requestId": 1},
            },
            {**who, **modern_headers("notifications/cancelled")},
        ),
    }
    for what, (body, headers) in posts.items():
        assert_refused(*post(srv, body, headers), what=f"POST {what}")
    sse_accept = {"accept": "text/event-stream"}
    assert_refused(*call(srv, "GET", {**as_stranger, **sse_accept}), what="GET stream")
    resume = {**as_stranger, **sse_accept, "last-event-id": "p0-0"}
    assert_refused(*call(srv, "GET", resume), what="GET with Last-Event-ID")
    assert_refused(*call(srv, "DELETE", as_stranger), what="DELETE")
    assert_refused(*call(srv, "GET", {**who, **sse_accept}, path="/sse"), what="GET /sse")
    message = (request("ping"), {**who, "content-type": "application/json"})
    assert_refused(*post(srv, *message, path="/messages?session_id=" + "0" * 32), what="POST /messages")
    # Nothing the stranger did touched Alice's session, and the server serves everyone else.
    assert add(srv, ALICE, sid)[0] == 200
    still_serves(srv)


def test_an_open_sse_session_refuses_strangers_messages(srv: Running) -> None:
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=TIMEOUT)
    conn.request("GET", "/sse", headers={**ALICE, "accept": "text/event-stream"})
    stream = conn.getresponse()
    assert stream.status == 200
    assert stream.readline().decode().strip() == "event: endpoint"
    endpoint = stream.readline().decode().strip().removeprefix("data: ")
    init = request("initialize", initialize_params("2024-11-05"))
    for who in ({}, STRANGER):
        assert_refused(
            *post(srv, init, {**who, "content-type": "application/json"}, path=endpoint), what="message"
        )
    # Bob passes the gate but it is not his session: unknown, exactly.
    status, _, body = post(srv, init, {**BOB, "content-type": "application/json"}, path=endpoint)
    assert status == 404 and body["error"]["message"].endswith("Session not found")
    assert post(srv, init, {**ALICE, "content-type": "application/json"}, path=endpoint)[0] == 202
    conn.close()
    still_serves(srv)


def test_a_rejected_initialize_names_no_session(srv: Running) -> None:
    status, headers, body = post(srv, request("initialize", initialize_params("2025-11-25")), STRANGER)
    assert_refused(status, headers, body, what="initialize refused by the gate")
    blocked = request("initialize", initialize_params("2025-11-25", client="blocked"))
    status, headers, body = post(srv, blocked, ALICE)
    assert_refused(status, headers, body, what="initialize refused by the per-request check")
    health = json.loads(call(srv, "GET", ALICE, path="/healthz")[2])
    assert health["sessions"] == 0, "no session was kept"
    still_serves(srv)


def test_healthz_tells_strangers_only_the_status(srv: Running) -> None:
    for who in ({}, STRANGER):
        status, _, body = call(srv, "GET", who, path="/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok"}, body
    status, _, body = call(srv, "GET", ALICE, path="/healthz")
    health = json.loads(body)
    assert status == 200 and health["name"] == "gate-test" and health["sessions"] == 0, health
    still_serves(srv)


def test_legacy_sse_can_be_switched_off(announced_server: Callable[..., Announced], tmp_path: Path) -> None:
    s = start(announced_server, tmp_path, NO_SSE="1")
    assert call(s, "GET", {**ALICE, "accept": "text/event-stream"}, path="/sse")[0] == 404
    assert post(s, request("ping"), ALICE, path="/messages?session_id=x")[0] == 404
    still_serves(s)


def test_the_websocket_upgrade_passes_the_gate(
    announced_server: Callable[..., Announced], tmp_path: Path
) -> None:
    s = start(announced_server, tmp_path, MODE="ws")
    for who in ({}, {"Authorization": "Bearer nobody"}):
        with pytest.raises(Refused) as refused:
            WsClient(s.host, s.port, "/", who)
        assert refused.value.status == 401
        assert b"Authentication required" in refused.value.body
    ws = WsClient(s.host, s.port, "/", {"Authorization": "Bearer alice"})
    assert ws.initialize()["serverInfo"]["name"] == "gate-test"
    answer = ws.request("tools/call", {"name": "add", "arguments": {"a": 2, "b": 2}})
    assert answer["result"]["structuredContent"] == {"result": 4}
    ws.close()


@pytest.mark.asyncio
async def test_the_asgi_mount_passes_the_gate() -> None:
    class Gated(McpServer):
        def validate_request(self, request: dict[str, Any]) -> str:
            if request["headers"].get("authorization") != "Bearer alice":
                raise PermissionError("Authentication required")
            return "alice"

    server = Gated("asgi-gate")

    @server.tool()
    def add(a: int, b: int) -> int:
        return a + b

    app = server.asgi_app()

    body_read: list[bool] = []

    async def exchange(
        method: str, headers: dict[str, str], body: Any = None
    ) -> tuple[int, dict[str, str], Any]:
        payload = b"" if body is None else json.dumps(body).encode()
        inbox = [{"type": "http.request", "body": payload, "more_body": False}]
        sent: list[dict[str, Any]] = []
        body_read.clear()

        async def receive() -> dict[str, Any]:
            body_read.append(True)
            if inbox:
                return inbox.pop(0)
            await asyncio.Event().wait()  # like a real host: no disconnect while the client waits
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": method,
            "path": "/",
            "headers": [
                (k.encode(), v.encode())
                for k, v in {
                    "content-type": "application/json",
                    "accept": "application/json, text/event-stream",
                    **headers,
                }.items()
            ],
        }
        await asyncio.wait_for(app(scope, receive, send), TIMEOUT)
        start_msg = sent[0]
        out = b"".join(m.get("body", b"") for m in sent[1:])
        hdrs = {k.decode(): v.decode() for k, v in start_msg["headers"]}
        return start_msg["status"], hdrs, json.loads(out) if out else None

    init = request("initialize", initialize_params("2025-11-25"))
    for method, body in (("POST", init), ("GET", None), ("DELETE", None)):
        status, headers, answer = await exchange(
            method, {"authorization": "Bearer x", "mcp-session-id": "a" * 32}, body
        )
        assert status == 401 and headers["www-authenticate"] == "Bearer" and "mcp-session-id" not in headers
        assert answer["error"]["message"] == "Authentication required"
        assert not body_read, f"{method}: the body was read before the gate refused the caller"
    status, headers, answer = await exchange("POST", {"authorization": "Bearer alice"}, init)
    assert status == 200 and answer["result"]["serverInfo"]["name"] == "asgi-gate"
    assert "mcp-session-id" in headers


# -- section 2: sessions, streams, answers and tasks belong to their caller -----------------------------


@pytest.mark.parametrize("digest", [False, True], ids=["named", "digest"])
def test_a_session_belongs_to_its_caller(
    announced_server: Callable[..., Announced], tmp_path: Path, digest: bool
) -> None:
    s = start(announced_server, tmp_path, **({"DIGEST": "1"} if digest else {}))
    sid = initialize(s, ALICE)
    as_bob = {**BOB, "mcp-session-id": sid}
    unknown_status, _, unknown = post(s, request("tools/list"), {**BOB, "mcp-session-id": "f" * 32})
    assert unknown_status == 404
    attempts = {
        "tools/call": request("tools/call", {"name": "add", "arguments": {"a": 1, "b": 2}}, 9),
        "notification": INITIALIZED,
        "cancel": {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 9}},
        "response": {"jsonrpc": "2.0", "id": 1, "result": {"action": "accept"}},
        "batch": [request("ping", None, 10)],
    }
    for what, body in attempts.items():
        status, headers, answer = post(s, body, as_bob)
        assert (status, answer) == (unknown_status, unknown), f"{what}: answered as for an unknown session"
        assert "mcp-session-id" not in headers
    sse = {"accept": "text/event-stream"}
    assert call(s, "GET", {**as_bob, **sse})[0] == 404
    assert call(s, "GET", {**as_bob, **sse, "last-event-id": "p0-0"})[0] == 404
    assert call(s, "DELETE", as_bob)[0] == 404
    assert "refused a request on a session opened by another caller" in s.logs()
    # Alice's session is untouched and still hers, and her calls run as her.
    status, body = add(s, ALICE, sid)
    assert status == 200 and body["result"]["structuredContent"] == {"result": 5}
    whoami = request("tools/call", {"name": "whoami", "arguments": {}}, 12)
    principal = post(s, whoami, {**ALICE, "mcp-session-id": sid})[2]["result"]["content"][0]["text"]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", principal) if digest else principal == "alice", principal
    assert call(s, "DELETE", {**ALICE, "mcp-session-id": sid})[0] == 200
    still_serves(s, BOB)


def test_a_stream_is_replayed_only_to_its_caller_and_ids_are_not_guessable(srv: Running) -> None:
    sid = initialize(srv, ALICE)
    chatty = request("tools/call", {"name": "chatty", "arguments": {}}, 5)
    stream = Sse(srv, "POST", {**ALICE, "mcp-session-id": sid}, chatty)
    assert stream.status == 200
    first_id, first = stream.event()
    if first is None:  # 2025-11-25: a priming event first
        first_id, first = stream.event()
    assert first is not None and first["method"] == "notifications/message"
    assert first_id is not None and re.fullmatch(r"p[0-9a-f]{32}-\d+", first_id), first_id
    stream.close()  # the connection broke
    resume = {"accept": "text/event-stream", "mcp-session-id": sid, "last-event-id": first_id}
    assert call(srv, "GET", {**BOB, **resume})[0] == 404
    replay = Sse(srv, "GET", {**ALICE, **resume})
    assert replay.status == 200
    _, answer = replay.event()
    assert answer is not None and answer["id"] == 5 and answer["result"]["content"][0]["text"] == "done"
    replay.close()
    still_serves(srv)


def test_only_the_caller_asked_answers_an_elicitation_and_only_once(srv: Running) -> None:
    victim = initialize(srv, ALICE, {"elicitation": {}})
    attacker = initialize(srv, BOB, {"elicitation": {}})
    call_it = request("tools/call", {"name": "delete_everything", "arguments": {}}, 11)
    stream = Sse(srv, "POST", {**ALICE, "mcp-session-id": victim}, call_it)
    assert stream.status == 200
    asked = None
    while asked is None or asked.get("method") != "elicitation/create":
        _, asked = stream.event()
    accept = {"jsonrpc": "2.0", "id": asked["id"], "result": {"action": "accept", "content": {}}}
    # The attacker answers on the victim's session (404), and on their own (not theirs to answer).
    assert post(srv, accept, {**BOB, "mcp-session-id": victim})[0] == 404
    assert post(srv, accept, {**BOB, "mcp-session-id": attacker})[0] == 202
    time.sleep(0.3)
    assert not srv.marker.exists(), "the victim's tool went on after an answer from elsewhere"
    decline = {"jsonrpc": "2.0", "id": asked["id"], "result": {"action": "decline"}}
    assert post(srv, decline, {**ALICE, "mcp-session-id": victim})[0] == 202
    _, answer = stream.event()
    while answer is not None and "id" not in answer:
        _, answer = stream.event()
    assert answer is not None and answer["result"]["content"][0]["text"] == "decline"
    # A second answer resolves nothing.
    assert post(srv, accept, {**ALICE, "mcp-session-id": victim})[0] == 202
    time.sleep(0.2)
    assert srv.marker.read_text() == "decline"
    stream.close()
    still_serves(srv)


def test_tasks_belong_to_the_principal_that_made_them(srv: Running) -> None:
    # Handshake era (2025-11-25): Alice's task, seen from Bob's own session and from Alice's second.
    alice = initialize(srv, ALICE, {"tasks": {}})
    status, _, created = post(
        srv,
        request("tools/call", {"name": "slow_task", "arguments": {"seconds": 5}, "task": {"ttl": 60000}}, 3),
        {**ALICE, "mcp-session-id": alice},
    )
    assert status == 200 and "task" in created["result"], created
    task_id = created["result"]["task"]["taskId"]
    bob = initialize(srv, BOB, {"tasks": {}})
    for method in ("tasks/get", "tasks/cancel", "tasks/result"):
        _, _, answer = post(srv, request(method, {"taskId": task_id}, 4), {**BOB, "mcp-session-id": bob})
        assert "Unknown task" in answer["error"]["message"], f"{method}: Bob reached Alice's task: {answer}"
    _, _, listed = post(srv, request("tasks/list", {}, 5), {**BOB, "mcp-session-id": bob})
    assert listed["result"]["tasks"] == []
    alice_again = initialize(srv, ALICE, {"tasks": {}})
    _, _, got = post(
        srv, request("tasks/get", {"taskId": task_id}, 6), {**ALICE, "mcp-session-id": alice_again}
    )
    assert got["result"]["taskId"] == task_id and got["result"]["status"] == "working", got
    # Stateless wire: the same rule.
    caps = {"extensions": {TASKS_EXT: {}}}
    params = {"name": "slow_task", "arguments": {"seconds": 5}, "_meta": modern_meta(caps)}
    status, _, created = post(
        srv, request("tools/call", params, 7), {**ALICE, **modern_headers("tools/call", "slow_task")}
    )
    assert status == 200 and created["result"]["resultType"] == "task", created
    modern_id = (
        created["result"]["task"]["taskId"] if "task" in created["result"] else created["result"]["taskId"]
    )
    get = request("tasks/get", {"taskId": modern_id, "_meta": modern_meta(caps)}, 8)
    named = modern_headers("tasks/get", modern_id)
    _, _, answer = post(srv, get, {**BOB, **named})
    assert "error" in answer and "Unknown task" in answer["error"]["message"], answer
    _, _, answer = post(srv, get, {**ALICE, **named})
    assert answer["result"]["status"] == "working", answer
    still_serves(srv, BOB)


# -- the principal of a validator that names nobody -----------------------------------------------------


def test_the_principal_is_a_digest_of_the_credentials_read() -> None:
    seen = SeenHeaders({"authorization": "Bearer a", "content-length": "12", "user-agent": "x"})
    assert seen.get("authorization") == "Bearer a"
    digest = principal_of(None, seen)
    assert digest is not None and re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    other = SeenHeaders({"authorization": "Bearer b", "content-length": "99", "user-agent": "x"})
    other.get("authorization")
    assert principal_of(None, other) != digest, "different credentials, different callers"
    same = SeenHeaders({"authorization": "Bearer a", "content-length": "99", "mcp-session-id": "s"})
    _ = same["authorization"], "mcp-session-id" in same
    assert principal_of(None, same) == digest, "per-request headers never count"
    everything = SeenHeaders({"authorization": "Bearer a", "accept": "*/*", "user-agent": "y"})
    dict(everything.items())
    assert principal_of(None, everything) == digest, "iterating reads the credential headers"
    assert principal_of(None, SeenHeaders({"authorization": "Bearer a"})) is None, "nothing read: anonymous"
    assert principal_of("alice", SeenHeaders({})) == "alice"


@pytest.mark.asyncio
async def test_the_gate_wrapper_keeps_the_validators_own_checks() -> None:
    seen: list[Any] = []

    async def validate(request: dict[str, Any]) -> str:
        seen.append(request["method"])
        return "named"

    gate = gate_validator(validate, True)
    assert await gate({"method": None, "params": None, "headers": {}}) == "named"
    assert await gate({"method": "tools/call", "params": {}, "headers": {}}) is None
    assert seen == [None, "tools/call"]
