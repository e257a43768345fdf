"""Context: one tool that logs, reports progress, asks the user and asks the client's model.

    python examples/context_tour.py                     # stdio
    python examples/context_tour.py --transport http    # http://127.0.0.1:8000/mcp

The same function works in a handshake-era session (the server sends the client real requests) and
on the stateless 2026-07-28 wire (the request is answered ``input_required``; the client retries with
the answers and the function runs again, with every question answered).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from oxmcp import Context, McpServer

server = McpServer("release-bot")


@dataclass
class Confirm:
    ok: bool
    note: str = ""


@server.tool()
async def release(version: str, ctx: Context) -> str:
    """Release a version, after the user confirms."""
    # Questions first, work after: on the stateless wire the function runs again from the top
    # when the client answers, so anything before the last question may run more than once.
    answer = await ctx.elicit(f"Release {version}?", Confirm)
    if not answer.accepted or not answer.data.ok:
        return f"{version} not released"
    notes = await ctx.sample(f"Write one line of release notes for {version}", max_tokens=60)
    await ctx.info("releasing", version=version)
    for step, name in enumerate(["build", "test", "publish"], start=1):
        await ctx.report_progress(step, 3, name)
    return f"released {version}: {notes.text}"


if __name__ == "__main__":
    server.run(transport="http" if "http" in sys.argv else "stdio")
