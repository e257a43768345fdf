"""The seed guide's resource server (section 2), served over stdio.

Copied from the seed; only ``mcp`` -> ``oxmcp`` in the imports (and the stdio entry point added).
"""

import asyncio
import json

from oxmcp import McpServer
from oxmcp.types import Resource, TextContent

server = McpServer("resource-server")


@server.resource("config://app")
async def get_app_config():
    """Provide application configuration."""
    config = {"app_name": "My Application", "version": "1.0.0", "features": ["auth", "api", "database"]}
    return TextContent(type="text", text=json.dumps(config, indent=2))


@server.list_resources()
async def list_available_resources():
    """List all available resources."""
    return [
        Resource(
            uri="config://app",
            name="Application Configuration",
            description="Main application configuration",
            mimeType="application/json",
        )
    ]


if __name__ == "__main__":
    asyncio.run(server.run_stdio())
