"""The seed guide's configuration-file setup (section "Configuration File").

Copied from the seed; the seed's snippet has no import of `McpServer` (nor the stdio entry point),
so ``from oxmcp import McpServer`` and ``import asyncio`` are added. ``server_config.json`` is read
from the current directory, e.g. ``{"name": "my-server"}``.
"""

import asyncio
import json
from pathlib import Path

from oxmcp import McpServer


def load_config(config_path: str = "server_config.json"):
    """Load server configuration from file."""
    config_file = Path(config_path)
    if config_file.exists():
        with open(config_file) as f:
            return json.load(f)
    return {}


config = load_config()
server = McpServer(config.get("name", "default-server"))

if __name__ == "__main__":
    asyncio.run(server.run_stdio())
