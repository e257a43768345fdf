"""The MIME types a ``resources/list`` override declares, read back on ``resources/read``.

A resource registered without ``mime_type`` whose function returns a plain str, bytes, dict or
`TextContent` would be read as text/plain (or application/octet-stream, application/json) even
when the listing says otherwise. So the registry wraps the override to note the ``mimeType`` it
declares per URI, and wraps such a resource's function to set that type on its entry before the
result is shaped. When no listing has run yet, the first read consults the override once.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from oxmcp._registration import Entry
from oxmcp.types import to_wire

__all__ = ["ListedMimeTypes"]

logger = logging.getLogger("oxmcp")


class ListedMimeTypes:
    """What the current ``resources/list`` override declares (see the module docs)."""

    __slots__ = ("_listing", "_types")

    def __init__(self) -> None:
        self._listing: Callable[[], Any] | None = None
        self._types: dict[str, str] | None = None  # None: the override has not run yet

    def watch(self, listing: Callable[[], Any]) -> Callable[[], Any]:
        """The override to register instead of ``listing``: the same answer, noted on the way."""
        self._listing, self._types = listing, None

        def noting() -> Any:
            value = listing()
            if inspect.isawaitable(value):
                return _then(value, self._note)
            return self._note(value)

        return noting

    def reading(self, entry: Entry, uri: str) -> Callable[..., Any]:
        """The function to call instead of ``entry.fn`` for the static resource ``uri``."""
        fn = entry.fn

        def read(**kwargs: Any) -> Any:
            value = fn(**kwargs)
            if self._listing is None:
                return value
            if self._types is None:  # no listing yet: ask the override first (an await away)
                return self._read_after_listing(entry, uri, value)
            entry.mime_type = self._types.get(uri)
            return value

        return read

    def _note(self, items: Any) -> Any:
        types: dict[str, str] = {}
        for item in items or []:
            listed = to_wire(item)
            if isinstance(listed, dict) and isinstance(listed.get("mimeType"), str):
                types[str(listed.get("uri"))] = listed["mimeType"]
        self._types = types
        return items

    async def _read_after_listing(self, entry: Entry, uri: str, value: Any) -> Any:
        if inspect.isawaitable(value):
            value = await value
        listing = self._listing
        if self._types is None and listing is not None:
            try:
                items = listing()
                if inspect.isawaitable(items):
                    items = await items
                self._note(items)
            except Exception:  # noqa: BLE001 - a failing listing must not fail the read
                logger.warning("the resources/list override failed; %r is read without its MIME type", uri)
        entry.mime_type = (self._types or {}).get(uri)
        return value


async def _then(awaitable: Any, after: Callable[[Any], Any]) -> Any:
    return after(await awaitable)
