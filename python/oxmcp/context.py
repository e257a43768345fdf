"""`Context`: the request being served, and what a function may do while serving it.

Any tool, resource or prompt function that declares a parameter annotated ``Context`` receives one
(the parameter never appears in the schema)::

    @server.tool()
    async def deploy(service: str, ctx: Context) -> str:
        await ctx.info(f"deploying {service}")
        await ctx.report_progress(1, 3, "building")
        answer = await ctx.elicit("Deploy to production?", Confirm)
        if not answer.accepted or not answer.data.ok:
            return "cancelled"
        ...

One API serves both protocol eras. In a handshake-era session (2024-11-05 … 2025-11-25)
`elicit`, `sample` and `list_roots` are real requests to the client, sent on the calling request's
own stream. On the stateless wire (2026-07-28) the server cannot call the client: the request is
answered ``input_required`` with the questions, and when the client retries with the answers the
function runs again from the start, and each question is answered from the retry. Code before a
question may therefore run more than once on that wire: ask first, act after (or keep actions
idempotent).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, overload

from oxmcp import _client_requests
from oxmcp.exceptions import ErrorCode, McpError

if TYPE_CHECKING:
    from oxmcp._core import Job
    from oxmcp.types import (
        BlobResourceContents,
        CreateMessageResult,
        ElicitResult,
        LoggingLevel,
        Root,
        TextResourceContents,
    )

__all__ = ["Context", "ContextHost"]

T = TypeVar("T")
R = TypeVar("R")


class ContextHost(Protocol):
    """What a `Context` needs of the server it serves (the server's component registry)."""

    @property
    def server(self) -> Any:
        """The `McpServer` itself (`Context.server`), or None once it is gone."""

    async def read_own_resource(self, uri: str, ctx: Context) -> list[Any]:
        """Runs the server's resource function for ``uri`` (`Context.read_resource`)."""


class _Sent:
    """What the logging and progress methods return: the message is already queued when the call
    returns, so awaiting is optional (sync functions may call them too). Awaiting also waits until
    the client's stream has room for more (it is bounded in bytes), so an async function that logs
    a lot runs no faster than its client reads; a sync function's call blocks its worker instead."""

    __slots__ = ("_job", "sent")

    def __init__(self, sent: bool, job: Job | None = None) -> None:
        self.sent = sent
        self._job = job

    def __await__(self) -> Generator[Any, None, bool]:
        room = self._job.room() if self.sent and self._job is not None else None
        if room is not None:
            yield from room.__await__()
        return self.sent

    def __bool__(self) -> bool:
        return self.sent

    def __repr__(self) -> str:
        return f"<{'sent' if self.sent else 'not sent'}>"


class InputRequired(BaseException):
    """Raised inside a function on the stateless wire when it asked the client something that has
    no answer yet. The request is answered ``input_required``; the function runs again when the
    client retries. A `BaseException`, so ``except Exception`` in user code does not swallow it."""

    def __init__(self, context: Context) -> None:
        super().__init__("the client's input is required")
        self.context = context

    @property
    def requests(self) -> dict[str, dict[str, Any]]:
        """Every question the function asked in this round, by key: ``{"method", "params"}`` each (a
        ``gather`` of several questions records them all before the first exception lands)."""
        return dict(self.context._pending)

    @property
    def carried(self) -> Any:
        """What the function carries into its next run (`Context.carry`), or None."""
        return self.context._carry


class Context:
    """The request being served, and the client it came from. See the module docs."""

    __slots__ = ("_job", "_host", "_asked", "_pending", "_responses", "_carry")

    def __init__(self, job: Job, host: ContextHost | None) -> None:
        self._job = job
        self._host = host
        self._asked = 0
        self._pending: dict[str, dict[str, Any]] = {}
        self._responses: dict[str, Any] | None = None
        self._carry: Any = None

    # -- request facts -------------------------------------------------------------------------
    @property
    def server(self) -> Any:
        """The `McpServer` handling the request."""
        return self._host.server if self._host is not None else None

    @property
    def request_id(self) -> int | str:
        """The JSON-RPC id of the request."""
        return self._job.request_id

    @property
    def method(self) -> str:
        """The MCP method, e.g. ``tools/call``."""
        return self._job.method

    @property
    def protocol_version(self) -> str:
        """The protocol revision this request is served under."""
        return self._job.protocol_version

    @property
    def stateless(self) -> bool:
        """True on the stateless wire (2026-07-28), where client input arrives by retries."""
        return self._job.stateless

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers of the request (lower-case names); empty on stdio."""
        return self._job.headers

    @property
    def meta(self) -> dict[str, Any] | None:
        """``params._meta`` of the request."""
        return self._job.meta

    @property
    def client_info(self) -> dict[str, Any] | None:
        """The client's ``Implementation`` (name, version, ...), if it said."""
        return self._job.client_info

    @property
    def client_capabilities(self) -> dict[str, Any]:
        """The capabilities the client declared (at ``initialize``, or on this request)."""
        return self._job.client_capabilities

    @property
    def is_cancelled(self) -> bool:
        """True once the client cancelled this request."""
        return self._job.cancelled

    # -- logging -------------------------------------------------------------------------------
    def log(self, level: LoggingLevel, message: Any, *, logger: str | None = None, **extra: Any) -> _Sent:
        """Sends a log message to the client (``notifications/message``) about this request.

        ``message`` is any JSON value; keyword arguments add fields:
        ``ctx.log("info", "done", rows=3)`` sends ``{"message": "done", "rows": 3}``. Whether it is sent
        follows the protocol: in a handshake-era session, from the level set with
        ``logging/setLevel`` up (everything until the client sets one); on the stateless wire, only
        when the request asked for logs (``_meta["io.modelcontextprotocol/logLevel"]``), from that
        level up. Awaiting is optional; the result is true when the message was sent. Awaited, it
        also waits while the client's stream is full (a client that reads slowly slows the function).
        """
        if level not in _LEVELS:
            raise ValueError(
                f"unknown log level {level!r}: use debug, info, notice, warning, error, critical, alert "
                "or emergency"
            )
        data = {"message": message, **extra} if extra else message
        # Data that cannot be JSON raises here (ValueError/TypeError naming the path: ``data.x``).
        return _Sent(self._job.log(level, data, logger), self._job)

    def debug(self, message: Any, *, logger: str | None = None, **extra: Any) -> _Sent:
        """``log("debug", ...)``."""
        return self.log("debug", message, logger=logger, **extra)

    def info(self, message: Any, *, logger: str | None = None, **extra: Any) -> _Sent:
        """``log("info", ...)``."""
        return self.log("info", message, logger=logger, **extra)

    def notice(self, message: Any, *, logger: str | None = None, **extra: Any) -> _Sent:
        """``log("notice", ...)``."""
        return self.log("notice", message, logger=logger, **extra)

    def warning(self, message: Any, *, logger: str | None = None, **extra: Any) -> _Sent:
        """``log("warning", ...)``."""
        return self.log("warning", message, logger=logger, **extra)

    def error(self, message: Any, *, logger: str | None = None, **extra: Any) -> _Sent:
        """``log("error", ...)``."""
        return self.log("error", message, logger=logger, **extra)

    def critical(self, message: Any, *, logger: str | None = None, **extra: Any) -> _Sent:
        """``log("critical", ...)``."""
        return self.log("critical", message, logger=logger, **extra)

    # -- progress ------------------------------------------------------------------------------
    @property
    def wants_progress(self) -> bool:
        """True when the client asked for progress (sent a progress token)."""
        return self._job.wants_progress

    def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> _Sent:
        """Reports progress (``notifications/progress``) if the client asked for it; otherwise does
        nothing. ``progress`` must increase from one call to the next (ValueError otherwise). On HTTP
        it travels on the request's own response stream. Awaiting is optional (and waits while the
        client's stream is full)."""
        return _Sent(self._job.report_progress(float(progress), total, message), self._job)

    # -- resources -----------------------------------------------------------------------------
    async def read_resource(self, uri: str) -> list[TextResourceContents | BlobResourceContents]:
        """Reads one of this server's own resources (static or from a template)."""
        host = self._host
        if host is None:
            raise RuntimeError("the server is gone")
        return await host.read_own_resource(uri, self)

    # -- asking the client ---------------------------------------------------------------------
    @overload
    async def elicit(self, message: str, schema: type[T], *, key: str | None = None) -> ElicitResult[T]: ...
    @overload
    async def elicit(
        self, message: str, schema: dict[str, Any] | None = None, *, key: str | None = None
    ) -> ElicitResult[dict[str, Any]]: ...
    async def elicit(self, message: str, schema: Any = None, *, key: str | None = None) -> ElicitResult[Any]:
        """Asks the user for structured input through the client (form mode).

        ``schema`` describes a flat form: a dataclass, TypedDict or pydantic model (whose fields are
        str, int, float, bool, Literal/Enum of strings, or lists of those), or a JSON Schema dict used
        as is. Returns an `ElicitResult`: ``action`` is ``"accept"`` (then ``data`` holds the answer as
        an instance of ``schema``), ``"decline"`` or ``"cancel"``. Raises `McpError` -32021 when the
        client did not declare the ``elicitation`` capability.

        ``key`` names the question on the stateless wire (the key of ``inputRequests``); by default
        questions are numbered in the order they are asked.
        """
        params, decoder = _client_requests.elicitation_params(message, schema)
        raw = await self._ask("elicitation/create", params, key)
        return self._decode(_client_requests.decode_elicit_result, raw, decoder)

    async def elicit_url(
        self, message: str, url: str, *, elicitation_id: str | None = None, key: str | None = None
    ) -> ElicitResult[None]:
        """Sends the user to ``url`` (URL-mode elicitation), e.g. to sign in or pay, outside the
        client. Returns whether the user agreed to go (``accept``), declined or cancelled. Needs the
        client's ``elicitation.url`` capability (-32021 otherwise)."""
        params, decoder = _client_requests.elicitation_params(
            message, None, mode="url", url=url, elicitation_id=elicitation_id
        )
        if self.stateless:  # 2026-07-28 correlates through requestState: no elicitationId
            params.pop("elicitationId", None)
        raw = await self._ask("elicitation/create", params, key)
        return self._decode(_client_requests.decode_elicit_result, raw, decoder)

    async def sample(
        self,
        messages: Any,
        *,
        max_tokens: int = 1000,
        system_prompt: str | None = None,
        temperature: float | None = None,
        stop_sequences: list[str] | None = None,
        model_preferences: Any = None,
        include_context: Literal["none", "thisServer", "allServers"] | None = None,
        metadata: dict[str, Any] | None = None,
        tools: list[Any] | None = None,
        tool_choice: Any = None,
        key: str | None = None,
    ) -> CreateMessageResult:
        """Asks the client's model for a completion (``sampling/createMessage``).

        ``messages`` is a str (one user message), a `SamplingMessage`, or a list of them. ``tools``
        (with ``tool_choice``) lets the model call tools, when the client declared
        ``sampling.tools``. Returns a `CreateMessageResult` (``.text`` for a text answer). Raises
        `McpError` -32021 when the client did not declare the ``sampling`` capability.
        """
        params = _client_requests.sampling_params(
            messages,
            max_tokens=max_tokens,
            system_prompt=system_prompt,
            temperature=temperature,
            stop_sequences=stop_sequences,
            model_preferences=model_preferences,
            include_context=include_context,
            metadata=metadata,
            tools=tools,
            tool_choice=tool_choice,
        )
        raw = await self._ask("sampling/createMessage", params, key)
        return self._decode(_client_requests.decode_sampling_result, raw)

    async def list_roots(self, *, key: str | None = None) -> list[Root]:
        """The client's roots (the directories or files it lets the server work on). Raises
        `McpError` -32021 when the client did not declare the ``roots`` capability."""
        raw = await self._ask("roots/list", _client_requests.roots_params(), key)
        return self._decode(_client_requests.decode_roots, raw)

    # -- tasks ---------------------------------------------------------------------------------
    def start_task(self) -> _Sent:
        """Makes this tool call a task now, for tools registered with ``task_start="manual"``:
        ``await ctx.start_task()`` (sync functions may call it without ``await``).

        The client gets the task at once (a ``CreateTaskResult``) and then polls it; whatever the
        function returns from here on becomes the task's result. Input asked for before this call
        is resolved synchronously (input-required rounds, or requests in a handshake-era session);
        input asked for afterwards makes the task ``input_required`` until the client answers.

        Returns True once the call is a task (also when it started as one), False when it cannot
        become one: the tool does not support tasks, or the client did not declare the tasks
        extension on this request (2026-07-28) or did not ask for a task (2025-11-25). The call then
        carries on as a plain request.
        """
        return _Sent(bool(self._job.start_task()))

    @property
    def task_id(self) -> str | None:
        """The id of the task this call runs as, or None for a plain request."""
        return self._job.task_id

    # -- state carried across stateless rounds -------------------------------------------------
    @property
    def carried_state(self) -> Any:
        """On the stateless wire: what this function stored with `carry` in an earlier round of
        the same request (None in the first round and in handshake-era sessions)."""
        if self._carry is not None:
            return self._carry
        return self._job.input_data

    def carry(self, value: Any) -> None:
        """Stores a JSON value to get back (`carried_state`) when the client retries with its
        answers. It travels in the signed ``requestState``: the client cannot alter it, but can read
        it, so keep secrets out."""
        self._carry = value

    async def _ask(self, method: str, params: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        caps = self.client_capabilities or {}
        if not _client_requests.client_supports(caps, method, params):
            needed = _client_requests.required_capability(method, params)
            raise McpError(
                ErrorCode.MISSING_REQUIRED_CLIENT_CAPABILITY,
                f"{method} needs the client capability {json.dumps(needed)}; the client did not declare it",
                {"requiredCapabilities": needed},
            )
        if key is None:
            key = f"{_KEY_PREFIX.get(method, 'input')}-{self._asked}"
        self._asked += 1
        if self._job.stateless:
            if self._responses is None:
                self._responses = self._job.input_responses or {}
            if key in self._responses:
                answer = self._responses[key]
                if not isinstance(answer, dict):
                    raise McpError(ErrorCode.INVALID_PARAMS, f"inputResponses[{key!r}] must be an object")
                return answer
            self._pending[key] = {"method": method, "params": params}
            raise InputRequired(self)
        answer = json.loads(await self._job.request_client(method, params))
        error = answer.get("error")
        if error is not None:
            raise McpError(
                error.get("code", ErrorCode.INTERNAL_ERROR), error.get("message", ""), error.get("data")
            )
        result = answer.get("result")
        if not isinstance(result, dict):
            raise McpError(ErrorCode.INTERNAL_ERROR, f"the client's answer to {method} is not an object")
        return result

    def _decode(self, decode: Callable[..., R], *args: Any) -> R:
        """Decodes the client's answer. On the stateless wire the answer arrived in the request's
        ``inputResponses``, so a malformed one is the request's fault: -32602."""
        try:
            return decode(*args)
        except ValueError as exc:
            if not self.stateless:
                raise
            raise McpError(ErrorCode.INVALID_PARAMS, f"invalid inputResponses: {exc}") from None

    def __repr__(self) -> str:
        return f"Context(request_id={self.request_id!r}, method={self.method!r})"


_LEVELS = frozenset(("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"))

_KEY_PREFIX = {
    "elicitation/create": "elicitation",
    "sampling/createMessage": "sampling",
    "roots/list": "roots",
}
