"""``oxmcp`` command line: serve a server defined in a Python file.

::

    oxmcp run server.py                                  # stdio
    oxmcp run server.py --transport http --port 8000     # http://127.0.0.1:8000/mcp
    oxmcp run server.py:my_server                        # pick the object by name
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from oxmcp.server.mcp_server import McpServer

__all__ = ["main"]


def load_server(target: str) -> McpServer:
    """Imports ``file.py`` (or ``file.py:name``) and returns its `McpServer`.

    Without a name, the module's `McpServer` instances are searched; exactly one must exist (a
    variable called ``server`` wins when there are several).
    """
    path_text, _, name = target.partition(":")
    path = Path(path_text)
    if not path.is_file():
        raise SystemExit(f"oxmcp: no such file: {path}")
    sys.path.insert(0, str(path.resolve().parent))
    spec = importlib.util.spec_from_file_location("__oxmcp_app__", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"oxmcp: cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    if name:
        found = getattr(module, name, None)
        if not isinstance(found, McpServer):
            raise SystemExit(f"oxmcp: {path} has no McpServer named {name!r}")
        return found
    servers = {k: v for k, v in vars(module).items() if isinstance(v, McpServer)}
    if "server" in servers:
        return servers["server"]
    if len(servers) != 1:
        raise SystemExit(f"oxmcp: {path} defines {len(servers)} McpServer objects; name one as FILE:NAME")
    return next(iter(servers.values()))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``oxmcp`` command."""
    parser = argparse.ArgumentParser(prog="oxmcp", description="Serve an oxmcp server.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve FILE[:NAME] over stdio or HTTP")
    run.add_argument("target", help="a Python file defining an McpServer, optionally FILE:NAME")
    run.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    run.add_argument("--host", default="127.0.0.1", help="HTTP: interface to bind (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=8000, help="HTTP: port (default 8000)")
    run.add_argument("--path", default="/mcp", help="HTTP: endpoint path (default /mcp)")
    args = parser.parse_args(argv)
    server = load_server(args.target)
    if args.transport == "http":
        server.run("http", host=args.host, port=args.port, path=args.path)
    else:
        server.run()


if __name__ == "__main__":
    main()
