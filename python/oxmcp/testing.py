"""Testing helpers: `MockMcpClient` talks to a server in memory, through the same Rust
dispatcher as every real transport (no Python re-implementation of the protocol)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from oxmcp.exceptions import McpError, ToolError
from oxmcp.types import (
    BlobResourceContents,
    CallToolResult,
    GetPromptResult,
    Prompt,
    Resource,
    ResourceTemplate,
    TextResourceContents,
    Tool,
)

if TYPE_CHECKING:
    from oxmcp.server.mcp_server import McpServer

__all__ = ["MockMcpClient", "ToolError"]

MODERN = "2026-07-28"


class MockMcpClient:
    """An in-memory MCP client for unit tests::

        client = MockMcpClient(server)
        assert await client.call_tool("calculate_sum", {"a": 5, "b": 3}) == 8

    Args:
        server: The server under test (it need not be running).
        headers: Headers every request carries (what ``validate_request`` sees), e.g.
            ``{"Authorization": "Bearer t"}``.
        protocol_version: ``"2025-11-25"`` (default; an ``initialize`` handshake first), any other
            handshake-era revision, or ``"2026-07-28"`` (stateless: ``_meta`` on every request).
        client_info, capabilities: What the client declares.
    """

    def __init__(
        self,
        server: McpServer,
        *,
        headers: dict[str, str] | None = None,
        protocol_version: str = "2025-11-25",
        client_info: dict[str, Any] | None = None,
        capabilities: dict[str, Any] | None = None,
    ) -> None:
        self._server = server
        self._headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.protocol_version = protocol_version
        self._client_info = client_info or {"name": "oxmcp-mock-client", "version": "1.0"}
        self._capabilities = capabilities or {}
        self._conn: Any = None
        self.server_info: dict[str, Any] | None = None
        self.initialize_result: dict[str, Any] | None = None

    @property
    def is_modern(self) -> bool:
        return self.protocol_version >= MODERN

    async def _connection(self) -> Any:
        self._server._pump.attach()
        if self._conn is None:
            self._conn = self._server._core.connect_memory(self._headers)
            if not self.is_modern:
                result = await self._send(
                    "initialize",
                    {
                        "protocolVersion": self.protocol_version,
                        "capabilities": self._capabilities,
                        "clientInfo": self._client_info,
                    },
                )
                self.initialize_result = result
                self.server_info = result.get("serverInfo")
                self._conn.notify("notifications/initialized")
        return self._conn

    async def _send(self, method: str, params: dict[str, Any] | None, request_id: int | None = None) -> Any:
        if self.is_modern:
            params = dict(params or {})
            meta = dict(params.get("_meta") or {})
            meta.setdefault("io.modelcontextprotocol/protocolVersion", self.protocol_version)
            meta.setdefault("io.modelcontextprotocol/clientCapabilities", self._capabilities)
            meta.setdefault("io.modelcontextprotocol/clientInfo", self._client_info)
            params["_meta"] = meta
        answer = json.loads(
            await self._conn.request(method, None if params is None else json.dumps(params), request_id)
        )
        if "error" in answer:
            err = answer["error"]
            raise McpError(err["code"], err.get("message", ""), err.get("data"))
        return answer["result"]

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Sends any request; returns the raw result dict or raises `McpError`."""
        await self._connection()
        return await self._send(method, params)

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Sends a notification."""
        conn = await self._connection()
        conn.notify(method, None if params is None else json.dumps(params))

    async def ping(self) -> None:
        await self.request("ping" if not self.is_modern else "server/discover")

    # -- tools -------------------------------------------------------------------------------------
    async def list_tools(self) -> list[Tool]:
        return [Tool.from_dict(t) for t in await self._all_pages("tools/list", "tools")]

    async def call_tool_result(self, name: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
        """Calls a tool and returns the whole `CallToolResult` (no unwrapping, no ToolError)."""
        return CallToolResult.from_dict(
            await self.request("tools/call", {"name": name, "arguments": arguments or {}})
        )

    async def call_tool(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        """Calls a tool and returns its value: the structured result (unwrapped from
        ``{"result": ...}`` when the tool wraps it), else the text of a single text block, else
        the content blocks. Raises `ToolError` for an ``isError`` result and `McpError` for a
        JSON-RPC error."""
        result = await self.request("tools/call", {"name": name, "arguments": arguments or {}})
        content = result.get("content") or []
        if result.get("isError"):
            raise ToolError(content, result.get("structuredContent"))
        structured = result.get("structuredContent")
        if structured is not None:
            entry = self._server._tools.get(name)
            unwrap = entry.wraps if entry is not None and entry.output_schema is not None else True
            if unwrap and isinstance(structured, dict) and set(structured) == {"result"}:
                return structured["result"]
            return structured
        if not content:
            return None
        if len(content) == 1 and content[0].get("type") == "text":
            return content[0]["text"]
        return CallToolResult.from_dict(result).content

    # -- resources -----------------------------------------------------------------------------------
    async def list_resources(self) -> list[Resource]:
        return [Resource.from_dict(r) for r in await self._all_pages("resources/list", "resources")]

    async def list_resource_templates(self) -> list[ResourceTemplate]:
        items = await self._all_pages("resources/templates/list", "resourceTemplates")
        return [ResourceTemplate.from_dict(t) for t in items]

    async def read_resource(self, uri: str) -> list[TextResourceContents | BlobResourceContents]:
        """Reads a resource; returns its contents (text or blob)."""
        result = await self.request("resources/read", {"uri": uri})
        return [
            BlobResourceContents.from_dict(c) if "blob" in c else TextResourceContents.from_dict(c)
            for c in result.get("contents", [])
        ]

    # -- prompts -------------------------------------------------------------------------------------
    async def list_prompts(self) -> list[Prompt]:
        return [Prompt.from_dict(p) for p in await self._all_pages("prompts/list", "prompts")]

    async def get_prompt(self, name: str, arguments: dict[str, Any] | None = None) -> GetPromptResult:
        result = await self.request("prompts/get", {"name": name, "arguments": arguments or {}})
        return GetPromptResult.from_dict(result)

    # -- helpers -------------------------------------------------------------------------------------
    async def _all_pages(self, method: str, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            result = await self.request(method, {"cursor": cursor} if cursor else {})
            items.extend(result.get(key, []))
            cursor = result.get("nextCursor")
            if not cursor:
                return items

    async def __aenter__(self) -> MockMcpClient:
        await self._connection()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._conn = None
