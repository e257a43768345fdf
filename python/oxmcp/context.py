"""`Context`: facts about the current request, injected into any tool, resource or prompt
function that declares a parameter annotated ``Context`` (it never appears in the schema)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oxmcp._core import Job
    from oxmcp.server.mcp_server import McpServer

__all__ = ["Context"]


class Context:
    """The request being served::

    @server.tool()
    async def whoami(ctx: Context) -> str:
        return f"request {ctx.request_id} from {ctx.client_info}"
    """

    __slots__ = ("_job", "_server")

    def __init__(self, job: Job, server: McpServer | None) -> None:
        self._job = job
        self._server = server

    @property
    def server(self) -> McpServer | None:
        """The server handling the request."""
        return self._server

    @property
    def request_id(self) -> int | str:
        """The JSON-RPC id of the request."""
        return self._job.request_id

    @property
    def method(self) -> str:
        """The MCP method, e.g. ``tools/call``."""
        return self._job.method

    @property
    def protocol_version(self) -> str:
        """The protocol revision this request is served under."""
        return self._job.protocol_version

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers of the request (lower-case names); empty on stdio."""
        return self._job.headers

    @property
    def meta(self) -> dict[str, Any] | None:
        """``params._meta`` of the request."""
        return self._job.meta

    @property
    def client_info(self) -> dict[str, Any] | None:
        """The client's ``Implementation`` (name, version, ...), if it said."""
        return self._job.client_info

    @property
    def client_capabilities(self) -> dict[str, Any]:
        """The capabilities the client declared for this request."""
        return self._job.client_capabilities

    @property
    def is_cancelled(self) -> bool:
        """True once the client cancelled this request."""
        return self._job.cancelled

    def __repr__(self) -> str:
        return f"Context(request_id={self.request_id!r}, method={self.method!r})"
