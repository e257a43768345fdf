"""The server the time-bound tests run as a subprocess (tests/test_timing*.py).

Tools leave marker files in ``$MARKS`` (``TAG.started``, ``TAG.cancelled``, ``TAG.finally``,
``TAG.returned``) so a test can tell what ran and what cleanup happened. ``$TRANSPORT`` picks stdio
(default; "ready" on stderr), ``http`` or ``websocket`` (announcing their URL), or ``asgi`` (a
FastAPI app under uvicorn, announcing ``PORT n``); ``$WORKERS`` sets ``sync_workers`` and
``$DEFAULT_TIMEOUT`` ``tool_timeout``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

from oxmcp import McpServer

MARKS = Path(os.environ["MARKS"])
default = os.environ.get("DEFAULT_TIMEOUT")
server = McpServer(
    "timing",
    sync_workers=int(os.environ.get("WORKERS", "40")),
    tool_timeout=float(default) if default else None,
)


def mark(name: str) -> None:
    (MARKS / name).touch()


@server.tool(timeout=0.5)
async def slow_async(tag: str, seconds: float = 30) -> str:
    """Sleeps; times out after 0.5 s."""
    mark(f"{tag}.started")
    try:
        await asyncio.sleep(seconds)
        return "done"
    except asyncio.CancelledError:
        mark(f"{tag}.cancelled")
        raise
    finally:
        mark(f"{tag}.finally")


@server.tool(timeout=0.5)
def slow_sync(tag: str, seconds: float = 2) -> str:
    """Blocks its worker thread; times out after 0.5 s."""
    mark(f"{tag}.started")
    time.sleep(seconds)
    mark(f"{tag}.returned")
    return "done"


@server.tool()
def busy(tag: str, seconds: float = 0) -> str:
    """Blocks its worker thread (no timeout of its own)."""
    mark(f"{tag}.started")
    time.sleep(seconds)
    return "done"


@server.tool()
async def wait_async(tag: str, seconds: float = 30) -> str:
    """Sleeps (no timeout of its own)."""
    mark(f"{tag}.started")
    try:
        await asyncio.sleep(seconds)
        return "done"
    except asyncio.CancelledError:
        mark(f"{tag}.cancelled")
        raise
    finally:
        mark(f"{tag}.finally")


@server.tool(timeout=5)
async def overridden(seconds: float) -> str:
    """Its own timeout (5 s) wins over the server's."""
    await asyncio.sleep(seconds)
    return "ok"


@server.tool()
async def add(a: int, b: int) -> int:
    return a + b


if __name__ == "__main__":  # imported by `oxmcp run`, which serves `server` itself
    transport = os.environ.get("TRANSPORT", "stdio")
    if transport == "http":
        server.run("http", port=0)
    elif transport == "websocket":
        server.run("websocket", port=0)
    elif transport == "asgi":
        import uvicorn
        from fastapi import FastAPI
        from oxmcp.server.fastapi import create_mcp_router

        app = FastAPI()
        app.include_router(create_mcp_router(server), prefix="/mcp")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        print(f"PORT {sock.getsockname()[1]}", file=sys.stderr, flush=True)
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
    else:
        print("ready", file=sys.stderr, flush=True)
        server.run()
