"""`MockMcpClient`: an in-memory MCP client for tests, talking to a server through the same Rust
dispatcher as every real transport (no Python re-implementation of the protocol)."""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import json
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from oxmcp.exceptions import ErrorCode, McpError, ToolError
from oxmcp.server._registry import registry_of
from oxmcp.server._runtime import runtime_of
from oxmcp.testing._answers import (
    ElicitationCallback,
    ListRootsCallback,
    LoggingCallback,
    MessageHandler,
    ProgressCallback,
    SamplingCallback,
    answer_request,
    callback_capabilities,
    logger,
    resolve_input_requests,
    run_notification_callback,
)
from oxmcp.types import (
    BlobResourceContents,
    CallToolResult,
    GetPromptResult,
    Prompt,
    Resource,
    ResourceTemplate,
    TextResourceContents,
    Tool,
)

if TYPE_CHECKING:
    from oxmcp.server.mcp_server import McpServer

__all__ = ["DEFAULT_MAX_INPUT_ROUNDS", "MODERN", "InputRequiredError", "MockMcpClient"]

MODERN = "2026-07-28"
# How many input-required rounds one call may take before the client gives up.
DEFAULT_MAX_INPUT_ROUNDS = 16

_progress_tokens = itertools.count(1)
# The client whose server messages the current task is dispatching (a callback that calls the
# client again must not wait for the dispatch it runs inside).
_dispatching: contextvars.ContextVar[Any] = contextvars.ContextVar("oxmcp_mock_dispatching", default=None)


class InputRequiredError(Exception):
    """Raised by `MockMcpClient` created with ``auto_input=False`` when ``call_tool``,
    ``call_tool_result``, ``read_resource`` or ``get_prompt`` got an ``input_required`` result
    (stateless revision): the server needs answers from the client before it can finish.

    ``result`` is the raw result; ``input_requests`` its ``inputRequests`` (key ->
    ``{"method", "params"}``); ``request_state`` its ``requestState`` (or None). Retry by hand with
    ``client.request(method, {**params, "inputResponses": {...}, "requestState": ...})``.
    """

    def __init__(self, method: str, result: dict[str, Any]) -> None:
        self.method = method
        self.result = result
        self.input_requests: dict[str, Any] = dict(result.get("inputRequests") or {})
        self.request_state: str | None = result.get("requestState")
        asked = ", ".join(
            f"{k!r}: {v.get('method') if isinstance(v, Mapping) else v!r}"
            for k, v in self.input_requests.items()
        )
        super().__init__(f"{method}: the server needs input from the client ({asked or 'requestState only'})")


def _token_key(token: Any) -> str:
    return json.dumps(token)


async def _read_server_messages(ref: weakref.ref[MockMcpClient], conn: Any) -> None:
    """One per connection: handles what the server sends on its own (requests, notifications) as
    it arrives. Messages are taken from the queue on the loop, under the client's dispatch lock,
    never by a tokio thread: one taken there could still be in transit when the response that
    followed it reaches the caller. The task must not keep the client alive (a weak reference)."""
    _dispatching.set(None)  # this task's own context: it dispatches for no one yet
    while await conn.wait_message():
        client = ref()
        if client is None:
            return
        try:
            await client._drain()
        except Exception:  # noqa: BLE001 - a bad message or callback must not stop the reader
            logger.exception("MockMcpClient: failed to handle a server message")
        del client


def _stop_reader(task: asyncio.Task[Any]) -> None:
    """Finalizer of a collected client: stop its reader (the connection goes with the task)."""
    try:
        loop = task.get_loop()
        if not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
    except RuntimeError:  # the loop closed meanwhile
        pass


class MockMcpClient:
    """An in-memory MCP client for unit tests::

        client = MockMcpClient(server)
        assert await client.call_tool("calculate_sum", {"a": 5, "b": 3}) == 8

    Args:
        server: The server under test (it need not be running).
        headers: Headers every request carries (what ``validate_request`` sees), e.g.
            ``{"Authorization": "Bearer t"}``.
        protocol_version: ``"2025-11-25"`` (default; an ``initialize`` handshake first), any other
            handshake-era revision, or ``"2026-07-28"`` (stateless: ``_meta`` on every request).
        client_info, capabilities: What the client declares. Without ``capabilities``, the client
            declares what its callbacks make possible: ``sampling`` (``sampling_callback``),
            ``elicitation`` with form and URL modes (``elicitation_callback``), ``roots`` with
            ``listChanged`` (``list_roots_callback``). Explicit ``capabilities`` are sent as given.
        sampling_callback: ``(params) -> result`` for ``sampling/createMessage``; the result is a
            `oxmcp.types.CreateMessageResult` (or any object with ``to_dict()``), the wire dict,
            or a str (shorthand for an assistant text message from model ``"mock"``).
        elicitation_callback: ``(params) -> result`` for ``elicitation/create``: an
            `oxmcp.types.ElicitResult` or a dict such as ``{"action": "accept", "content": {...}}``.
        list_roots_callback: ``() -> roots`` for ``roots/list``: a list of roots (`oxmcp.types.Root`,
            dicts ``{"uri", "name"?}`` or URI strings) or a dict ``{"roots": [...]}``.
        logging_callback: ``(params)``, called with the params of each ``notifications/message``.
        message_handler: ``(notification)``, called with every notification from the server
            (``{"method", "params"?}``), after the more specific callbacks.
        log_level: The lowest level of log messages wanted. Stateless revision: sent on every
            request (default ``"debug"`` when ``logging_callback`` or ``message_handler`` is given,
            else none: the server sends no log messages). Handshake era: sent with
            ``logging/setLevel`` after ``initialize`` (default: not sent; the server then sends all).
        auto_input: Stateless revision: answer ``input_required`` results by running the callbacks
            and retrying (default). With ``False``, ``call_tool``, ``call_tool_result``,
            ``read_resource`` and ``get_prompt`` raise `InputRequiredError` instead (``request``
            always returns the raw result).
        max_input_rounds: How many ``input_required`` rounds one call may take (then `McpError`).

    Every callback may be a plain function or a coroutine function. A server request
    (handshake era) whose callback raises is answered with a JSON-RPC error: that of an `McpError`,
    else -32603 with the exception's text; a request with no callback is answered -32601, and
    ``ping`` with ``{}``. In the stateless revision an input request with no callback raises
    `McpError` (-32021) on the client side, and a callback's exception propagates to the caller.
    Notification callbacks run as the notifications arrive, in order; those sent before a
    response have all run when the call returns. Their exceptions are logged (``oxmcp.testing``).
    """

    def __init__(
        self,
        server: McpServer,
        *,
        headers: dict[str, str] | None = None,
        protocol_version: str = "2025-11-25",
        client_info: dict[str, Any] | None = None,
        capabilities: dict[str, Any] | None = None,
        sampling_callback: SamplingCallback | None = None,
        elicitation_callback: ElicitationCallback | None = None,
        list_roots_callback: ListRootsCallback | None = None,
        logging_callback: LoggingCallback | None = None,
        message_handler: MessageHandler | None = None,
        log_level: str | None = None,
        auto_input: bool = True,
        max_input_rounds: int = DEFAULT_MAX_INPUT_ROUNDS,
    ) -> None:
        self._server = server
        self._headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.protocol_version = protocol_version
        self._client_info = client_info or {"name": "oxmcp-mock-client", "version": "1.0"}
        self._sampling_callback = sampling_callback
        self._elicitation_callback = elicitation_callback
        self._list_roots_callback = list_roots_callback
        self._logging_callback = logging_callback
        self._message_handler = message_handler
        self._log_level = log_level
        self.auto_input = auto_input
        self.max_input_rounds = max_input_rounds
        self._capabilities = capabilities if capabilities is not None else callback_capabilities(self)
        self._conn: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._finalizer: weakref.finalize[[asyncio.Task[None]], MockMcpClient] | None = None
        self._dispatch_lock: asyncio.Lock | None = None
        self._progress: dict[str, ProgressCallback] = {}
        self._server_calls: dict[str, asyncio.Task[None]] = {}
        self.server_info: dict[str, Any] | None = None
        self.initialize_result: dict[str, Any] | None = None

    @property
    def capabilities(self) -> dict[str, Any]:
        """The client capabilities this client declares."""
        return self._capabilities

    @property
    def is_modern(self) -> bool:
        return self.protocol_version >= MODERN

    # -- the connection ------------------------------------------------------------------------------
    async def _connection(self) -> Any:
        runtime = runtime_of(self._server)
        runtime.attach()
        if self._conn is None:
            self._conn = runtime.connect_memory(self._headers)
            self._ensure_reader()
            if not self.is_modern:
                result = await self._send(
                    "initialize",
                    {
                        "protocolVersion": self.protocol_version,
                        "capabilities": self._capabilities,
                        "clientInfo": self._client_info,
                    },
                )
                self.initialize_result = result
                self.server_info = result.get("serverInfo")
                self._conn.notify("notifications/initialized")
                if self._log_level is not None:
                    await self._send("logging/setLevel", {"level": self._log_level})
        else:
            self._ensure_reader()
        return self._conn

    def _ensure_reader(self) -> None:
        """Starts the reader of server messages on the running loop (again, after a loop change)."""
        loop = asyncio.get_running_loop()
        reader = self._reader
        if reader is not None and not reader.done():
            if reader.get_loop() is loop:
                return
            try:  # a reader left on another (still open) loop
                reader.get_loop().call_soon_threadsafe(reader.cancel)
            except RuntimeError:
                pass
        if self._finalizer is not None:
            self._finalizer.detach()
        self._dispatch_lock = asyncio.Lock()
        self._server_calls = {}
        self._reader = loop.create_task(
            _read_server_messages(weakref.ref(self), self._conn), name="oxmcp-mock-client-reader"
        )
        self._finalizer = weakref.finalize(self, _stop_reader, self._reader)
        self._finalizer.atexit = False

    async def aclose(self) -> None:
        """Closes the connection: the session's requests in flight are cancelled, the reader and
        the callbacks still running for server requests stop. The client may be used again (it
        then connects afresh)."""
        conn, self._conn = self._conn, None
        reader, self._reader = self._reader, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if conn is not None:
            conn.close()
        loop = asyncio.get_running_loop()
        current = asyncio.current_task()
        tasks = [t for t in [reader, *self._server_calls.values()] if t is not None and not t.done()]
        self._server_calls = {}
        mine = [t for t in tasks if t.get_loop() is loop and t is not current]
        for t in mine:
            t.cancel()
        if mine:
            await asyncio.wait(mine)

    async def __aenter__(self) -> MockMcpClient:
        await self._connection()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- sending -------------------------------------------------------------------------------------
    async def _send(self, method: str, params: dict[str, Any] | None, request_id: int | None = None) -> Any:
        if self.is_modern:
            params = dict(params or {})
            meta = dict(params.get("_meta") or {})
            meta.setdefault("io.modelcontextprotocol/protocolVersion", self.protocol_version)
            meta.setdefault("io.modelcontextprotocol/clientCapabilities", self._capabilities)
            meta.setdefault("io.modelcontextprotocol/clientInfo", self._client_info)
            level = self._log_level
            if level is None and (self._logging_callback is not None or self._message_handler is not None):
                level = "debug"
            if level is not None:
                meta.setdefault("io.modelcontextprotocol/logLevel", level)
            params["_meta"] = meta
        answer = json.loads(
            await self._conn.request(method, None if params is None else json.dumps(params), request_id)
        )
        if "error" in answer:
            err = answer["error"]
            raise McpError(err["code"], err.get("message", ""), err.get("data"))
        return answer["result"]

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Sends any request; returns the raw result dict (an ``input_required`` result too: no
        automatic input resolution here) or raises `McpError`."""
        await self._connection()
        try:
            result: dict[str, Any] = await self._send(method, params)
            return result
        finally:
            await self._drain()

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Sends a notification."""
        conn = await self._connection()
        conn.notify(method, None if params is None else json.dumps(params))

    async def ping(self) -> None:
        await self.request("ping" if not self.is_modern else "server/discover")

    def take_notifications(self) -> list[dict[str, Any]]:
        """Every notification received since the last call (``{"method", "params"?}``), drained."""
        if self._conn is None:
            return []
        notifications: list[dict[str, Any]] = json.loads(self._conn.take_notifications())
        return notifications

    async def _call(
        self,
        method: str,
        params: dict[str, Any],
        progress_callback: ProgressCallback | None = None,
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A request that may need input (tools/call, resources/read, prompts/get): with progress
        reporting, and the input-required rounds answered from the callbacks."""
        await self._connection()
        params = dict(params)
        token_key: str | None = None
        if meta is not None or progress_callback is not None:
            m = dict(meta or {})
            if progress_callback is not None:
                token = m.get("progressToken")
                if token is None:
                    token = m["progressToken"] = f"mock-progress-{next(_progress_tokens)}"
                token_key = _token_key(token)
                self._progress[token_key] = progress_callback
            params["_meta"] = m
        try:
            result: dict[str, Any] = await self._send(method, params)
            rounds = 0
            while isinstance(result, dict) and result.get("resultType") == "input_required":
                if not self.auto_input:
                    raise InputRequiredError(method, result)
                rounds += 1
                if rounds > self.max_input_rounds:
                    raise McpError(
                        ErrorCode.INTERNAL_ERROR,
                        f"{method}: the server still asks for input after {self.max_input_rounds} rounds",
                        {"result": result},
                    )
                await self._drain()
                retry = {k: v for k, v in params.items() if k not in ("inputResponses", "requestState")}
                requests = result.get("inputRequests")
                if requests:
                    retry["inputResponses"] = await resolve_input_requests(self, method, requests)
                if "requestState" in result:
                    retry["requestState"] = result["requestState"]
                result = await self._send(method, retry)
            return result
        finally:
            try:
                await self._drain()
            finally:
                if token_key is not None:
                    self._progress.pop(token_key, None)

    # -- what the server sends on its own ------------------------------------------------------------
    async def _drain(self) -> None:
        """Dispatches the server messages queued so far, in order, under the dispatch lock (after
        a response: those sent before it have been handled when the call returns). A callback that
        calls the client again does not wait for the dispatch it runs inside."""
        conn = self._conn
        lock = self._dispatch_lock
        if conn is None or lock is None or _dispatching.get() is self:
            return
        async with lock:
            while (text := conn.try_next_message()) is not None:
                await self._dispatch(json.loads(text))

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        if "id" in msg:
            # Its own task (which must not inherit `_dispatching`): a slow callback blocks nothing.
            self._start_server_call(msg)
            return
        token = _dispatching.set(self)
        try:
            await self._on_notification(msg)
        finally:
            _dispatching.reset(token)

    def _start_server_call(self, msg: dict[str, Any]) -> None:
        key = json.dumps(msg["id"])
        task = asyncio.get_running_loop().create_task(self._answer_server_request(self._conn, msg))
        self._server_calls[key] = task

        def forget(t: asyncio.Task[None], key: str = key) -> None:
            if self._server_calls.get(key) is t:
                del self._server_calls[key]

        task.add_done_callback(forget)

    async def _answer_server_request(self, conn: Any, msg: dict[str, Any]) -> None:
        await answer_request(self, conn, msg)

    async def _on_notification(self, msg: dict[str, Any]) -> None:
        method = msg.get("method")
        params = msg.get("params") or {}
        if method == "notifications/cancelled":
            rid = params.get("requestId")
            task = self._server_calls.get(json.dumps(rid)) if rid is not None else None
            if task is not None:
                task.cancel()
        elif method == "notifications/progress":
            callback = self._progress.get(_token_key(params.get("progressToken")))
            if callback is not None:
                await run_notification_callback(
                    callback, params.get("progress"), params.get("total"), params.get("message")
                )
        elif method == "notifications/message" and self._logging_callback is not None:
            await run_notification_callback(self._logging_callback, params)
        if self._message_handler is not None:
            await run_notification_callback(self._message_handler, msg)

    # -- tools -------------------------------------------------------------------------------------
    async def list_tools(self) -> list[Tool]:
        return [Tool.from_dict(t) for t in await self._all_pages("tools/list", "tools")]

    async def call_tool_result(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        progress_callback: ProgressCallback | None = None,
        meta: dict[str, Any] | None = None,
    ) -> CallToolResult:
        """Calls a tool and returns the whole `CallToolResult` (no unwrapping, no ToolError).

        ``progress_callback(progress, total, message)`` is called for each progress notification
        about this call; ``meta`` is sent as the request's ``_meta``."""
        return CallToolResult.from_dict(
            await self._call(
                "tools/call", {"name": name, "arguments": arguments or {}}, progress_callback, meta
            )
        )

    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        progress_callback: ProgressCallback | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Any:
        """Calls a tool and returns its value: the structured result (unwrapped from
        ``{"result": ...}`` when the tool wraps it), else the text of a single text block, else
        the content blocks. Raises `ToolError` for an ``isError`` result and `McpError` for a
        JSON-RPC error. ``progress_callback`` and ``meta`` as in `call_tool_result`."""
        result = await self._call(
            "tools/call", {"name": name, "arguments": arguments or {}}, progress_callback, meta
        )
        content = result.get("content") or []
        if result.get("isError"):
            raise ToolError(content, result.get("structuredContent"))
        structured = result.get("structuredContent")
        if structured is not None:
            if (
                registry_of(self._server).unwraps_result(name)
                and isinstance(structured, dict)
                and set(structured) == {"result"}
            ):
                return structured["result"]
            return structured
        if not content:
            return None
        if len(content) == 1 and content[0].get("type") == "text":
            return content[0]["text"]
        return CallToolResult.from_dict(result).content

    # -- resources -----------------------------------------------------------------------------------
    async def list_resources(self) -> list[Resource]:
        return [Resource.from_dict(r) for r in await self._all_pages("resources/list", "resources")]

    async def list_resource_templates(self) -> list[ResourceTemplate]:
        items = await self._all_pages("resources/templates/list", "resourceTemplates")
        return [ResourceTemplate.from_dict(t) for t in items]

    async def read_resource(
        self,
        uri: str,
        *,
        progress_callback: ProgressCallback | None = None,
        meta: dict[str, Any] | None = None,
    ) -> list[TextResourceContents | BlobResourceContents]:
        """Reads a resource; returns its contents (text or blob)."""
        result = await self._call("resources/read", {"uri": uri}, progress_callback, meta)
        return [
            BlobResourceContents.from_dict(c) if "blob" in c else TextResourceContents.from_dict(c)
            for c in result.get("contents", [])
        ]

    # -- prompts -------------------------------------------------------------------------------------
    async def list_prompts(self) -> list[Prompt]:
        return [Prompt.from_dict(p) for p in await self._all_pages("prompts/list", "prompts")]

    async def get_prompt(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        progress_callback: ProgressCallback | None = None,
        meta: dict[str, Any] | None = None,
    ) -> GetPromptResult:
        result = await self._call(
            "prompts/get", {"name": name, "arguments": arguments or {}}, progress_callback, meta
        )
        return GetPromptResult.from_dict(result)

    # -- helpers -------------------------------------------------------------------------------------
    async def _all_pages(self, method: str, key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            result = await self.request(method, {"cursor": cursor} if cursor else {})
            items.extend(result.get(key, []))
            cursor = result.get("nextCursor")
            if not cursor:
                return items
