"""The README's Context example (examples/context_tour.py), as its test snippet runs it: both eras."""

from __future__ import annotations

import pytest
from conftest import load_example
from oxmcp.testing import MockMcpClient


@pytest.mark.asyncio
@pytest.mark.parametrize("version", ["2025-11-25", "2026-07-28"])
async def test_release(version):
    server = load_example("context_tour").server
    progress, logs = [], []
    client = MockMcpClient(
        server,
        protocol_version=version,
        elicitation_callback=lambda params: {"action": "accept", "content": {"ok": True}},
        sampling_callback=lambda params: "Faster everything.",
        logging_callback=logs.append,
    )
    result = await client.call_tool(
        "release", {"version": "1.2.0"}, progress_callback=lambda p, t, m: progress.append((p, t, m))
    )
    assert result == "released 1.2.0: Faster everything."
    assert progress == [(1, 3, "build"), (2, 3, "test"), (3, 3, "publish")]
    assert [log["data"] for log in logs] == [{"message": "releasing", "version": "1.2.0"}]

    declined = MockMcpClient(
        server, protocol_version=version, elicitation_callback=lambda params: {"action": "decline"}
    )
    assert await declined.call_tool("release", {"version": "1.2.0"}) == "1.2.0 not released"
