"""The seed's "Async Best Practices" section: work inside a tool runs concurrently."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("aiohttp")

from oxmcp.testing import MockMcpClient  # noqa: E402

EXAMPLE = "async_best_practices"  # the `example` and `client` fixtures (conftest) load it


@pytest.mark.asyncio
async def test_batch_process_gathers_concurrently(client: MockMcpClient) -> None:
    started = time.perf_counter()
    result = await client.call_tool("batch_process", {"items": ["a", "b", "c", "d", "e"]})
    elapsed = time.perf_counter() - started
    assert result == [f"processed: {x}" for x in "abcde"]
    assert elapsed < 0.45, f"five 0.1 s items took {elapsed:.2f} s: they did not run concurrently"


@pytest.mark.asyncio
async def test_fetch_data_is_listed_with_its_schema(client: MockMcpClient) -> None:
    tools = {t.name: t for t in await client.list_tools()}
    assert tools["fetch_data"].inputSchema["properties"]["url"] == {"type": "string"}
    assert tools["batch_process"].inputSchema["properties"]["items"]["type"] == "array"
