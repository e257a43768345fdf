"""`Context` end to end with the official MCP Python SDK's client (``mcp==2.3.0``) as the peer: its
logging, sampling, elicitation and roots callbacks answer the server, over stdio and Streamable
HTTP, in the handshake era and on the stateless wire. The same tool functions serve both eras: in a
session the server sends real requests; on the stateless wire it answers ``input_required`` and the
SDK client retries with the answers."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

mcp = pytest.importorskip("mcp")
from _support.eras import SDK_MODES  # noqa: E402
from _support.processes import HTTP_ANNOUNCE, Announced  # noqa: E402
from mcp import Client, StdioServerParameters, types  # noqa: E402

SERVER_SOURCE = '''
import asyncio
import sys
from dataclasses import dataclass

from oxmcp import Context, McpServer

server = McpServer("context-interop", "1.0.0")


@dataclass
class Profile:
    name: str
    age: int = 30


@server.tool()
async def chatty(ctx: Context) -> str:
    """Logs at three levels and reports progress."""
    await ctx.debug("debug detail")
    await ctx.info("working", step=1)
    await ctx.warning("almost done")
    for done in (1, 2, 3):
        await ctx.report_progress(done, 3, f"step {done}")
    return "chatted"


@server.tool()
async def onboard(ctx: Context) -> str:
    """Asks the user, the model and the client's roots; uses every answer."""
    profile = await ctx.elicit("Who are you?", Profile)
    if not profile.accepted:
        return f"onboarding {profile.action}ed"
    motto = await ctx.sample(f"Write a motto for {profile.data.name}", max_tokens=20)
    roots = await ctx.list_roots()
    return f"{profile.data.name} ({profile.data.age}): {motto.text} @ {roots[0].uri}"


@server.tool()
async def ask_twice(ctx: Context) -> str:
    """Two questions at once, then one that depends on them."""
    form = {"type": "object", "properties": {"v": {"type": "string"}}}
    a, b = await asyncio.gather(ctx.elicit("First?", form), ctx.elicit("Second?", form))
    c = await ctx.elicit(f"Third after {a.data['v']}+{b.data['v']}?", form)
    return "-".join(x.data["v"] for x in (a, b, c))


if sys.argv[1:] == ["http"]:
    server.run(transport="http", port=0)
else:
    server.run()
'''

MODES = SDK_MODES
TRANSPORTS = ["stdio", "http"]


class Peer:
    """The SDK client's side: callbacks that answer the server and record what they saw."""

    def __init__(self) -> None:
        self.logs: list[types.LoggingMessageNotificationParams] = []
        self.progress: list[tuple[float, float | None, str | None]] = []
        self.elicited: list[str] = []
        self.sampled: list[types.CreateMessageRequestParams] = []

    async def on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        self.logs.append(params)

    async def on_progress(self, progress: float, total: float | None, message: str | None) -> None:
        self.progress.append((progress, total, message))

    async def on_elicit(self, context, params):  # noqa: ANN001 - SDK callback signature
        self.elicited.append(params.message)
        if params.message == "Who are you?":
            return types.ElicitResult(action="accept", content={"name": "Ada", "age": 36})
        n = len(self.elicited)
        return types.ElicitResult(action="accept", content={"v": f"v{n}"})

    async def on_sample(self, context, params):  # noqa: ANN001
        self.sampled.append(params)
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(type="text", text="Onward!"), model="test-model"
        )

    async def on_roots(self, context):  # noqa: ANN001
        return types.ListRootsResult(roots=[types.Root(uri="file:///work/project", name="project")])


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "context_server.py"
    path.write_text(SERVER_SOURCE)
    return path


@pytest.fixture(params=TRANSPORTS)
def target(request, script: Path, announced_server: Callable[..., Announced]) -> object:
    """What the SDK client connects to: stdio parameters, or the URL of the script serving HTTP."""
    if request.param == "stdio":
        return StdioServerParameters(command=sys.executable, args=[str(script)], cwd=str(script.parent))
    served = announced_server([str(script), "http"], pattern=HTTP_ANNOUNCE)
    assert served.match is not None
    return served.match.group(0)


def _client(target: object, mode: str, peer: Peer, **extra: object) -> Client:
    return Client(
        target,
        mode=mode,
        read_timeout_seconds=10,
        logging_callback=peer.on_log,
        elicitation_callback=peer.on_elicit,
        sampling_callback=peer.on_sample,
        list_roots_callback=peer.on_roots,
        **extra,
    )


def _text(result: types.CallToolResult) -> str:
    assert not result.is_error, result
    return "".join(block.text for block in result.content if block.type == "text")


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", MODES)
async def test_logging_and_progress(target, mode):
    peer = Peer()
    with anyio.fail_after(30):
        # Stateless: logs flow only for a request that asks for them, from its level up.
        async with _client(target, mode, peer, log_level="info") as client:
            if mode == "legacy":
                await client.set_logging_level("info")
            result = await client.call_tool("chatty", {}, progress_callback=peer.on_progress)
            assert _text(result) == "chatted"
    levels = [log.level for log in peer.logs]
    assert levels == ["info", "warning"]  # debug is below the level
    assert peer.logs[0].data == {"message": "working", "step": 1}
    assert peer.progress == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", MODES)
async def test_no_logs_on_the_stateless_wire_unless_asked(target, mode):
    if mode == "legacy":
        pytest.skip("a handshake-era session logs until the client sets a level")
    peer = Peer()
    with anyio.fail_after(30):
        async with _client(target, mode, peer) as client:
            assert _text(await client.call_tool("chatty", {})) == "chatted"
    assert peer.logs == []


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", MODES)
async def test_elicit_sample_and_roots(target, mode):
    peer = Peer()
    with anyio.fail_after(30):
        async with _client(target, mode, peer) as client:
            result = await client.call_tool("onboard", {})
    assert _text(result) == "Ada (36): Onward! @ file:///work/project"
    assert peer.elicited == ["Who are you?"]
    assert len(peer.sampled) == 1
    assert peer.sampled[0].max_tokens == 20
    assert peer.sampled[0].messages[0].content.text == "Write a motto for Ada"


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", MODES)
async def test_concurrent_then_dependent_questions(target, mode):
    peer = Peer()
    with anyio.fail_after(30):
        async with _client(target, mode, peer) as client:
            result = await client.call_tool("ask_twice", {})
    assert _text(result) == "v1-v2-v3"
    assert sorted(peer.elicited[:2]) == ["First?", "Second?"]
    assert peer.elicited[2] == "Third after v1+v2?"


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", MODES)
async def test_missing_capability_is_32021(target, mode):
    peer = Peer()
    with anyio.fail_after(30):
        async with Client(target, mode=mode, read_timeout_seconds=10) as client:  # no callbacks
            with pytest.raises(mcp.MCPError) as info:
                await client.call_tool("onboard", {})
    assert info.value.error.code == -32021
    assert info.value.error.data == {"requiredCapabilities": {"elicitation": {}}}
    del peer
