"""Benchmark server built on oxmcp, serving Streamable HTTP.

The same ``bench`` server and tools as ``oxmcp_server.py``, served with
``run(transport="http")``. oxmcp prints ``oxmcp: bench serving MCP on http://HOST:PORT/mcp``
to stderr once it is listening; the driver reads the URL from that line.

    python oxmcp_http_server.py --port 8000
"""

import argparse

from oxmcp_server import server

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0, help="TCP port (0 picks a free one)")
    args = parser.parse_args()
    server.run(transport="http", host="127.0.0.1", port=args.port, path="/mcp")
