"""Micro-benchmark of the Python -> JSON conversion of plain values (the tool-result hot path).

    .venv/bin/python bench/value_conversion.py

Prints microseconds per conversion (best of 5 rounds) for a small and a larger plain payload
through ``_core.tool_result`` (conversion of the value into the core, and back), a payload of known
non-JSON types through ``_results.tool_result``, and the round trip of an in-process ``tools/call``
returning the small payload.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import timeit
import uuid

from oxmcp import McpServer, _core, _results
from oxmcp.testing import MockMcpClient

SMALL = {"id": 7, "name": "widget", "ok": True, "price": 9.5, "tags": ["a", "b", "c"], "owner": None}
ROWS = range(200)
LARGE = {"rows": [{"id": i, "name": f"row {i}", "score": i * 0.5, "flags": [True, False]} for i in ROWS]}


def per_call_us(fn: object, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6  # type: ignore[arg-type]


def main() -> None:
    for name, payload, number in (("small", SMALL, 20000), ("large", LARGE, 200)):
        parts = ("value", payload, None, True)
        us = per_call_us(lambda: _core.tool_result(parts, False), number)  # noqa: B023
        print(f"tool_result {name:5s}: {us:8.2f} us")

    rows = [{"i": i, "t": (i, i)} for i in ROWS]
    mixed = {"when": dt.datetime(2024, 1, 2), "id": uuid.UUID(int=5), "rows": rows}
    us = per_call_us(lambda: _results.tool_result(mixed, False), 500)
    print(f"tool_result mixed: {us:8.2f} us (datetime, UUID, tuples: the known-types path)")

    server = McpServer("bench")

    @server.tool()
    async def small() -> dict:
        return SMALL

    async def calls(n: int) -> float:
        async with MockMcpClient(server) as client:
            for _ in range(200):
                await client.call_tool("small")
            best = float("inf")
            for _ in range(5):
                start = time.perf_counter()
                for _ in range(n):
                    await client.call_tool("small")
                best = min(best, (time.perf_counter() - start) / n * 1e6)
            return best

    print(f"tools/call small (in-process): {asyncio.run(calls(2000)):8.2f} us")


if __name__ == "__main__":
    main()
