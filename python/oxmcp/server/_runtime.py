"""The engine serving one server: the Rust core plus the pump that runs user functions on the
asyncio loop. `McpServer`'s run loops, the ASGI and WebSocket runners and `MockMcpClient` serve
through this narrow interface (`runtime_of(server)`), never through the server's other members."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from oxmcp import _core
from oxmcp._pump import Pump

__all__ = ["Runtime", "Served", "runtime_of"]


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
        self.attach()
        try:
            await self.core.serve_stdio(write_timeout_s=float(write_timeout))
        finally:
            self.detach()

    async def serve_http(self, on_listening: Callable[[str], None], *args: Any, **options: Any) -> None:
        """Serves `ServerCore.serve_http(*args, **options)` until cancelled; ``on_listening``
        gets the bound address."""
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
            await serving
        finally:
            self.detach()
