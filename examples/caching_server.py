"""The seed guide's caching server (section "Caching"), served over stdio.

Copied from the seed; the seed's snippet has no import of `McpServer` (nor the stdio entry point),
so ``from oxmcp import McpServer`` is added, and it never defines ``actually_expensive_operation``,
so a small one is defined below (it counts its calls, to make the cache observable).
"""

import asyncio
from datetime import datetime, timedelta
from functools import lru_cache  # noqa: F401 - imported by the seed

from oxmcp import McpServer


class CachedServer(McpServer):
    def __init__(self, name: str):
        super().__init__(name)
        self._cache = {}
        self._cache_ttl = {}

    async def cached_call(self, key: str, func, ttl_seconds: int = 300):
        """Cache function results with TTL."""
        now = datetime.now()

        if key in self._cache:
            if now < self._cache_ttl[key]:
                return self._cache[key]

        result = await func()
        self._cache[key] = result
        self._cache_ttl[key] = now + timedelta(seconds=ttl_seconds)

        return result


server = CachedServer("cached-server")


# Not in the seed (which leaves it undefined): a stand-in for the slow work being cached.
computations = 0


async def actually_expensive_operation(query: str) -> str:
    global computations
    computations += 1
    await asyncio.sleep(0.01)
    return f"result for {query!r} (computation #{computations})"


@server.tool()
async def expensive_operation(query: str) -> str:
    """Perform expensive operation with caching."""
    return await server.cached_call(
        f"expensive:{query}", lambda: actually_expensive_operation(query), ttl_seconds=600
    )


if __name__ == "__main__":
    asyncio.run(server.run_stdio())
