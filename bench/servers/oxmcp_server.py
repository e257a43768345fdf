"""Benchmark server built on oxmcp (stdio transport).

Exposes the same two tools as ``sdk_server.py`` so the driver can compare them directly.
"""

from oxmcp import McpServer

server = McpServer("bench")


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
