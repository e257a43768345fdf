"""Exceptions of oxmcp.

`McpError` is a deliberate protocol answer, not a failure: raising it from a tool, resource or prompt
sends exactly that JSON-RPC error to the client. It derives from `BaseException` (as
`asyncio.CancelledError` does) so that a generic ``except Exception:`` block inside user code does not
swallow it and turn it into something else; `pytest.raises(McpError)` and ``except McpError`` work as usual.
"""

from __future__ import annotations

from typing import Any

__all__ = ["McpError", "ToolError", "ErrorCode"]


class ErrorCode:
    """JSON-RPC and MCP error codes."""

    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    RESOURCE_NOT_FOUND_LEGACY = -32002
    HEADER_MISMATCH = -32020
    MISSING_REQUIRED_CLIENT_CAPABILITY = -32021
    UNSUPPORTED_PROTOCOL_VERSION = -32022


class McpError(BaseException):
    """A JSON-RPC error with a code, a message and optional data.

    Raise it anywhere in a tool, resource or prompt function and the client receives this error::

        raise McpError(code=-32600, message="Division by zero is not allowed", data={"a": a, "b": b})
    """

    def __init__(self, code: int = ErrorCode.INTERNAL_ERROR, message: str = "", data: Any = None) -> None:
        if not isinstance(code, int) or isinstance(code, bool):
            raise TypeError(f"McpError code must be an int, got {type(code).__name__}")
        super().__init__(code, message, data)
        self.code = code
        self.message = str(message)
        self.data = data

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def __repr__(self) -> str:
        return f"McpError(code={self.code!r}, message={self.message!r}, data={self.data!r})"

    def to_dict(self) -> dict[str, Any]:
        """The JSON-RPC error object."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out


class ToolError(Exception):
    """A tool's failure, as a result with ``isError: true``.

    Raise it from a tool with a message, as in other MCP frameworks: ``raise ToolError("no such
    city")``. `oxmcp.testing.MockMcpClient` raises it when a tool answered with ``isError: true``.

    ``content`` holds the result's content blocks (dicts; a str is one text block); ``message``
    joins their text.
    """

    def __init__(self, content: str | list[Any] | Any = None, structured_content: Any = None) -> None:
        self.content = _content_blocks(content)
        self.structured_content = structured_content
        self.message = "\n".join(c.get("text", "") for c in self.content if c.get("type") == "text")
        super().__init__(self.message or "tool returned an error")


def _content_blocks(content: Any) -> list[dict[str, Any]]:
    """Content blocks as wire dicts: a str is a text block; content objects give their dict."""
    if content is None:
        return []
    items = content if isinstance(content, (list, tuple)) else [content]
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            out.append({"type": "text", "text": item})
        elif isinstance(item, dict):
            out.append(item)
        elif callable(getattr(item, "to_dict", None)):
            out.append(item.to_dict())
        else:
            out.append({"type": "text", "text": str(item)})
    return out
