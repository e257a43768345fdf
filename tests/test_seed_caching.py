"""Seed "Caching": examples/caching_server.py (CachedServer) in process and over stdio."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

EXAMPLE = "caching_server"  # the `example` and `client` fixtures (conftest) load it


@pytest.mark.asyncio
async def test_results_are_cached_per_query(example, client):
    first = await client.call_tool("expensive_operation", {"query": "q1"})
    assert first == "result for 'q1' (computation #1)"
    assert await client.call_tool("expensive_operation", {"query": "q1"}) == first
    second = await client.call_tool("expensive_operation", {"query": "q2"})
    assert second == "result for 'q2' (computation #2)"
    assert example.computations == 2
    assert set(example.server._cache) == {"expensive:q1", "expensive:q2"}


@pytest.mark.asyncio
async def test_expired_entries_are_recomputed(example, client):
    await client.call_tool("expensive_operation", {"query": "q"})
    example.server._cache_ttl["expensive:q"] = datetime.now() - timedelta(seconds=1)
    assert await client.call_tool("expensive_operation", {"query": "q"}) == "result for 'q' (computation #2)"


def test_subclass_keeps_its_attributes(example):
    assert isinstance(example.server, example.CachedServer)
    assert example.server.name == "cached-server"
    assert example.server._cache == {} and example.server._cache_ttl == {}


def test_over_stdio(stdio_example):
    srv = stdio_example()
    srv.initialize()
    texts = []
    for q in ("a", "a", "b", "a"):
        result = srv.result("tools/call", {"name": "expensive_operation", "arguments": {"query": q}})
        texts.append(result["content"][0]["text"])
    assert texts == [
        "result for 'a' (computation #1)",
        "result for 'a' (computation #1)",
        "result for 'b' (computation #2)",
        "result for 'a' (computation #1)",
    ]
