"""Benchmark server built on the official MCP Python SDK, serving Streamable HTTP.

The same ``bench`` server and tools as ``sdk_server.py``, served by the SDK's own runner,
``MCPServer.run(transport="streamable-http")``, with its default settings: a stateful session
per ``initialize`` (``Mcp-Session-Id``), answers as SSE streams (``json_response=False``),
uvicorn at the default log level (INFO, so one access-log line per request goes to stderr).

The SDK prints nothing when it is ready, so this script prints a line in oxmcp's style itself
(before uvicorn binds the port; the driver retries connecting until it listens).

    python sdk_http_server.py --port 8000
"""

import argparse
import sys

from sdk_server import server

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--port", type=int, required=True, help="TCP port (the SDK cannot report a port 0 pick)"
    )
    args = parser.parse_args()
    print(f"sdk: bench serving MCP on http://127.0.0.1:{args.port}/mcp", file=sys.stderr, flush=True)
    server.run(transport="streamable-http", host="127.0.0.1", port=args.port, streamable_http_path="/mcp")
