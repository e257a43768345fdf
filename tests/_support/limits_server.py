"""A server for the connection and session limit tests: ``python limits_server.py OPTIONS_JSON
[NOFILE]`` serves `run_http(port=0, **OPTIONS)` with tools `add` and `sleep`; with NOFILE, the
process may open at most that many files (to run it out of descriptors)."""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import sys

from oxmcp import McpServer

server = McpServer("limits")


@server.tool()
def add(a: int, b: int) -> int:
    return a + b


@server.tool()
async def sleep(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "slept"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    if len(sys.argv) > 2:
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[2]), hard))
    asyncio.run(server.run_http(port=0, **json.loads(sys.argv[1])))
