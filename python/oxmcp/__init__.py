"""oxmcp: Model Context Protocol servers in Python, with the protocol engine in Rust.

::

    from oxmcp import McpServer

    server = McpServer("my-tool-server")

    @server.tool()
    async def calculate_sum(a: float, b: float) -> float:
        \"\"\"Calculate the sum of two numbers.\"\"\"
        return a + b

    if __name__ == "__main__":
        server.run()
"""

from oxmcp import types
from oxmcp._core import __version__
from oxmcp.context import Context
from oxmcp.exceptions import ErrorCode, McpError, ToolError
from oxmcp.server.mcp_server import McpServer

__all__ = ["Context", "ErrorCode", "McpError", "McpServer", "ToolError", "__version__", "types"]
