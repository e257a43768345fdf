"""The seed's "Testing Your Server" section, verbatim apart from the imports.

`server` holds `divide_numbers` and the global error handler of section 5 (examples/error_handling.py)
plus `calculate_sum` of section 1; the integration test runs examples/quickstart.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from conftest import EXAMPLES, load_example
from oxmcp.testing import MockMcpClient
from oxmcp.types import McpError

server = load_example("error_handling").server  # section 5: divide_numbers + @server.error_handler()


@server.tool()
async def calculate_sum(a: float, b: float) -> float:
    """Calculate the sum of two numbers."""
    return a + b


# --- Unit Tests (seed, verbatim) ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_calculate_sum():
    """Test the calculate_sum tool."""
    client = MockMcpClient(server)

    result = await client.call_tool("calculate_sum", {"a": 5, "b": 3})
    assert result == 8


@pytest.mark.asyncio
async def test_division_by_zero():
    """Test error handling for division by zero."""
    client = MockMcpClient(server)

    with pytest.raises(McpError) as exc_info:
        await client.call_tool("divide_numbers", {"a": 5, "b": 0})

    assert exc_info.value.code == -32600
    assert "Division by zero" in exc_info.value.message


# --- Integration Tests (seed, verbatim but for the command and a watchdog) ------------------------


@pytest.mark.asyncio
async def test_server_integration():
    """Test server via stdio transport."""
    # Start server process
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(10, process.kill)  # not in the seed: bounds the blocking readline()
    watchdog.start()
    try:
        # Send initialization request
        init_request = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2024-11-05",
                "capabilities": {},
                "clientInfo": {"name": "test-client", "version": "1.0.0"},
            },
        }

        process.stdin.write(json.dumps(init_request) + "\n")
        process.stdin.flush()

        # Read response
        response = process.stdout.readline()
        result = json.loads(response)

        assert result["result"]["protocolVersion"] == "2024-11-05"

        process.terminate()
        process.wait()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()
