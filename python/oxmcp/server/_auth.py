"""The Python half of the authentication gate: a server's ``validate_request`` is also called once
per HTTP request, WebSocket upgrade and SSE stream opened, with ``{"method": None, "params": None,
"headers": {...}}``, before anything else of that request is read. What it returns there names the
caller (the principal that owns sessions, streams and tasks); when it returns None, the principal is
a digest of the credentials it read.

Which credentials it read is recorded by `SeenHeaders`, the dict it gets as ``headers``: every name
looked up (``[]``, ``get``, ``in``, ``pop``) counts; iterating the whole dict counts as reading the
usual credential headers (`CREDENTIAL_HEADERS`). Headers that change from one request of a client
to the next (`PER_REQUEST_HEADERS`, ``mcp-param-*``) never count, so a client's GET, POST and DELETE
are the same caller. A validator that reads nothing admits anonymous callers (no principal).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

__all__ = ["CREDENTIAL_HEADERS", "PER_REQUEST_HEADERS", "SeenHeaders", "gate_validator", "principal_of"]

CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
"""What a validator that iterates the headers is taken to have read."""

PER_REQUEST_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "content-type",
        "transfer-encoding",
        "upgrade",
        "last-event-id",
        "mcp-method",
        "mcp-name",
        "mcp-protocol-version",
        "mcp-session-id",
        "sec-websocket-extensions",
        "sec-websocket-key",
        "sec-websocket-protocol",
        "sec-websocket-version",
    }
)
"""Headers that differ between requests of one client: never part of the digest."""


class SeenHeaders(dict[str, str]):
    """The request's headers (lower-case names), recording which ones the validator read."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__(headers)
        self.seen: set[str] = set()

    def _saw(self, key: object) -> None:
        if isinstance(key, str):
            self.seen.add(key.lower())

    def __getitem__(self, key: str) -> str:
        self._saw(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._saw(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._saw(key)
        return super().__contains__(key)

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        self._saw(key)
        return super().pop(key, *default)

    def _saw_all(self) -> None:
        self.seen |= CREDENTIAL_HEADERS

    def __iter__(self) -> Iterator[str]:
        self._saw_all()
        return super().__iter__()

    def keys(self) -> Any:
        self._saw_all()
        return super().keys()

    def values(self) -> Any:
        self._saw_all()
        return super().values()

    def items(self) -> Any:
        self._saw_all()
        return super().items()

    def copy(self) -> dict[str, str]:
        self._saw_all()
        return dict(super().items())


def _counts(name: str) -> bool:
    return name not in PER_REQUEST_HEADERS and not name.startswith("mcp-param-")


def principal_of(value: object, headers: SeenHeaders) -> str | None:
    """The caller's principal: ``str(value)`` when the validator returned something, else
    ``"sha256:<hex>"`` over the names and values of the credentials it read (None if none)."""
    if value is not None:
        return str(value)
    names = sorted(n for n in headers.seen if _counts(n) and dict.__contains__(headers, n))
    if not names:
        return None
    digest = hashlib.sha256()
    for name in names:
        digest.update(
            name.encode() + b"\0" + dict.__getitem__(headers, name).encode("utf-8", "replace") + b"\0"
        )
    return "sha256:" + digest.hexdigest()


def gate_validator(fn: Callable[[dict[str, Any]], Any], is_async: bool) -> Callable[[dict[str, Any]], Any]:
    """Wraps ``validate_request`` for the core: at the gate (``method`` None) its headers are a
    `SeenHeaders` and the answer is the principal; before a JSON-RPC request it runs as written."""
    if is_async:

        async def validate_async(request: dict[str, Any]) -> str | None:
            if request.get("method") is not None:
                await _awaited(fn(request))
                return None
            headers = request["headers"] = SeenHeaders(request.get("headers") or {})
            return principal_of(await _awaited(fn(request)), headers)

        return validate_async

    def validate(request: dict[str, Any]) -> str | None:
        if request.get("method") is not None:
            fn(request)
            return None
        headers = request["headers"] = SeenHeaders(request.get("headers") or {})
        return principal_of(fn(request), headers)

    return validate


async def _awaited(value: Awaitable[Any] | Any) -> Any:
    return await value if isinstance(value, Awaitable) else value
