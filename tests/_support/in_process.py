"""A server's serve coroutine run as a task of the test's own event loop, bounded and cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from _support.processes import TIMEOUT


@contextlib.asynccontextmanager
async def serving(
    server: Any, run: Coroutine[Any, Any, Any], timeout: float = TIMEOUT
) -> AsyncIterator[asyncio.Task]:
    """Runs `run` (e.g. ``server.run_http(port=0)``) as a task and waits, at most `timeout`, until it
    has bound (``server.url`` is set); yields the task and cancels it on exit (a test may cancel it
    first to check what cancellation does)."""
    task = asyncio.create_task(run)
    try:
        deadline = time.monotonic() + timeout
        while server.url is None:
            assert time.monotonic() < deadline and not task.done(), "the server never bound its address"
            await asyncio.sleep(0.01)
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout)
