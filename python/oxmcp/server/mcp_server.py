"""`McpServer`: decorate plain Python functions, serve them over MCP from the Rust core."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

from oxmcp.server._registry import DuplicatePolicy, Registry, state_keys
from oxmcp.server._runtime import Runtime
from oxmcp.types import to_wire

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["McpServer"]


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
        max_tasks_per_owner: Bound on the tasks of one owner (a caller's credentials, or a session;
            default 100), so one caller cannot fill the store. At either bound a new task is
            refused with JSON-RPC error -32030 whose message says which bound was hit.
        on_duplicate: Registering a tool, resource, template or prompt under a name (or URI) already
            registered raises ValueError (``"error"``, default), logs a warning on the ``oxmcp``
            logger and replaces it (``"warn"``), or replaces it silently (``"replace"``).
        tool_timeout: Seconds any tool call may run unless the tool sets ``timeout`` (default None:
            no bound); a call past it is answered with an error result and cancelled.

    The server is a facade over two parts: its registry of components
    (`oxmcp.server._registry.Registry`) and the runtime serving them, the Rust core plus the pump
    (`oxmcp.server._runtime.Runtime`).
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
        max_tasks_per_owner: int = 100,
        on_duplicate: DuplicatePolicy = "error",
        tool_timeout: float | None = None,
    ) -> None:
        self.name = name
        self.version = version
        self.instructions = instructions
        self._registry = Registry(on_duplicate, tool_timeout)
        self._runtime = Runtime(
            self._registry,
            name,
            version,
            instructions=instructions,
            title=title,
            description=description,
            website_url=website_url,
            icons_json=json.dumps(to_wire(icons)) if icons else None,
            page_size=page_size,
            max_message_bytes=max_message_bytes,
            cache_ttl_ms=cache_ttl_ms,
            cache_scope=cache_scope,
            sync_workers=sync_workers,
            request_state_keys=state_keys(request_state_key),
            request_state_ttl_s=float(request_state_ttl),
            task_ttl_s=float(task_ttl),
            max_tasks=max_tasks,
            max_tasks_per_owner=max_tasks_per_owner,
        )
        self._registry.bind(self._runtime.core, self)
        self.max_message_bytes = max_message_bytes or 4 * 1024 * 1024
        self.url: str | None = None
        """The HTTP endpoint's URL while `run_http` serves."""
        if type(self).validate_request is not McpServer.validate_request:
            self._registry.set_validator(self.validate_request)

    # -- hooks -----------------------------------------------------------------------------------
    async def validate_request(self, request: dict[str, Any]) -> object:
        """Called before every request when a subclass overrides it (sync or async).

        ``request`` holds ``method``, ``params`` and ``headers`` (lower-case names; empty on stdio).
        Raise to reject the request: an `McpError` is sent as is, any other exception becomes a
        JSON-RPC error -32600 with its message, and nothing else runs for that request.

        Over HTTP and WebSocket it is also the gate: called once per HTTP request, WebSocket upgrade
        and ``/sse`` stream with ``method`` and ``params`` None, before anything else is read; raising
        there answers 401 (``WWW-Authenticate: Bearer``). What it returns there names the caller (a
        str, or an object with a stable ``str()``); returning None names it by a sha256 digest of the
        credential headers it read (``oxmcp.server._auth``); return a stable user id so a refreshed
        token keeps its sessions. Sessions, their streams, answers to the server's requests and tasks
        belong to that caller: anyone else gets 404 / not found.
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
        timeout: float | None = None,
    ) -> Callable[[F], F]: ...
    def tool(self, name: Any = None, /, **options: Any) -> Any:
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
        ``timeout=seconds`` (default: the server's ``tool_timeout``) bounds a call, or a task's run:
        at the deadline it is answered with an error result and cancelled (a sync function's thread
        cannot be stopped; it keeps its ``sync_workers`` place until it returns).
        Returns the function unchanged.
        """

        # The overloads above type the options; `add_tool` checks them.
        def register(fn: F) -> F:
            self.add_tool(fn, name if isinstance(name, str) else None, **options)
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
        timeout: float | None = None,
    ) -> None:
        """Registers a tool, like ``@server.tool(...)``. At runtime, clients that listen are told
        the tool list changed. A name already registered follows the server's ``on_duplicate``."""
        self._registry.add_tool(
            fn,
            name,
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
            timeout=timeout,
        )

    def remove_tool(self, name: str) -> bool:
        """Removes a tool; returns whether it existed. Clients that listen are told."""
        return self._registry.remove_tool(name)

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
        ``mime_type`` is the ``mimeType`` both listed and read (contents that carry their own keep
        theirs); without it, a read carries the type a `list_resources` override declares for the
        URI, if any. ``cache_ttl_ms``/``cache_scope`` set this resource's caching hints on
        ``resources/read`` (protocol 2026-07-28; default: the server's).
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
        """Registers a resource or resource template, like ``@server.resource(uri)``. At runtime,
        clients that listen are told the resource list changed. A URI already registered follows
        the server's ``on_duplicate``."""
        self._registry.add_resource(
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

    def remove_resource(self, uri: str) -> bool:
        """Removes a resource (or a template, by its ``uriTemplate``); returns whether it existed.
        Clients that listen are told."""
        return self._registry.remove_resource(uri)

    def notify_resource_updated(self, uri: str) -> None:
        """Tells clients subscribed to ``uri`` that its contents changed
        (``notifications/resources/updated``): handshake-era sessions that sent
        ``resources/subscribe``, and stateless ``subscriptions/listen`` streams that named it."""
        self._runtime.core.notify_resource_updated(uri)

    def list_resources(self) -> Callable[[F], F]:
        """Overrides ``resources/list``: the function returns `Resource` objects (or dicts)."""

        def register(fn: F) -> F:
            self._registry.set_list_override("resources", fn)
            return fn

        return register

    # -- prompts -----------------------------------------------------------------------------------
    @overload
    def prompt(self, name: F, /) -> F: ...
    @overload
    def prompt(
        self,
        name: str | None = None,
        /,
        *,
        title: str | None = None,
        description: str | None = None,
        icons: list[Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Callable[[F], F]: ...
    def prompt(self, name: Any = None, /, **options: Any) -> Any:
        """Registers a function as a prompt: ``@server.prompt("code-review")`` or ``@server.prompt()``.

        Parameters become the prompt's arguments (required unless they have a default). The
        function returns a str, a `PromptMessage`, or a list of them.
        """

        # The overloads above type the options; `add_prompt` checks them.
        def register(fn: F) -> F:
            self.add_prompt(fn, name if isinstance(name, str) else None, **options)
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
        """Registers a prompt, like ``@server.prompt(...)``. At runtime, clients that listen are
        told the prompt list changed. A name already registered follows the server's
        ``on_duplicate``."""
        self._registry.add_prompt(fn, name, title=title, description=description, icons=icons, meta=meta)

    def remove_prompt(self, name: str) -> bool:
        """Removes a prompt; returns whether it existed. Clients that listen are told."""
        return self._registry.remove_prompt(name)

    def list_prompts(self) -> Callable[[F], F]:
        """Overrides ``prompts/list``: the function returns `Prompt` objects (or dicts)."""

        def register(fn: F) -> F:
            self._registry.set_list_override("prompts", fn)
            return fn

        return register

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
            self._registry.set_completion(fn)
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
            self._registry.set_error_hook(fn, mcp_errors)
            return fn

        return register

    # -- serving -----------------------------------------------------------------------------------
    async def run_stdio(self, *, write_timeout: float = 30.0) -> None:
        """Serves MCP on stdin/stdout until stdin closes (calls in flight are then cancelled at once,
        and it returns once their cleanup ran) or SIGTERM.

        While serving, anything written to stdout (``print()``, C extensions, child processes) goes
        to stderr instead, so it cannot corrupt the protocol stream. ``write_timeout``: seconds a
        client may read nothing while output waits (at most 4 MiB is queued) before the session ends.
        """
        sys.stdout.flush()
        await self._runtime.serve_stdio(write_timeout)

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
        max_sessions_per_principal: int = 100,
        uninitialized_session_timeout: float = 10.0,
        header_read_timeout: float = 10.0,
        body_read_timeout: float = 30.0,
        keep_alive_timeout: float = 60.0,
        max_connections: int = 1024,
        write_timeout: float = 30.0,
        announce: bool = True,
        legacy_sse: bool = True,
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
            session_idle_timeout: Seconds a handshake-era session lives after its client is gone (no
                request, no answer or GET stream open); calls still in flight are then cancelled.
            max_sessions: Bound on open sessions; beyond it ``initialize`` gets 503 + ``Retry-After``
                (no live session is evicted).
            max_sessions_per_principal: Sessions one authenticated caller may hold (429 beyond);
                anonymous callers are bounded by ``max_sessions`` only.
            uninitialized_session_timeout: Seconds a session may go unused after ``initialize``.
            header_read_timeout: Seconds a client has to send a request's headers (slowloris).
            body_read_timeout: Seconds a request's body may take after its headers (else 400).
            keep_alive_timeout: Seconds an idle connection (nothing in flight) stays open.
            max_connections: Open connections beyond this get 503 + ``Retry-After`` and are closed.
            write_timeout: Seconds a client may read nothing from a stream with output waiting (each
                stream queues at most 4 MiB; awaited notifications wait for room) before it loses
                the stream; a stateless call is then cancelled.
            announce: Print the URL to stderr once listening.
            legacy_sse: Also serve the 2024-11-05 HTTP+SSE transport (``GET /sse`` + ``/messages``);
                False answers those paths 404.
        """

        def listening(address: str) -> None:
            self.url = f"http://{address}{path}"
            if announce:
                print(f"oxmcp: {self.name} serving MCP on {self.url}", file=sys.stderr, flush=True)

        await self._runtime.serve_http(
            listening,
            host,
            port,
            path,
            allowed_hosts=list(allowed_hosts or []),
            allowed_origins=list(allowed_origins or []),
            cors=cors,
            session_idle_timeout_s=float(session_idle_timeout),
            max_sessions=max_sessions,
            max_sessions_per_principal=max_sessions_per_principal,
            uninitialized_session_timeout_s=float(uninitialized_session_timeout),
            header_read_timeout_s=float(header_read_timeout),
            body_read_timeout_s=float(body_read_timeout),
            keep_alive_timeout_s=float(keep_alive_timeout),
            max_connections=max_connections,
            legacy_sse=legacy_sse,
            write_timeout_s=float(write_timeout),
        )

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
        """Serves until the client disconnects (stdio), Ctrl-C or SIGTERM (calls in flight are
        cancelled and their cleanup runs; exit status 0); owns the event loop.

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
            f"{type(self).__name__}(name={self.name!r}, tools={len(self._registry.tools)}, "
            f"resources={len(self._registry.resources)}, prompts={len(self._registry.prompts)})"
        )
