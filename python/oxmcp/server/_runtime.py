"""The engine serving one server: the Rust core plus the pump that runs user functions on the
asyncio loop. `McpServer`'s run loops, the ASGI and WebSocket runners and `MockMcpClient` serve
through this narrow interface (`runtime_of(server)`), never through the server's other members."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol

from oxmcp import _core
from oxmcp._pump import Pump

__all__ = ["CLEANUP_S", "Runtime", "Served", "runtime_of"]

logger = logging.getLogger("oxmcp.server")

CLEANUP_S = 5.0
"""When serving stops (stdin closed, SIGTERM, Ctrl-C, cancelled), how long the calls it cancelled
may take to run their cleanup (``finally`` blocks) before the run loop returns anyway."""


class Served(Protocol):
    """What the transport runners need of a server (`McpServer` is one)."""

    name: str
    url: str | None
    max_message_bytes: int
    _runtime: Runtime


def runtime_of(server: Served) -> Runtime:
    """The runtime serving ``server``."""
    return server._runtime


class Runtime:
    """The core and its pump. ``host`` is what the pump asks for the error handler and hands to
    each `Context` (the server's registry); ``core_options`` go to `oxmcp._core.ServerCore`."""

    __slots__ = ("core", "_pump")

    def __init__(self, host: Any, name: str, version: str, **core_options: Any) -> None:
        self.core = _core.ServerCore(name, version, **core_options)
        self._pump = Pump(self.core, host)

    def attach(self) -> None:
        """Runs queued calls on the running loop (again after a loop change; else a no-op)."""
        self._pump.attach()

    def detach(self) -> None:
        self._pump.detach()

    def connect_memory(self, headers: dict[str, str]) -> Any:
        """A new in-memory connection (`MockMcpClient`), served on the running loop."""
        self.attach()
        return self.core.connect_memory(headers)

    def http_app(self, **options: Any) -> Any:
        """The core's HTTP endpoint, for an ASGI host to feed (`McpAsgiApp`)."""
        return _core.http_app(self.core, **options)

    async def serve_stdio(self, write_timeout: float = 30.0) -> None:
        """Serves stdin/stdout until stdin closes (the calls in flight are then cancelled at once and
        their cleanup awaited), SIGTERM, or cancellation."""
        self.attach()
        try:
            serving = self.core.serve_stdio(write_timeout_s=float(write_timeout))
        except BaseException:
            self.detach()
            raise
        await self._serve_until_stopped(serving)

    async def serve_http(self, on_listening: Callable[[str], None], *args: Any, **options: Any) -> None:
        """Serves `ServerCore.serve_http(*args, **options)` until cancelled or SIGTERM;
        ``on_listening`` gets the bound address."""
        await self._serve(self.core.serve_http, on_listening, args, options)

    async def serve_websocket(self, on_listening: Callable[[str], None], *args: Any, **options: Any) -> None:
        """Serves `ServerCore.serve_websocket(*args, **options)`, as `serve_http`."""
        await self._serve(self.core.serve_websocket, on_listening, args, options)

    async def _serve(
        self, bind: Callable[..., Any], on_listening: Callable[[str], None], args: Any, options: Any
    ) -> None:
        self.attach()
        try:
            serving, address = bind(*args, **options)
            on_listening(address)
        except BaseException:
            self.detach()
            raise
        await self._serve_until_stopped(serving)

    async def _serve_until_stopped(self, serving: Awaitable[None]) -> None:
        """Awaits ``serving`` (the pump attached); SIGTERM stops it as Ctrl-C does. Stopped, every
        call still running is cancelled; ended by itself (stdin closed), the calls the core cancelled
        are left to finish. Either way their cleanup is awaited (at most `CLEANUP_S`). A SIGTERM stop
        returns normally (so `McpServer.run` exits with status 0)."""
        stopped = False
        try:
            with _sigterm_cancels_this_task() as sigterm:
                try:
                    await serving
                except asyncio.CancelledError:
                    stopped = True
                    if not sigterm.received:
                        raise
                    logger.info("SIGTERM: stopping")
                    _uncancel()
                finally:
                    # Still under our SIGTERM handler: a second SIGTERM does not cut the cleanup short.
                    await self._pump.wind_down(CLEANUP_S, cancel=stopped)
        finally:
            self.detach()


class _Signal:
    received = False


@contextlib.contextmanager
def _sigterm_cancels_this_task() -> Iterator[_Signal]:
    """While serving, SIGTERM cancels the serving task (as asyncio.run's Ctrl-C does). Only where
    nobody handles SIGTERM yet (the main thread of a Unix process, default action): an app's own
    handler, or its host's (uvicorn's), is left alone."""
    seen = _Signal()
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    restore: Callable[[], object] | None = None
    on_main_thread = threading.current_thread() is threading.main_thread()
    if task is not None and on_main_thread and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:

        def on_sigterm() -> None:
            if not seen.received:
                seen.received = True
                task.cancel()

        if sys.platform == "win32":
            # Windows loops have no add_signal_handler: a plain handler hands over to the loop.
            signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(on_sigterm))
            restore = lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL)  # noqa: E731
        else:
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
            restore = lambda: loop.remove_signal_handler(signal.SIGTERM)  # noqa: E731
    try:
        yield seen
    finally:
        if restore is not None:
            restore()


def _uncancel() -> None:
    """The serving task was cancelled by our SIGTERM handler: it goes on (and returns) as if not."""
    task = asyncio.current_task()
    uncancel = getattr(task, "uncancel", None)  # Python 3.11+; 3.10 does not count cancellations
    if uncancel is not None:
        uncancel()
