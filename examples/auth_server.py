"""The seed guide's server with authentication (section 4), served over stdio.

Copied from the seed; only ``mcp`` -> ``oxmcp`` in the imports (and the stdio entry point added).
The API key comes from the ``API_KEY`` environment variable. Over stdio there are no headers, so
every request is rejected; over HTTP (or ``MockMcpClient(server, headers=...)``) send
``Authorization: Bearer <API_KEY>``.
"""

import asyncio
import os

from oxmcp import McpServer
from oxmcp.types import Tool  # noqa: F401 - imported by the seed


class AuthenticatedServer(McpServer):
    def __init__(self, name: str):
        super().__init__(name)
        self.api_key = os.getenv("API_KEY")

    async def validate_request(self, request):
        """Validate incoming requests."""
        # Add your authentication logic here
        auth_header = request.get("headers", {}).get("authorization")
        if not auth_header or not auth_header.startswith("Bearer "):
            raise Exception("Authentication required")

        token = auth_header.split(" ")[1]
        if token != self.api_key:
            raise Exception("Invalid token")


server = AuthenticatedServer("secure-server")


@server.tool()
async def sensitive_operation(data: str) -> str:
    """Perform a sensitive operation that requires authentication."""
    return f"Processed: {data}"


if __name__ == "__main__":
    asyncio.run(server.run_stdio())
