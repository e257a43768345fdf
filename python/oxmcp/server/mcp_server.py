"""`McpServer`: decorate plain Python functions, serve them over MCP from the Rust core."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, overload

from oxmcp import _core, _results, schema
from oxmcp._pump import Entry, Pump, call_arguments
from oxmcp._registration import (
    PromptRegistration,
    ResourceRegistration,
    TemplateRegistration,
    ToolRegistration,
)
from oxmcp.exceptions import ErrorCode, McpError
from oxmcp.types import _resource_contents

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["McpServer"]


@dataclass(slots=True)
class _ErrorHandler:
    fn: Callable[[BaseException], Any]
    mcp_errors: bool


def _is_async(fn: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(inspect.unwrap(fn)):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - async callable objects
    return call is not None and inspect.iscoroutinefunction(call)


def _wire(value: Any) -> Any:
    """Accepts our types (with `to_dict`) or plain dicts/lists for definition fields."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def _definition(**fields: Any) -> dict[str, Any]:
    return {k: _wire(v) for k, v in fields.items() if v is not None}


class McpServer:
    """An MCP server. Register tools, resources and prompts with decorators, then `run()` it.

    ::

        server = McpServer("my-tool-server")

        @server.tool()
        async def calculate_sum(a: float, b: float) -> float:
            \"\"\"Calculate the sum of two numbers.\"\"\"
            return a + b

        server.run()  # stdio; or: asyncio.run(server.run_stdio())

    Subclass it to add state or to override `validate_request`; call ``super().__init__(name)``.

    Args:
        name: The server's name (``serverInfo.name``).
        version: The server's version (``serverInfo.version``).
        instructions: How to use this server, for the client's model.
        title, description, website_url, icons: More of ``serverInfo``.
        page_size: Items per page for the list methods (default: everything in one page).
        max_message_bytes: Largest incoming message accepted (default 4 MiB).
        cache_ttl_ms, cache_scope: Caching hints on list/read results (protocol 2026-07-28).
        sync_workers: How many plain ``def`` functions may run at once (on worker threads).
        request_state_key: Key(s) that sign the ``requestState`` of input-required results on the
            stateless wire (a str or bytes of at least 16 bytes, or a list: the first signs, all
            verify). Give every instance behind a load balancer the same key. Default: the
            ``OXMCP_REQUEST_STATE_KEY`` environment variable, else a random key per process.
        request_state_ttl: Seconds a ``requestState`` stays valid (default 600).
        task_ttl: Seconds a task (see ``@server.tool(task=...)``) is kept after its last status
            change (default 60; a running task is never dropped).
        max_tasks: Bound on the tasks kept in memory; when full, the oldest ended tasks make room,
            and a new task is refused while all are unfinished.
    """

    def __init__(
        self,
        name: str,
        version: str = "0.1.0",
        instructions: str | None = None,
        *,
        title: str | None = None,
        description: str | None = None,
        website_url: str | None = None,
        icons: list[Any] | None = None,
        page_size: int | None = None,
        max_message_bytes: int | None = None,
        cache_ttl_ms: int = 0,
        cache_scope: Literal["public", "private"] = "public",
        sync_workers: int = 40,
        request_state_key: str | bytes | list[str | bytes] | None = None,
        request_state_ttl: float = 600.0,
        task_ttl: float = 60.0,
        max_tasks: int = 10_000,
    ) -> None:
        self.name = name
        self.version = version
        self.instructions = instructions
        self._core = _core.ServerCore(
            name,
            version,
            instructions=instructions,
            title=title,
            description=description,
            website_url=website_url,
            icons_json=json.dumps(_wire(icons)) if icons else None,
            page_size=page_size,
            max_message_bytes=max_message_bytes,
            cache_ttl_ms=cache_ttl_ms,
            cache_scope=cache_scope,
            sync_workers=sync_workers,
            request_state_keys=_state_keys(request_state_key),
            request_state_ttl_s=float(request_state_ttl),
            task_ttl_s=float(task_ttl),
            max_tasks=max_tasks,
        )
        self._pump = Pump(self._core, self)
        self.max_message_bytes = max_message_bytes or 4 * 1024 * 1024
        self.url: str | None = None
        """The HTTP endpoint's URL while `run_http` serves."""
        self._tools: dict[str, Entry] = {}
        self._resources: dict[str, Entry] = {}
        self._prompts: dict[str, Entry] = {}
        self._completion: Entry | None = None
        self._error_handler: _ErrorHandler | None = None
        if type(self).validate_request is not McpServer.validate_request:
            hook = self.validate_request
            self._core.set_validator(Entry("validate_request", hook, _is_async(hook)), _is_async(hook))

    # -- hooks -----------------------------------------------------------------------------------
    async def validate_request(self, request: dict[str, Any]) -> None:
        """Called before every request when a subclass overrides it (sync or async).

        ``request`` holds ``method``, ``params`` and ``headers`` (lower-case names; empty on stdio).
        Raise to reject the request: an `McpError` is sent as is, any other exception becomes a
        JSON-RPC error -32600 with its message, and nothing else runs for that request.
        """

    # -- tools -------------------------------------------------------------------------------------
    @overload
    def tool(self, name: F, /) -> F: ...
    @overload
    def tool(
        self,
        name: str | None = None,
        /,
        *,
        title: str | None = None,
        description: str | None = None,
        annotations: Any = None,
        output_schema: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        icons: list[Any] | None = None,
        structured_output: bool | None = None,
        input_schema: dict[str, Any] | None = None,
        task: bool | Literal["optional", "required"] = False,
        task_start: Literal["immediate", "manual"] = "immediate",
    ) -> Callable[[F], F]: ...
    def tool(
        self,
        name: Any = None,
        /,
        *,
        title: str | None = None,
        description: str | None = None,
        annotations: Any = None,
        output_schema: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        icons: list[Any] | None = None,
        structured_output: bool | None = None,
        input_schema: dict[str, Any] | None = None,
        task: bool | Literal["optional", "required"] = False,
        task_start: Literal["immediate", "manual"] = "immediate",
    ) -> Any:
        """Registers a function as a tool: ``@server.tool()``, ``@server.tool``, or
        ``@server.tool("name", description=..., annotations={"readOnlyHint": True})``.

        The input schema comes from the type hints (descriptions from ``Annotated[..., "text"]`` or
        the docstring's ``Args:``); arguments are validated in Rust before the function runs.
        ``structured_output=False`` sends text only, without ``structuredContent``.
        ``input_schema={...}`` replaces the generated schema with a hand-written JSON Schema, kept
        verbatim (``$schema``, ``$defs``, ``additionalProperties``, conditionals...); arguments are
        validated against it, and those named like the function's parameters are passed to them
        (all of them with ``**kwargs``).

        ``task=True`` (or ``"optional"``) lets calls run as tasks: a client that can do tasks (the
        ``io.modelcontextprotocol/tasks`` extension on 2026-07-28, ``params.task`` in 2025-11-25) gets
        a task handle at once and polls it while the function runs in the background; other clients
        get a plain answer. ``task="required"`` refuses clients that cannot do tasks. The tool's
        definition shows it as ``execution.taskSupport``. With ``task_start="manual"`` a call runs as
        a plain request (so questions asked first are answered synchronously) until the function
        calls ``await ctx.start_task()``.
        Returns the function unchanged.
        """

        def register(fn: F) -> F:
            self.add_tool(
                fn,
                name if isinstance(name, str) else None,
                title=title,
                description=description,
                annotations=annotations,
                output_schema=output_schema,
                meta=meta,
                icons=icons,
                structured_output=structured_output,
                input_schema=input_schema,
                task=task,
                task_start=task_start,
            )
            return fn

        if callable(name):
            return register(name)
        return register

    def add_tool(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        *,
        title: str | None = None,
        description: str | None = None,
        annotations: Any = None,
        output_schema: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        icons: list[Any] | None = None,
        structured_output: bool | None = None,
        input_schema: dict[str, Any] | None = None,
        task: bool | Literal["optional", "required"] = False,
        task_start: Literal["immediate", "manual"] = "immediate",
    ) -> None:
        """Registers (or replaces) a tool, like ``@server.tool(...)``. At runtime, clients that
        listen are told the tool list changed."""
        spec = schema.analyze_function(fn, kind="tool")
        if input_schema is not None and (
            not isinstance(input_schema, dict) or input_schema.get("type") != "object"
        ):
            raise TypeError('input_schema must be a JSON Schema dict with "type": "object"')
        tool_name = name or spec.name
        wraps = spec.wraps_result
        out_schema = output_schema if output_schema is not None else spec.output_schema
        if output_schema is not None:
            wraps = False
        if structured_output is False:
            out_schema, wraps = None, False
        entry = Entry(
            tool_name,
            fn,
            _is_async(fn),
            dict(spec.converters),
            spec.context_param,
            wraps,
            structured_output is not False,
            out_schema,
        )
        if input_schema is not None:
            entry.converters = {}
            entry.accepts = None if spec.var_kwargs else frozenset(spec.param_names)
        definition = _definition(
            name=tool_name,
            title=title,
            description=description or spec.description,
            inputSchema=input_schema if input_schema is not None else spec.input_schema,
            outputSchema=out_schema,
            annotations=annotations,
            icons=icons,
            _meta=meta,
        )
        self._core.add_tool(
            ToolRegistration(
                definition=definition,
                entry=entry,
                drop_unknown=input_schema is None,
                task=task,
                task_start=task_start,
            )
        )
        self._tools[tool_name] = entry

    def remove_tool(self, name: str) -> bool:
        """Removes a tool; returns whether it existed. Clients that listen are told."""
        self._tools.pop(name, None)
        return bool(self._core.remove_tool(name))

    # -- resources ---------------------------------------------------------------------------------
    def resource(
        self,
        uri: str,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
        annotations: Any = None,
        icons: list[Any] | None = None,
        meta: dict[str, Any] | None = None,
        size: int | None = None,
        cache_ttl_ms: int | None = None,
        cache_scope: Literal["public", "private"] | None = None,
    ) -> Callable[[F], F]:
        """Registers a function as a resource: ``@server.resource("config://app")``.

        A URI with ``{variables}`` (``users://{user_id}/profile``) registers a resource template;
        each variable is passed to the function as the argument of the same name. The function may
        return ``str``, ``bytes``, a dict/list (sent as JSON), a ``TextContent``, or resource contents.
        ``cache_ttl_ms``/``cache_scope`` set this resource's caching hints on ``resources/read``
        (protocol 2026-07-28; default: the server's).
        """

        def register(fn: F) -> F:
            self.add_resource(
                fn,
                uri,
                name=name,
                title=title,
                description=description,
                mime_type=mime_type,
                annotations=annotations,
                icons=icons,
                meta=meta,
                size=size,
                cache_ttl_ms=cache_ttl_ms,
                cache_scope=cache_scope,
            )
            return fn

        return register

    def add_resource(
        self,
        fn: Callable[..., Any],
        uri: str,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
        annotations: Any = None,
        icons: list[Any] | None = None,
        meta: dict[str, Any] | None = None,
        size: int | None = None,
        cache_ttl_ms: int | None = None,
        cache_scope: Literal["public", "private"] | None = None,
    ) -> None:
        """Registers (or replaces) a resource or resource template, like ``@server.resource(uri)``.
        At runtime, clients that listen are told the resource list changed."""
        spec = schema.analyze_function(fn, kind="resource")
        res_name = name or spec.name
        desc = description or spec.description
        variables = _template_variables(uri)
        entry = Entry(
            res_name,
            fn,
            _is_async(fn),
            dict(spec.converters),
            spec.context_param,
            mime_type=mime_type,
            description=desc,
        )
        common = dict(
            name=res_name,
            title=title,
            description=desc,
            mimeType=mime_type,
            annotations=annotations,
            icons=icons,
            _meta=meta,
        )
        if variables:
            _check_template_params(uri, variables, spec)
            self._core.add_template(
                TemplateRegistration(
                    definition=_definition(uriTemplate=uri, **common),
                    entry=entry,
                    cache_ttl_ms=cache_ttl_ms,
                    cache_scope=cache_scope,
                )
            )
        else:
            required = spec.input_schema.get("required") or []
            if required:
                raise TypeError(
                    f"resource {uri!r}: {fn.__name__}() has required parameters {required} but the "
                    "URI has no {variables} to fill them"
                )
            self._core.add_resource(
                ResourceRegistration(
                    definition=_definition(uri=uri, size=size, **common),
                    entry=entry,
                    cache_ttl_ms=cache_ttl_ms,
                    cache_scope=cache_scope,
                )
            )
        self._resources[uri] = entry

    def remove_resource(self, uri: str) -> bool:
        """Removes a resource (or a template, by its ``uriTemplate``); returns whether it existed.
        Clients that listen are told."""
        self._resources.pop(uri, None)
        return bool(self._core.remove_resource(uri))

    def notify_resource_updated(self, uri: str) -> None:
        """Tells clients subscribed to ``uri`` that its contents changed
        (``notifications/resources/updated``): handshake-era sessions that sent
        ``resources/subscribe``, and stateless ``subscriptions/listen`` streams that named it."""
        self._core.notify_resource_updated(uri)

    async def _read_own_resource(self, uri: str, ctx: Any) -> list[Any]:
        """`Context.read_resource`: runs this server's resource function for ``uri``."""
        found = self._core.match_resource(uri)
        entry = self._resources.get(found[0]) if found is not None else None
        if found is None or entry is None:
            code = ErrorCode.INVALID_PARAMS if ctx.stateless else ErrorCode.RESOURCE_NOT_FOUND_LEGACY
            raise McpError(code, f"Resource not found: {uri}", {"uri": uri})
        value = entry.fn(**call_arguments(entry, found[1], ctx))
        if inspect.isawaitable(value):
            value = await value
        return [_resource_contents(c) for c in _results.resource_contents(value, uri, entry.mime_type)]

    error_hook = property(lambda self: self._error_handler)  # PumpHost
    read_own_resource = _read_own_resource  # PumpHost

    def list_resources(self) -> Callable[[F], F]:
        """Overrides ``resources/list``: the function returns `Resource` objects (or dicts)."""
        return self._list_override("resources")

    def _list_override(self, kind: str) -> Callable[[F], F]:
        def register(fn: F) -> F:
            entry = Entry(fn.__name__, fn, _is_async(fn))
            self._core.set_list_override(kind, entry, entry.is_async)
            return fn

        return register

    # -- prompts -----------------------------------------------------------------------------------
    def prompt(
        self,
        name: Any = None,
        /,
        *,
        title: str | None = None,
        description: str | None = None,
        icons: list[Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Any:
        """Registers a function as a prompt: ``@server.prompt("code-review")`` or ``@server.prompt()``.

        Parameters become the prompt's arguments (required unless they have a default). The
        function returns a str, a `PromptMessage`, or a list of them.
        """

        def register(fn: F) -> F:
            self.add_prompt(
                fn,
                name if isinstance(name, str) else None,
                title=title,
                description=description,
                icons=icons,
                meta=meta,
            )
            return fn

        if callable(name):
            return register(name)
        return register

    def add_prompt(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        *,
        title: str | None = None,
        description: str | None = None,
        icons: list[Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Registers (or replaces) a prompt, like ``@server.prompt(...)``. At runtime, clients that
        listen are told the prompt list changed."""
        spec = schema.analyze_function(fn, kind="prompt")
        prompt_name = name or spec.name
        desc = description or spec.description
        entry = Entry(
            prompt_name,
            fn,
            _is_async(fn),
            dict(spec.converters),
            spec.context_param,
            description=desc,
        )
        definition = _definition(
            name=prompt_name,
            title=title,
            description=desc,
            arguments=spec.arguments or None,
            icons=icons,
            _meta=meta,
        )
        self._core.add_prompt(PromptRegistration(definition=definition, entry=entry))
        self._prompts[prompt_name] = entry

    def remove_prompt(self, name: str) -> bool:
        """Removes a prompt; returns whether it existed. Clients that listen are told."""
        self._prompts.pop(name, None)
        return bool(self._core.remove_prompt(name))

    def list_prompts(self) -> Callable[[F], F]:
        """Overrides ``prompts/list``: the function returns `Prompt` objects (or dicts)."""
        return self._list_override("prompts")

    # -- completion --------------------------------------------------------------------------------
    def completion(self) -> Callable[[F], F]:
        """Registers the function that completes prompt arguments and resource-template variables
        (``completion/complete``; the server then declares the ``completions`` capability)::

            @server.completion()
            async def complete(ref, argument, context):
                if isinstance(ref, PromptReference) and argument.name == "language":
                    return [lang for lang in LANGUAGES if lang.startswith(argument.value)]
                return None

        ``ref`` is a `PromptReference` (``.name``) or a `ResourceTemplateReference` (``.uri``);
        ``argument`` has ``.name`` and ``.value`` (typed so far); ``context.arguments`` holds the
        arguments already filled in. Return a list of str, a `Completion` (``values``, ``total``,
        ``has_more``), or None for no suggestions. At most 100 values are sent (``hasMore`` is set
        when more were returned).
        """

        def register(fn: F) -> F:
            entry = Entry(fn.__name__, fn, _is_async(fn))
            self._completion = entry
            self._core.set_completion(entry, entry.is_async)
            return fn

        return register

    # -- errors ------------------------------------------------------------------------------------
    def error_handler(self, *, mcp_errors: bool = False) -> Callable[[F], F]:
        """Registers a global handler for exceptions raised by tools, resources and prompts.

        It receives the exception (sync or async) and returns what to answer: ``None`` for the
        default (an ``isError`` tool result / -32603), ``{"error": {"code", "message", "data"?}}`` or an
        `McpError` for that JSON-RPC error, or a str for an error with that text. By default an
        `McpError` is a deliberate answer and bypasses the handler; ``mcp_errors=True`` routes those
        through it too.
        """

        def register(fn: F) -> F:
            self._error_handler = _ErrorHandler(fn, mcp_errors)
            return fn

        return register

    # -- serving -----------------------------------------------------------------------------------
    async def run_stdio(self) -> None:
        """Serves MCP on stdin/stdout until stdin closes.

        While serving, anything written to stdout (``print()``, C extensions, child processes) goes
        to stderr instead, so it cannot corrupt the protocol stream.
        """
        self._pump.attach()
        sys.stdout.flush()
        try:
            await self._core.serve_stdio()
        finally:
            self._pump.detach()

    async def run_http(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        path: str = "/mcp",
        *,
        allowed_hosts: list[str] | None = None,
        allowed_origins: list[str] | None = None,
        cors: bool = False,
        session_idle_timeout: float = 1800.0,
        max_sessions: int = 10_000,
        announce: bool = True,
    ) -> None:
        """Serves Streamable HTTP on ``http://host:port/path`` until cancelled.

        One endpoint serves both protocol eras: stateless 2026-07-28 requests and handshake-era
        sessions (``Mcp-Session-Id``, GET stream, DELETE). ``GET /healthz`` reports status.

        Args:
            host: Interface to bind; the default 127.0.0.1 keeps the server local.
            port: TCP port (0 picks a free one).
            path: The MCP endpoint.
            allowed_hosts: Extra ``Host`` names to accept (on loopback, only loopback names are).
            allowed_origins: Browser origins to accept (``"*"`` for any); loopback origins are
                accepted on loopback. Any other ``Origin`` gets 403 (DNS-rebinding protection).
            cors: Answer CORS preflights and expose ``Mcp-Session-Id`` to allowed origins.
            session_idle_timeout: Seconds after which an idle handshake-era session ends.
            max_sessions: Bound on open sessions; the least recently used is evicted beyond it.
            announce: Print the URL to stderr once listening.
        """
        self._pump.attach()
        serving, address = self._core.serve_http(
            host,
            port,
            path,
            allowed_hosts=list(allowed_hosts or []),
            allowed_origins=list(allowed_origins or []),
            cors=cors,
            session_idle_timeout_s=float(session_idle_timeout),
            max_sessions=max_sessions,
        )
        self.url = f"http://{address}{path}"
        if announce:
            print(f"oxmcp: {self.name} serving MCP on {self.url}", file=sys.stderr, flush=True)
        try:
            await serving
        finally:
            self._pump.detach()

    def asgi_app(self, **options: Any) -> Any:
        """The MCP endpoint as an ASGI app (`oxmcp.server.asgi.McpAsgiApp`, same options), e.g. to
        mount in Starlette: ``Mount("/mcp", app=server.asgi_app())`` (clients then use ``/mcp/``)."""
        from oxmcp.server.asgi import McpAsgiApp

        return McpAsgiApp(self, **options)

    async def run_async(
        self,
        transport: Literal["stdio", "http", "streamable-http", "sse", "websocket"] = "stdio",
        **options: Any,
    ) -> None:
        """Serves with the given transport inside a running event loop.

        ``transport="stdio"`` (default), ``"http"`` (alias ``"streamable-http"``; options as
        `run_http`), ``"sse"`` (the same HTTP server: the 2024-11-05 transport lives at ``/sse``
        beside the Streamable HTTP endpoint), or ``"websocket"`` (options as
        `oxmcp.server.websocket.run_websocket_server`).
        """
        if transport == "stdio":
            if options:
                raise TypeError(f"stdio takes no options, got {sorted(options)}")
            await self.run_stdio()
        elif transport in ("http", "streamable-http", "sse"):
            # One server: Streamable HTTP at `path`, and the 2024-11-05 HTTP+SSE transport at
            # /sse (+ /messages) beside it, for old clients.
            await self.run_http(**options)
        elif transport == "websocket":
            from oxmcp.server.websocket import run_websocket_server

            await run_websocket_server(self, **options)
        else:
            raise ValueError(
                f"unknown transport {transport!r} (available: 'stdio', 'http', 'sse', 'websocket')"
            )

    def run(
        self,
        transport: Literal["stdio", "http", "streamable-http", "sse", "websocket"] = "stdio",
        **options: Any,
    ) -> None:
        """Serves until the client disconnects (stdio) or Ctrl-C; owns the event loop.

        ``server.run()`` serves stdio; ``server.run(transport="http", port=8000)`` serves
        Streamable HTTP on ``http://127.0.0.1:8000/mcp`` (see `run_http` for the options).
        """
        if transport not in ("stdio", "http", "streamable-http", "sse", "websocket"):
            raise ValueError(
                f"unknown transport {transport!r} (available: 'stdio', 'http', 'sse', 'websocket')"
            )
        try:
            asyncio.run(self.run_async(transport, **options))
        except KeyboardInterrupt:
            pass

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, tools={len(self._tools)}, "
            f"resources={len(self._resources)}, prompts={len(self._prompts)})"
        )


def _state_keys(key: str | bytes | list[str | bytes] | None) -> list[bytes] | None:
    """The ``requestState`` signing keys, from the argument or ``OXMCP_REQUEST_STATE_KEY``."""
    if key is None:
        env = os.environ.get("OXMCP_REQUEST_STATE_KEY")
        if not env:
            return None
        key = [k for k in env.split(",") if k]
    keys = key if isinstance(key, list) else [key]
    return [k.encode() if isinstance(k, str) else bytes(k) for k in keys]


def _template_variables(uri: str) -> list[str]:
    out: list[str] = []
    rest = uri
    while "{" in rest:
        start = rest.index("{")
        end = rest.find("}", start)
        if end < 0:
            raise ValueError(f"unclosed '{{' in resource URI {uri!r}")
        out.append(rest[start + 1 : end].lstrip("+"))
        rest = rest[end + 1 :]
    return out


def _check_template_params(uri: str, variables: list[str], spec: schema.FunctionSpec) -> None:
    params = set(spec.param_names)
    missing = [v for v in variables if v not in params and not spec.var_kwargs]
    if missing:
        raise TypeError(f"resource template {uri!r}: the function has no parameter for {missing}")
    required = set(spec.input_schema.get("required") or [])
    unfilled = sorted(required - set(variables))
    if unfilled:
        raise TypeError(f"resource template {uri!r}: required parameters {unfilled} are not in the URI")
