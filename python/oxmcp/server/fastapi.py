"""FastAPI integration: ``create_mcp_router(server)`` returns an ``APIRouter`` to include.

::

    from fastapi import FastAPI
    from oxmcp.server.fastapi import create_mcp_router

    app = FastAPI()
    app.include_router(create_mcp_router(server), prefix="/mcp")

FastAPI is an optional dependency (``pip install oxmcp[fastapi]``); it is imported only here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oxmcp.server.asgi import McpAsgiApp

if TYPE_CHECKING:
    from fastapi import APIRouter

    from oxmcp.server._runtime import Served

__all__ = ["create_mcp_router"]


def create_mcp_router(server: Served, **options: Any) -> APIRouter:
    """A router whose single route (at the router's prefix) is the MCP endpoint of ``server``.

    GET, POST and DELETE go to the Rust endpoint (both protocol eras, sessions, Origin checks);
    ``options`` are those of `McpAsgiApp` (``allowed_origins``, ``cors``, ...).
    """
    try:
        from fastapi import APIRouter, Request
        from starlette.responses import Response
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("create_mcp_router needs FastAPI: pip install 'oxmcp[fastapi]'") from exc

    app = McpAsgiApp(server, **options)

    class _Passthrough(Response):
        """Hands the raw ASGI exchange (body unread, streaming answers) to the MCP app."""

        def __init__(self, request: Request) -> None:
            super().__init__()
            self._request = request

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await app(self._request.scope, self._request.receive, send)

    async def mcp_endpoint(request: Request) -> Response:
        return _Passthrough(request)

    # FastAPI reads annotations at runtime; these names are local, so give it the classes.
    mcp_endpoint.__annotations__ = {"request": Request, "return": Response}

    router = APIRouter()
    # An empty path: the route is the prefix itself (include_router(..., prefix="/mcp") -> /mcp).
    router.add_api_route(
        "", mcp_endpoint, methods=["GET", "POST", "DELETE", "OPTIONS"], include_in_schema=False
    )
    return router
