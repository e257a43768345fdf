"""The seed guide's "Async Best Practices" section.

One deviation from the guide: aiohttp >= 3.10 refuses to create a connector outside a running
event loop, so the guide's module-level `aiohttp.TCPConnector(...)` / `ClientSession(...)` fail at
import time under any framework. The pooled session is created on first use instead.
"""

import asyncio

import aiohttp
from oxmcp import McpServer

server = McpServer("optimized-server")

_session: aiohttp.ClientSession | None = None


def get_session() -> aiohttp.ClientSession:
    """Use connection pooling for external APIs (created inside the running loop)."""
    global _session
    if _session is None:
        connector = aiohttp.TCPConnector(limit=100, limit_per_host=30)
        _session = aiohttp.ClientSession(connector=connector)
    return _session


@server.tool()
async def fetch_data(url: str) -> str:
    """Fetch data from external API efficiently."""
    async with get_session().get(url) as response:
        return await response.text()


@server.tool()
async def batch_process(items: list) -> list:
    """Process multiple items concurrently."""
    tasks = [process_single_item(item) for item in items]
    return await asyncio.gather(*tasks)


async def process_single_item(item):
    """Process a single item."""
    # Simulate processing
    await asyncio.sleep(0.1)
    return f"processed: {item}"


if __name__ == "__main__":
    asyncio.run(server.run_stdio())
