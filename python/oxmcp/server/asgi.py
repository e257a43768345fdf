"""The MCP endpoint as an ASGI application, for mounting in Starlette, FastAPI or any ASGI host.

::

    from starlette.applications import Starlette
    from starlette.routing import Mount

    app = Starlette(routes=[Mount("/mcp", app=server.asgi_app())])

Requests are handed to the same Rust endpoint as ``server.run(transport="http")`` (both protocol
eras, sessions, Origin checks); no lifespan wiring is needed.

The app listens for ``http.disconnect`` while it waits for an answer or streams one: a client that
goes away cancels its stateless call and ends its listen or GET stream. Open streams also end when
the host shuts down (uvicorn's exit flag is watched; other hosts call `McpAsgiApp.close_streams`),
so SIGTERM is not held up by them.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from oxmcp.server._runtime import Served, runtime_of

__all__ = ["McpAsgiApp"]

logger = logging.getLogger("oxmcp.server")

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
        self._exit = _HostExit()

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
        if body is _GONE:
            return  # the client left before its request was complete
        if body is None:  # over the limit: refuse without reading the rest into memory
            await _send_whole(
                send,
                413,
                b'{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":'
                b'"Invalid request: message too large"}}',
            )
            return
        # The client may go away at any time: `receive()` says so (http.disconnect) while we wait
        # for the answer or stream it, and dropping the core's response cancels what it was for.
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            response = await _unless(self._app.handle(scope["method"], headers, body, admission), gone)
            if response is None:
                return  # a stateless call's exchange dropped: the core cancels the call
            await self._respond(response, send, gone)
        finally:
            gone.cancel()

    async def _respond(self, response: Any, send: Send, gone: asyncio.Future[None]) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers],
            }
        )
        streaming = any(
            k == "content-type" and v.startswith("text/event-stream") for k, v in response.headers
        )
        stop: asyncio.Future[None] = gone
        if streaming:  # long-lived: also ends when the host shuts down (see _HostExit)
            stop = self._exit.stream_stop(gone)
        try:
            while True:
                # A JSON answer is whole already; only a stream waits on its client.
                chunk = await (_unless(response.next_chunk(), stop) if streaming else response.next_chunk())
                if chunk is None:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if not gone.done():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            response.close()
            if stop is not gone:
                self._exit.release(stop)

    def close_streams(self) -> None:
        """Ends every stream this app has open (GET streams, listen streams, streamed answers), as
        the host shutting down does. For hosts whose shutdown the app cannot see (see the module
        docs); call it on the loop serving the app."""
        self._exit.trigger()


_GONE: Any = object()


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body; None when over ``limit``; `_GONE` when the client left first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return _GONE  # type: ignore[no-any-return]
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _disconnected(receive: Receive) -> None:
    """Returns once the client has gone (the request body was already read)."""
    try:
        while (await receive())["type"] != "http.disconnect":
            pass
    except Exception:  # noqa: BLE001 - a host that cannot receive any more: the client is gone too
        logger.debug("receive() failed while waiting for http.disconnect", exc_info=True)


async def _unless(awaitable: Awaitable[Any], stop: asyncio.Future[None]) -> Any:
    """``awaitable``'s result, or None (and it is cancelled) once ``stop`` is done first."""
    work = asyncio.ensure_future(awaitable)
    try:
        if not stop.done():
            await asyncio.wait((work, stop), return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # the host cancelled us: the core's side goes too
        work.cancel()
        raise
    if work.done():
        return work.result()
    work.cancel()
    return None


class _HostExit:
    """Ends long-lived streams when the ASGI host shuts down.

    ASGI tells an app nothing while its responses are open (uvicorn waits for them to end before
    its lifespan shutdown, so an open GET stream would hold it forever). While a stream is open,
    this polls every `POLL_S` for the host's exit flag: the ``should_exit`` of uvicorn's server (and
    servers built on it), found on its signal handler as sse-starlette finds it. Other hosts can
    call `McpAsgiApp.close_streams`.
    """

    POLL_S = 0.25

    def __init__(self) -> None:
        self._stops: set[asyncio.Future[None]] = set()
        self._poller: asyncio.Task[None] | None = None

    def stream_stop(self, gone: asyncio.Future[None]) -> asyncio.Future[None]:
        """A future done when the client has gone or the host exits (`release` it when done)."""
        loop = asyncio.get_running_loop()
        stop: asyncio.Future[None] = loop.create_future()
        gone.add_done_callback(lambda _: _settle(stop))
        self._stops.add(stop)
        if self._poller is None or self._poller.done() or self._poller.get_loop() is not loop:
            self._poller = loop.create_task(self._poll())
        return stop

    def release(self, stop: asyncio.Future[None]) -> None:
        self._stops.discard(stop)
        if not stop.done():
            stop.cancel()

    def trigger(self) -> None:
        for stop in list(self._stops):
            _settle(stop)

    async def _poll(self) -> None:
        while self._stops:
            if _host_exiting():
                logger.info("the ASGI host is shutting down: ending %d open stream(s)", len(self._stops))
                self.trigger()
                return
            await asyncio.sleep(self.POLL_S)


def _settle(stop: asyncio.Future[None]) -> None:
    if not stop.done():
        stop.set_result(None)


def _host_exiting() -> bool:
    """Whether the host that installed the process's SIGTERM/SIGINT handler (uvicorn's `Server`)
    is shutting down."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        host = getattr(signal.getsignal(sig), "__self__", None)
        if getattr(host, "should_exit", False) is True:
            return True
    return False


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
