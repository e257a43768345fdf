"""JSON-RPC messages the tests send again and again: requests, the handshake and the stateless `_meta`."""

from __future__ import annotations

from typing import Any

from _support.eras import LEGACY, MODERN

__all__ = ["INITIALIZED", "LEGACY", "MODERN", "initialize_params", "modern_headers", "modern_meta", "request"]


INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def request(method: str, params: dict[str, Any] | None = None, id: Any = 1) -> dict[str, Any]:
    """A JSON-RPC request (``params`` always present, ``{}`` when not given)."""
    return {"jsonrpc": "2.0", "id": id, "method": method, "params": params or {}}


def initialize_params(version: str = LEGACY, client: str = "t") -> dict[str, Any]:
    """The params of a legacy ``initialize`` with no client capabilities."""
    return {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": client}}


def modern_meta(capabilities: dict[str, Any] | None = None, version: str = MODERN) -> dict[str, Any]:
    """The `_meta` a stateless request carries in place of a handshake."""
    return {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": {} if capabilities is None else capabilities,
    }


def modern_headers(method: str, name: str | None = None) -> dict[str, str]:
    """The HTTP routing headers of a stateless request (``mcp-name`` for calls that name something)."""
    headers = {"mcp-protocol-version": MODERN, "mcp-method": method}
    if name is not None:
        headers["mcp-name"] = name
    return headers
