"""Runs queued calls of user functions on the asyncio loop.

The Rust core queues a `Job` per call and wakes the loop through a socket it watches
(`loop.add_reader`), once per batch. `Pump.on_ready` drains the queue and runs each call in its own
asyncio Task, which answers the job when the function returns (so tools see a current task:
`asyncio.timeout`, TaskGroups and anyio work). On Python 3.12+ the task starts eagerly: a coroutine
that finishes without suspending is answered within the same loop iteration. `notifications/cancelled`
cancels the task, and the `CancelledError` reaches the user's coroutine.

Sync functions never come through here: Rust runs them on its blocking pool and calls `run_sync`.

Whatever user code raises, `BaseException`s included (``KeyboardInterrupt``, ``SystemExit``,
``GeneratorExit``...), becomes the call's answer and never reaches the loop: a Task or callback that
let ``KeyboardInterrupt``/``SystemExit`` out would stop ``loop.run_forever`` and the server with it. A
real Ctrl-C does not arrive as an exception in user code: ``asyncio.run`` (``server.run()``) turns
SIGINT into the cancellation of its main task. Tasks that user code starts during a call go through
a task factory (`_contain`) that turns those two into `TaskInterrupted` for whoever awaits the task.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
import types
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from oxmcp import _results
from oxmcp._completion import completion_arguments
from oxmcp._core import CallKind
from oxmcp._registration import Entry, call_arguments
from oxmcp.context import Context, ContextHost, InputRequired
from oxmcp.exceptions import ErrorCode, McpError, ToolError
from oxmcp.types import to_wire

if TYPE_CHECKING:
    from oxmcp._core import Job, ServerCore

__all__ = ["ErrorHook", "Pump", "PumpHost"]

logger = logging.getLogger("oxmcp.server")

_CoroutineType = types.CoroutineType


class ErrorHook(Protocol):
    """A registered error handler (``@server.error_handler``)."""

    @property
    def fn(self) -> Callable[[BaseException], Any]: ...
    @property
    def mcp_errors(self) -> bool:
        """`McpError`s go through it too (else they are answered as they are)."""
        ...


class PumpHost(ContextHost, Protocol):
    """What the pump needs from the server it runs calls for (the server's registry): what each
    `Context` needs, plus the error handler. The pump holds it by weak reference."""

    @property
    def error_hook(self) -> ErrorHook | None:
        """The registered error handler, if any."""
        ...


# Python 3.12+ can start a Task eagerly (its first step runs at creation, as a plain call would).
_EAGER_START = sys.version_info >= (3, 12)

# True inside the Task of a call (and, by context inheritance, in every Task it starts).
_IN_CALL: contextvars.ContextVar[bool] = contextvars.ContextVar("oxmcp_in_call", default=False)


class TaskInterrupted(Exception):
    """A Task started by user code during a call ended with ``KeyboardInterrupt`` or ``SystemExit``
    (its ``__cause__``). asyncio re-raises those into the loop, which would stop the server; this is
    what awaiting such a Task raises instead."""


async def _contained(coro: Any) -> Any:
    try:
        return await coro
    except (KeyboardInterrupt, SystemExit) as exc:
        raise TaskInterrupted(f"{type(exc).__name__} in a task started by user code") from exc


class _ContainingFactory:
    """The loop's task factory once a pump is attached (kept afterwards: it only acts inside calls).
    Delegates to the factory that was set before, if any."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous

    def __call__(self, loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        if _IN_CALL.get() and asyncio.iscoroutine(coro):
            coro = _contained(coro)
        if self.previous is not None:
            return self.previous(loop, coro, **kwargs)  # type: ignore[no-any-return]
        return asyncio.Task(coro, loop=loop, **kwargs)


def _contain(loop: asyncio.AbstractEventLoop) -> None:
    factory = loop.get_task_factory()
    if not isinstance(factory, _ContainingFactory):
        loop.set_task_factory(_ContainingFactory(factory))


class Pump:
    """Runs jobs for one server on the loop it is attached to (see the module docs).

    Becomes ``core``'s runner of sync functions. Holds the core and the host by weak reference:
    the core holds the pump, and the host holds both.
    """

    def __init__(self, core: ServerCore, host: PumpHost) -> None:
        self._core_ref = weakref.ref(core)
        self._host_ref = weakref.ref(host)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[int, asyncio.Task[Any]] = {}
        self._cancelled: set[asyncio.Task[Any]] = set()
        core.set_runner(self)

    @property
    def _core(self) -> ServerCore:
        core = self._core_ref()
        if core is None:
            raise RuntimeError("the server was garbage-collected")
        return core

    def _error_hook(self) -> ErrorHook | None:
        host = self._host_ref()
        return host.error_hook if host is not None else None

    # -- attaching to a loop ------------------------------------------------------------------
    def attach(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Watches the core's wake-up socket from `loop` (default: the running loop)."""
        loop = loop or asyncio.get_running_loop()
        if self._loop is loop:
            return
        fd = self._core.wakeup_fd()
        old = self._loop
        if old is not None and not old.is_closed():
            try:
                old.remove_reader(fd)
            except (RuntimeError, ValueError):  # the old loop is shutting down
                pass
        self._tasks.clear()
        loop.add_reader(fd, self.on_ready)
        _contain(loop)
        self._loop = loop
        loop.call_soon(self.on_ready)  # anything queued while detached

    def detach(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            try:
                loop.remove_reader(self._core.wakeup_fd())
            except (RuntimeError, ValueError):
                pass

    # -- running jobs ---------------------------------------------------------------------------
    def on_ready(self) -> None:
        for item in self._core.drain():
            try:
                if type(item) is int:
                    task = self._tasks.pop(item, None)
                    if task is not None:
                        task.cancel()
                        self._cancelled.add(task)  # until its cleanup ends (see wind_down)
                        task.add_done_callback(self._cancelled.discard)
                else:
                    self._start(item)
            except Exception:  # noqa: BLE001 - one bad job must not stop the rest of the batch
                logger.exception("oxmcp: failed to run a queued call")

    async def wind_down(self, timeout: float, *, cancel: bool) -> None:
        """Lets the calls the core cancelled run their cleanup (``finally`` blocks), waiting at
        most ``timeout`` seconds; ``cancel=True`` first cancels every call still running (the
        server is stopping). Sync functions on worker threads cannot be waited for or stopped."""
        self.on_ready()  # cancellations the core has queued
        if cancel:
            for task in list(self._tasks.values()):
                task.cancel()
        waiting = [t for t in (*self._tasks.values(), *self._cancelled) if not t.done()]
        if waiting:
            await asyncio.wait(waiting, timeout=timeout)

    def _arguments(self, job: Job, entry: Entry) -> dict[str, Any]:
        context = Context(job, self._host_ref()) if entry.context_param is not None else None
        return call_arguments(entry, job.kwargs(), context)

    def _invoke(self, job: Job, entry: Entry) -> Any:
        return _KINDS[job.kind].invoke(self, job, entry)

    def _start(self, job: Job) -> None:
        if job.cancelled:  # cancelled while queued: run nothing
            job.fail("cancelled")
            return
        loop = self._loop or asyncio.get_running_loop()
        if _EAGER_START:
            task = asyncio.Task(self._run(job, job.entry), loop=loop, eager_start=True)  # type: ignore[call-arg]
        else:
            task = asyncio.Task(self._run(job, job.entry), loop=loop)  # not through the task factory
        if not task.done():
            self._tasks[job.id] = task

    async def _run(self, job: Job, entry: Entry) -> None:
        """The task of one call: run the function, then answer the job."""
        _IN_CALL.set(True)
        try:
            result = self._invoke(job, entry)
            if type(result) is _CoroutineType or hasattr(result, "__await__"):
                result = await result
        except asyncio.CancelledError:
            job.fail("cancelled")  # the core already dropped the request; this releases it
            raise
        except InputRequired as exc:
            _ask_for_input(job, entry, exc)
        except BaseException as exc:  # noqa: BLE001 - every failure becomes an answer
            self._fail(job, entry, exc)
            if _closing(exc):
                raise  # this coroutine itself is being closed (its Task was destroyed)
        else:
            self._finish(job, entry, result)
        finally:
            self._tasks.pop(job.id, None)

    def run_sync(self, job: Job) -> None:
        """Called by Rust on a blocking-pool thread (holding the GIL) for sync functions."""
        entry: Entry = job.entry
        try:
            result = self._invoke(job, entry)
            if type(result) is _CoroutineType or hasattr(result, "__await__"):
                # A "sync" callable that returned an awaitable (e.g. an async def behind a plain
                # decorator): run it on the loop and wait here, on the worker thread.
                loop = self._loop
                if loop is None or loop.is_closed():
                    raise RuntimeError("the function returned an awaitable but no event loop is serving")
                result = asyncio.run_coroutine_threadsafe(_await(result), loop).result().unwrap()
            self._finish(job, entry, result)
        except InputRequired as exc:
            _ask_for_input(job, entry, exc)
        except BaseException as exc:  # noqa: BLE001
            loop = self._loop
            if self._error_hook() is not None and loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self._fail, job, entry, exc)
            else:
                self._fail(job, entry, exc)

    # -- answering ----------------------------------------------------------------------------
    def _finish(self, job: Job, entry: Entry, value: Any) -> None:
        try:
            _KINDS[job.kind].finish(job, entry, value)
        except BaseException as exc:  # noqa: BLE001
            kind = job.kind.label
            logger.error("could not convert the result of %s %r", kind, entry.name, exc_info=exc)
            job.fail(f"Error in {kind} {entry.name}: could not convert its result: {exc}")

    def _fail(self, job: Job, entry: Entry, exc: BaseException) -> None:
        if job.kind == CallKind.VALIDATE:
            if isinstance(exc, McpError):
                job.fail_protocol(exc.code, exc.message, exc.data)
            else:
                job.fail(str(exc) or type(exc).__name__)  # the core marks it as a validate_request rejection
            return
        handler = self._error_hook()
        if isinstance(exc, McpError) and not (handler is not None and handler.mcp_errors):
            job.fail_protocol(exc.code, exc.message, exc.data)
            return
        if _is_tool_error(job, exc):  # a deliberate answer, not a failure: no traceback
            logger.debug("tool %r answered with ToolError: %s", entry.name, exc)
        elif not isinstance(exc, McpError):
            logger.error("%s %r raised %s", job.kind.label, entry.name, type(exc).__name__, exc_info=exc)
        if handler is None:
            _answer_failure(job, entry, exc)
            return
        try:
            outcome = handler.fn(exc)
            if type(outcome) is _CoroutineType:
                loop = self._loop or asyncio.get_running_loop()
                task = loop.create_task(_await(outcome))
                task.add_done_callback(lambda t: _apply_handler_outcome(job, entry, exc, t))
            else:
                _apply(job, entry, exc, outcome)
        except BaseException as handler_exc:  # noqa: BLE001 - a broken handler must not lose the answer
            logger.error("the error handler failed", exc_info=handler_exc)
            _answer_failure(job, entry, exc)


def _ask_for_input(job: Job, entry: Entry, exc: InputRequired) -> None:
    """Answers ``input_required`` with every question the function asked in this round (a
    ``gather`` of several questions records them all before the first one's exception lands).
    Questions or carried state that cannot be JSON fail the call, naming the path."""
    try:
        job.input_required(exc.requests, exc.carried)
    except Exception as err:  # noqa: BLE001 - the call must still be answered
        logger.error("%s %r: could not ask for input", job.kind.label, entry.name, exc_info=err)
        job.fail(f"Error in {job.kind.label} {entry.name}: could not ask for input: {err}")


def _closing(exc: BaseException) -> bool:
    """True for the ``GeneratorExit`` of ``coroutine.close()`` on the pump's own coroutine: it is
    raised at the ``await`` in `Pump._run` itself, so its traceback has no deeper frame (one raised
    by user code has the user's frames)."""
    tb = exc.__traceback__
    return isinstance(exc, GeneratorExit) and tb is not None and tb.tb_next is None


def _is_tool_error(job: Job, exc: BaseException) -> bool:
    return isinstance(exc, ToolError) and job.kind == CallKind.TOOL


def _answer_failure(job: Job, entry: Entry, exc: BaseException) -> None:
    if isinstance(exc, McpError):
        job.fail_protocol(exc.code, exc.message, exc.data)
        return
    if _is_tool_error(job, exc):
        assert isinstance(exc, ToolError)
        # `raise ToolError("message")`: the client reads exactly what the tool said.
        result: dict[str, Any] = {"content": exc.content, "isError": True}
        if exc.structured_content is not None:
            result["structuredContent"] = exc.structured_content
        try:
            job.complete_raw(result)
        except (TypeError, ValueError, RuntimeError) as err:  # not JSON: the job was answered with why
            logger.error("tool %r: its ToolError could not be sent: %s", entry.name, err)
        return
    detail = str(exc) or type(exc).__name__
    job.fail(f"Error executing {job.kind.label} {entry.name}: {detail}")


def _apply_handler_outcome(job: Job, entry: Entry, exc: BaseException, task: asyncio.Task[_Outcome]) -> None:
    try:
        if task.cancelled() or task.exception() is not None:
            _answer_failure(job, entry, exc)
            return
        outcome = task.result()
        if outcome.error is not None:
            logger.error("the error handler raised", exc_info=outcome.error)
            _answer_failure(job, entry, exc)
        else:
            _apply(job, entry, exc, outcome.value)
    except BaseException as handler_exc:  # noqa: BLE001
        logger.error("the error handler's answer could not be used", exc_info=handler_exc)
        _answer_failure(job, entry, exc)


def _apply(job: Job, entry: Entry, exc: BaseException, outcome: Any) -> None:
    """Turns what an error handler returned into the answer (None keeps the default)."""
    if outcome is None:
        _answer_failure(job, entry, exc)
    elif isinstance(outcome, McpError):
        job.fail_protocol(outcome.code, outcome.message, outcome.data)
    elif isinstance(outcome, dict) and isinstance(outcome.get("error"), dict):
        err = outcome["error"]
        job.fail_protocol(
            int(err.get("code", ErrorCode.INTERNAL_ERROR)), str(err.get("message", "")), err.get("data")
        )
    elif isinstance(outcome, str):
        job.fail(outcome)
    elif job.kind == CallKind.TOOL:
        job.complete_raw(_results.tool_result(outcome, False))
    else:
        _answer_failure(job, entry, exc)


# -- what each kind of call does ----------------------------------------------------------------
class _Kind(NamedTuple):
    """How the pump calls a function of one kind, and how it answers with the return value."""

    invoke: Callable[[Pump, Job, Entry], Any]
    finish: Callable[[Job, Entry, Any], None]


def _call_with_arguments(pump: Pump, job: Job, entry: Entry) -> Any:
    return entry.fn(**pump._arguments(job, entry))


_KINDS: dict[CallKind, _Kind] = {
    # Rust shapes a tool's value into its CallToolResult (asking `_results.tool_parts` when it
    # is not plain JSON).
    CallKind.TOOL: _Kind(_call_with_arguments, lambda job, entry, value: job.complete(value)),
    CallKind.RESOURCE: _Kind(
        _call_with_arguments,
        lambda job, entry, value: job.complete_raw(
            _results.resource_contents(value, job.uri, entry.mime_type)
        ),
    ),
    CallKind.PROMPT: _Kind(
        _call_with_arguments,
        lambda job, entry, value: job.complete_raw(_results.prompt_result(value, entry.description)),
    ),
    CallKind.LIST: _Kind(
        lambda pump, job, entry: entry.fn(),
        lambda job, entry, value: job.complete_raw([to_wire(item) for item in (value or [])]),
    ),
    CallKind.COMPLETE: _Kind(
        lambda pump, job, entry: entry.fn(*completion_arguments(job.kwargs())),
        lambda job, entry, value: job.complete_raw(to_wire(value)),
    ),
    CallKind.VALIDATE: _Kind(
        lambda pump, job, entry: entry.fn(job.request()),
        # At the authentication gate the (wrapped) validator's answer is the caller's principal.
        lambda job, entry, value: job.complete_raw(value),
    ),
}
"""The one dispatch table: every `CallKind` the core can queue, and what the pump does with it."""


class _Outcome(NamedTuple):
    """What an awaitable the pump runs as its own Task gave: its value, or what it raised."""

    value: Any
    error: BaseException | None

    def unwrap(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


async def _await(awaitable: Any) -> _Outcome:
    """Awaits user code in a Task of its own, catching everything it raises: a Task that ends with
    ``KeyboardInterrupt`` or ``SystemExit`` re-raises it into the loop (which then stops). Only
    cancellation passes through."""
    _IN_CALL.set(True)
    try:
        return _Outcome(await awaitable, None)
    except asyncio.CancelledError:
        raise
    except BaseException as exc:  # noqa: BLE001
        return _Outcome(None, exc)
