"""`McpServer` is a facade over a registry of components and a runtime (core plus pump); the
transports, `Context` and `MockMcpClient` use their named interfaces, not the server's members."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from oxmcp import Context, McpError, McpServer
from oxmcp.server._registry import ErrorHook, Registry, registry_of
from oxmcp.server._runtime import Runtime, runtime_of
from oxmcp.testing import MockMcpClient

PACKAGE = Path(__file__).resolve().parent.parent / "python" / "oxmcp"
USERS = ["context.py", "server/asgi.py", "server/websocket.py", "testing/_client.py", "testing/_answers.py"]
FACADE = [
    "server/mcp_server.py",
    "server/_registry.py",
    "server/_runtime.py",
    "testing/_client.py",
    "testing/_answers.py",
    *USERS,
]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("name", ["context.py", "server/asgi.py", "server/websocket.py"])
def test_no_import_of_the_facade(name):
    assert "oxmcp.server.mcp_server" not in _imports(PACKAGE / name)


@pytest.mark.parametrize("name", USERS)
def test_no_reaching_into_the_server(name):
    text = (PACKAGE / name).read_text()
    for member in ("._core", "._pump", "._tools", "._error_handler", "._read_own_resource"):
        assert f"server{member}" not in text, (name, member)


@pytest.mark.parametrize("name", FACADE)
def test_files_stay_small(name):
    assert len((PACKAGE / name).read_text().splitlines()) < 600


def test_the_registry_is_the_pump_host():
    server = McpServer("host")
    registry = registry_of(server)
    assert isinstance(registry, Registry)
    assert registry.error_hook is None
    assert inspect.iscoroutinefunction(registry.read_own_resource)
    assert registry.server is server

    @server.error_handler(mcp_errors=True)
    def handle(exc: BaseException) -> None:
        return None

    assert registry.error_hook == ErrorHook(handle, True)


def test_the_runtime_interface():
    runtime = runtime_of(McpServer("rt"))
    assert isinstance(runtime, Runtime)
    for name in (
        "attach",
        "detach",
        "connect_memory",
        "http_app",
        "serve_stdio",
        "serve_http",
        "serve_websocket",
    ):
        assert callable(getattr(runtime, name)), name
    assert runtime.core.name == "rt"


@pytest.mark.asyncio
async def test_context_server_is_the_mcp_server():
    server = McpServer("ctx")
    seen: list[object] = []

    @server.tool()
    async def who(ctx: Context) -> str:
        seen.append(ctx.server)
        return "ok"

    assert await MockMcpClient(server).call_tool("who") == "ok"
    assert seen == [server]


@pytest.mark.asyncio
async def test_a_subclass_keeps_working():
    class Guarded(McpServer):
        def __init__(self) -> None:
            super().__init__("guarded")
            self.registry = "user state under a name the facade does not use"
            self.runtime = 1

        async def validate_request(self, request: dict) -> None:
            if request["method"] == "tools/call":
                raise ValueError("no calls")

    server = Guarded()

    @server.tool()
    def t() -> str:
        return "t"

    client = MockMcpClient(server)
    assert [tool.name for tool in await client.list_tools()] == ["t"]
    with pytest.raises(McpError, match="no calls"):
        await client.call_tool("t")
    assert repr(server) == "Guarded(name='guarded', tools=1, resources=0, prompts=0)"
