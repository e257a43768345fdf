"""Shared fixtures: the examples loaded in process, and servers started as subprocesses (over stdio,
or announcing an HTTP/WebSocket address on stderr), each stopped at teardown.

Test modules may ``from conftest import ...`` (pytest puts this directory on ``sys.path``); the
helpers behind the fixtures live in ``_support/``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import pytest_asyncio
from _support.in_process import serving
from _support.processes import TIMEOUT, Announced, announced
from _support.stdio import StdioServer
from oxmcp.testing import MockMcpClient

__all__ = ["EXAMPLES", "EXITED", "ROOT", "TIMEOUT", "StdioServer", "load_example"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# How a stdio server must end after stdin closes: exit status 0, nothing else (no abort at shutdown).
EXITED = (0,)

_counter = itertools.count()


def load_example(name: str) -> ModuleType:
    """Imports ``examples/<name>.py`` as a fresh module (its own server object) each time."""
    path = EXAMPLES / f"{name}.py"
    module_name = f"_oxmcp_example_{name}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


# -- the examples in process ---------------------------------------------------------------------------


@pytest.fixture
def example(request: pytest.FixtureRequest) -> ModuleType:
    """A fresh copy of the example the test module names in ``EXAMPLE`` (a module may override this)."""
    return load_example(request.module.EXAMPLE)


@pytest.fixture
def client(example: ModuleType) -> MockMcpClient:
    """An in-memory client of ``example.server`` (the handshake happens on its first request)."""
    return MockMcpClient(example.server)


@pytest.fixture
def example_path() -> Any:
    def path(name: str) -> Path:
        return EXAMPLES / f"{name}.py"

    return path


# -- servers in subprocesses -------------------------------------------------------------------------


@pytest.fixture
def stdio_server() -> Iterator[Any]:
    """A factory: ``stdio_server("server.py", *argv, cwd=..., env=...)``; children are killed at teardown."""
    started: list[StdioServer] = []

    def start(
        script: str | Path, *args: str, cwd: str | Path | None = None, env: dict[str, str] | None = None
    ) -> StdioServer:
        server = StdioServer([str(script), *args], cwd=cwd, env=env)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.kill()


@pytest.fixture
def stdio_example(request: pytest.FixtureRequest, stdio_server: Any) -> Any:
    """A factory: ``stdio_example(cwd=..., env=...)`` runs the module's ``EXAMPLE`` as a stdio server."""

    def start(*, cwd: str | Path | None = None, env: dict[str, str] | None = None) -> StdioServer:
        return stdio_server(EXAMPLES / f"{request.module.EXAMPLE}.py", cwd=cwd, env=env)

    return start


@pytest.fixture
def announced_server() -> Iterator[Callable[..., Announced]]:
    """A factory: ``announced_server([script, *argv], pattern=regex, env=..., cwd=...)`` starts a server
    that prints its address as its first stderr line (waited for, bounded); killed at teardown."""
    with ExitStack() as running:

        def start(argv: list[str], **options: Any) -> Announced:
            return running.enter_context(announced(argv, **options))

        yield start


@pytest_asyncio.fixture
async def in_process_server() -> AsyncIterator[Callable[..., Awaitable[asyncio.Task[Any]]]]:
    """A factory: ``task = await in_process_server(server, server.run_http(port=0))`` runs the serve
    coroutine on the test's loop and returns once ``server.url`` is set (bounded); cancelled at teardown."""
    async with AsyncExitStack() as running:

        async def start(server: Any, run: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
            return await running.enter_async_context(serving(server, run))

        yield start
