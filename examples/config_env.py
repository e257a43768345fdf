"""The seed guide's environment-variable configuration (section "Environment Variables").

Copied from the seed; the seed's snippet has no import of `McpServer` (nor the stdio entry point),
so ``from oxmcp import McpServer`` and ``import asyncio`` are added. The values are read when the
module is imported: ``SERVER_NAME=my-server python examples/config_env.py``.
"""

import asyncio
import os
from dataclasses import dataclass

from oxmcp import McpServer


@dataclass
class ServerConfig:
    name: str = os.getenv("SERVER_NAME", "default-server")
    debug: bool = os.getenv("DEBUG", "false").lower() == "true"
    api_key: str = os.getenv("API_KEY", "")
    database_url: str = os.getenv("DATABASE_URL", "")
    max_connections: int = int(os.getenv("MAX_CONNECTIONS", "100"))


config = ServerConfig()
server = McpServer(config.name)

if __name__ == "__main__":
    asyncio.run(server.run_stdio())
