"""The MCP endpoint as an ASGI application, for mounting in Starlette, FastAPI or any ASGI host.

::

    from starlette.applications import Starlette
    from starlette.routing import Mount

    app = Starlette(routes=[Mount("/mcp", app=server.asgi_app())])

Requests are handed to the same Rust endpoint as ``server.run(transport="http")`` (both protocol
eras, sessions, Origin checks); no lifespan wiring is needed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from oxmcp.server._runtime import Served, runtime_of

__all__ = ["McpAsgiApp"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class McpAsgiApp:
    """An ASGI app serving one `McpServer`'s MCP endpoint (see the module docs).

    Args:
        server: The server to expose.
        allowed_hosts: ``Host`` names to accept (default: any; the host app decides).
        allowed_origins: Browser origins to accept besides loopback ones (``"*"`` for any).
        cors: Answer CORS preflights and expose ``Mcp-Session-Id`` to allowed origins.
        session_idle_timeout: Seconds after which an idle handshake-era session ends.
        max_sessions: Bound on open sessions.
    """

    def __init__(
        self,
        server: Served,
        *,
        allowed_hosts: list[str] | None = None,
        allowed_origins: list[str] | None = None,
        cors: bool = False,
        session_idle_timeout: float = 1800.0,
        max_sessions: int = 10_000,
    ) -> None:
        self.server = server
        self._limit = server.max_message_bytes
        self._runtime = runtime_of(server)
        self._app = self._runtime.http_app(
            allowed_hosts=list(allowed_hosts or []),
            allowed_origins=list(allowed_origins or []),
            cors=cors,
            session_idle_timeout_s=float(session_idle_timeout),
            max_sessions=max_sessions,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"oxmcp's ASGI app serves HTTP, not {scope['type']!r}")
        self._runtime.attach()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        # The authentication gate runs on the headers before the body is read (issue 9).
        admission = await self._app.admit(scope["method"], headers)
        refusal = admission.refusal()
        if refusal is not None:
            await _send_whole(
                send, refusal.status, b"".join([c async for c in _chunks(refusal)]), refusal.headers
            )
            return
        body = await _read_body(receive, self._limit)
        if body is None:  # over the limit: refuse without reading the rest into memory
            await _send_whole(
                send,
                413,
                b'{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":'
                b'"Invalid request: message too large"}}',
            )
            return
        response = await self._app.handle(scope["method"], headers, body, admission)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers],
            }
        )
        try:
            while (chunk := await response.next_chunk()) is not None:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            response.close()


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_whole(
    send: Send, status: int, body: bytes, headers: list[tuple[str, str]] | None = None
) -> None:
    raw = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in headers or [("content-type", "application/json")]
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _chunks(response: Any) -> Any:
    while (chunk := await response.next_chunk()) is not None:
        yield chunk


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop: acknowledge the host's lifespan events."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
