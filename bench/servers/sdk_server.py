"""Benchmark server built on the official MCP Python SDK (stdio transport).

Exposes the same two tools as ``oxmcp_server.py`` so the driver can compare them directly.
"""

from mcp.server.mcpserver import MCPServer

# Default settings, as a user would write it (it logs nothing per request at the default level).
server = MCPServer("bench")


@server.tool()
async def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


@server.tool()
async def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


if __name__ == "__main__":
    server.run()
