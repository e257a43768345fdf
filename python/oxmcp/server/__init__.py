"""The server object and its transports. `McpServer` is also exported from `oxmcp`."""

from oxmcp.server.mcp_server import McpServer

__all__ = ["McpServer"]
