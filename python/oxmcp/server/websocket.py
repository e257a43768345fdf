"""MCP over WebSocket: one JSON-RPC message per text frame, served by the Rust core.

    import asyncio
    from oxmcp import McpServer
    from oxmcp.server.websocket import run_websocket_server

    server = McpServer("my-server")

    if __name__ == "__main__":
        asyncio.run(run_websocket_server(server, host="0.0.0.0", port=8080))

Each connection is its own session: the client sends ``initialize`` first (requests carrying the
2026-07-28 ``_meta`` protocol version are also served statelessly, per message). The subprotocol
``mcp`` is selected when the client offers it; clients offering none are accepted too. Binary
frames are answered with JSON-RPC error -32600; a message larger than the server's
``max_message_bytes`` closes the connection with code 1009. Closing the socket cancels that
session's requests in flight. The upgrade request's headers are what `McpServer.validate_request`
sees (e.g. ``authorization``).
"""

from __future__ import annotations

import sys

from oxmcp.server._runtime import Served, runtime_of

__all__ = ["run_websocket_server"]


async def run_websocket_server(
    server: Served,
    host: str = "127.0.0.1",
    port: int = 8080,
    path: str = "/",
    *,
    allowed_hosts: list[str] | None = None,
    allowed_origins: list[str] | None = None,
    max_connections: int = 10_000,
    ping_interval: float = 30.0,
    write_timeout: float = 30.0,
    announce: bool = True,
) -> None:
    """Serves `server` over WebSocket on ``ws://host:port/path`` until cancelled.

    The socket is bound before the first ``await`` returns control, so bind errors raise here
    (`OSError`). While serving, ``server.url`` holds the ``ws://`` URL (with the actual port when
    ``port=0``).

    Args:
        server: The `McpServer` to serve.
        host: Interface to bind; the default 127.0.0.1 keeps the server local.
        port: TCP port (0 picks a free one).
        path: The path upgrades are accepted on (others get 404).
        allowed_hosts: Extra ``Host`` names to accept (on loopback, only loopback names are).
        allowed_origins: Browser origins to accept (``"*"`` for any); loopback origins are
            accepted on loopback. Any other ``Origin`` gets 403 on the upgrade (DNS-rebinding
            protection, as for HTTP).
        max_connections: Open connections beyond this are refused with 503.
        ping_interval: Seconds between server pings; a peer silent for two intervals is closed.
        write_timeout: Seconds a client may read nothing while output waits (at most 4 MiB is
            queued per connection) before it is disconnected.
        announce: Print the URL to stderr once listening.
    """

    def listening(address: str) -> None:
        server.url = f"ws://{address}{path}"
        if announce:
            print(
                f"oxmcp: {server.name} serving MCP over WebSocket on {server.url}",
                file=sys.stderr,
                flush=True,
            )

    await runtime_of(server).serve_websocket(
        listening,
        host,
        port,
        path,
        allowed_hosts=list(allowed_hosts or []),
        allowed_origins=list(allowed_origins or []),
        max_connections=max_connections,
        ping_interval_s=float(ping_interval),
        write_timeout_s=float(write_timeout),
    )
