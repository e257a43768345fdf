"""Type stubs for the native module `oxmcp._core` (hand-written; checked by tests/test_stubs.py)."""

from collections.abc import Awaitable
from typing import Any, ClassVar, Literal

from oxmcp._registration import (
    Entry,
    PromptRegistration,
    ResourceRegistration,
    TemplateRegistration,
    ToolRegistration,
)

__version__: str
MAX_VALUE_DEPTH: int
"""How deep a value user code hands the server may nest (containers in containers); 256."""

class CallKind:
    """What a call runs; the pump dispatches on it."""

    TOOL: ClassVar[CallKind]
    RESOURCE: ClassVar[CallKind]
    PROMPT: ClassVar[CallKind]
    LIST: ClassVar[CallKind]
    VALIDATE: ClassVar[CallKind]
    COMPLETE: ClassVar[CallKind]
    @property
    def label(self) -> str:
        """The kind as a word for messages: "tool", "resource", ..."""

class Job:
    """One call of a Python function, handed to the pump."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> CallKind: ...
    @property
    def entry(self) -> Any: ...
    @property
    def uri(self) -> str | None: ...
    @property
    def method(self) -> str: ...
    @property
    def protocol_version(self) -> str: ...
    @property
    def request_id(self) -> int | str: ...
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def principal(self) -> str | None: ...
    @property
    def meta(self) -> dict[str, Any] | None: ...
    @property
    def client_info(self) -> dict[str, Any] | None: ...
    @property
    def client_capabilities(self) -> dict[str, Any]: ...
    @property
    def cancelled(self) -> bool: ...
    @property
    def done(self) -> bool: ...
    @property
    def stateless(self) -> bool: ...
    @property
    def wants_progress(self) -> bool: ...
    def log(self, level: str, data: Any, logger: str | None = None) -> bool: ...
    def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> bool: ...
    def room(self) -> Awaitable[bool] | None: ...
    def request_client(self, method: str, params: Any) -> Awaitable[str]: ...
    @property
    def input_responses(self) -> dict[str, Any] | None: ...
    @property
    def input_data(self) -> Any: ...
    def input_required(self, requests: dict[str, Any], data: Any = None) -> None: ...
    def start_task(self) -> bool: ...
    @property
    def task_id(self) -> str | None: ...
    def kwargs(self) -> dict[str, Any]: ...
    def request(self) -> dict[str, Any]: ...
    def complete(self, value: Any) -> None:
        """Answers a tool call with the function's return value (shaped in Rust)."""
    def complete_raw(self, value: Any) -> None: ...
    def fail_protocol(self, code: int, message: str, data: Any = None) -> None: ...
    def fail(self, message: str) -> None: ...

class MemoryClient:
    """An in-memory client with its own session."""

    def next_request_id(self) -> int: ...
    def request(
        self, method: str, params_json: str | None = None, request_id: int | None = None
    ) -> Awaitable[str]: ...
    def notify(self, method: str, params_json: str | None = None) -> None: ...
    def send_raw(self, frame: bytes) -> None: ...
    def next_message(self) -> Awaitable[str | None]:
        """The next request or notification the server sent on its own, as JSON text
        ``{"id"?, "method", "params"?}`` (``id`` only on requests); None once closed."""
    def wait_message(self) -> Awaitable[bool]:
        """True once a server message is queued (not taken), False once closed."""
    def try_next_message(self) -> str | None:
        """The next queued server message (JSON text), or None when none is waiting."""
    def respond(self, id_json: str, result_json: str) -> None:
        """Answers the server request whose id (as JSON) is ``id_json``."""
    def respond_error(self, id_json: str, code: int, message: str, data_json: str | None = None) -> None: ...
    def close(self) -> None:
        """Ends the client: ``next_message`` resolves to None, the session's requests are cancelled."""
    @property
    def closed(self) -> bool: ...
    def take_notifications(self) -> str: ...
    def take_orphan_errors(self) -> str: ...

class ServerCore:
    """The native server behind `oxmcp.McpServer`."""

    def __init__(
        self,
        name: str,
        version: str,
        *,
        instructions: str | None = None,
        title: str | None = None,
        description: str | None = None,
        website_url: str | None = None,
        icons_json: str | None = None,
        page_size: int | None = None,
        max_message_bytes: int | None = None,
        cache_ttl_ms: int = 0,
        cache_scope: str = "public",
        sync_workers: int = 40,
        request_state_keys: list[bytes] | None = None,
        request_state_ttl_s: float = 600.0,
        task_ttl_s: float = 60.0,
        max_tasks: int = 10_000,
        task_poll_interval_s: float = 0.5,
        max_tasks_per_owner: int = 100,
    ) -> None: ...
    @property
    def name(self) -> str: ...
    def set_runner(self, runner: Any) -> None:
        """The pump: its ``run_sync(job)`` runs sync functions (set once)."""
    def add_tool(self, spec: ToolRegistration) -> None: ...
    def remove_tool(self, name: str) -> bool: ...
    def add_resource(self, spec: ResourceRegistration) -> None: ...
    def add_template(self, spec: TemplateRegistration) -> None: ...
    def remove_resource(self, uri: str) -> bool: ...
    def add_prompt(self, spec: PromptRegistration) -> None: ...
    def remove_prompt(self, name: str) -> bool: ...
    def set_completion(self, entry: Entry | None = None) -> None: ...
    def match_resource(self, uri: str) -> tuple[str, dict[str, Any]] | None:
        """`(uri or uriTemplate, variables)`: the variables converted by the template's schema;
        `McpError` -32602 (as ``resources/read`` answers) when that schema refuses one."""
    def notify_resource_updated(self, uri: str) -> None: ...
    def set_list_override(
        self, kind: Literal["resources", "prompts"], entry: Entry | None = None
    ) -> None: ...
    def set_validator(self, entry: Entry | None = None) -> None: ...
    def wakeup_fd(self) -> int: ...
    def drain(self) -> list[Job | int]: ...
    def serve_stdio(self, eof_grace_ms: int = 0, *, write_timeout_s: float = 30.0) -> Awaitable[None]: ...
    def serve_http(
        self,
        host: str,
        port: int,
        path: str = "/mcp",
        *,
        allowed_hosts: list[str] = ...,
        allowed_origins: list[str] = ...,
        cors: bool = False,
        session_idle_timeout_s: float = 1800.0,
        max_sessions: int = 10000,
        legacy_sse: bool = True,
        header_read_timeout_s: float = 10.0,
        keep_alive_timeout_s: float = 60.0,
        max_connections: int = 1024,
        max_sessions_per_principal: int = 100,
        uninitialized_session_timeout_s: float = 10.0,
        body_read_timeout_s: float = 30.0,
        write_timeout_s: float = 30.0,
    ) -> tuple[Awaitable[None], str]: ...
    def serve_websocket(
        self,
        host: str,
        port: int,
        path: str = "/",
        *,
        allowed_hosts: list[str] = ...,
        allowed_origins: list[str] = ...,
        max_connections: int = 10000,
        ping_interval_s: float = 30.0,
        write_timeout_s: float = 30.0,
    ) -> tuple[Awaitable[None], str]: ...
    def connect_memory(self, headers: dict[str, str] | None = None) -> MemoryClient: ...

class HttpResponse:
    """A response of the mounted HTTP endpoint."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    def next_chunk(self) -> Awaitable[bytes | None]: ...
    def close(self) -> None: ...

class Admission:
    """What the authentication gate said about a request, before its body was read."""

    def refusal(self) -> HttpResponse | None: ...

class HttpApp:
    """The MCP endpoint for ASGI hosts."""

    def admit(self, method: str, headers: list[tuple[str, str]]) -> Awaitable[Admission]: ...
    def handle(
        self, method: str, headers: list[tuple[str, str]], body: bytes, admission: Admission | None = None
    ) -> Awaitable[HttpResponse]: ...

def http_app(
    core: ServerCore,
    *,
    allowed_hosts: list[str] = ...,
    allowed_origins: list[str] = ...,
    cors: bool = False,
    session_idle_timeout_s: float = 1800.0,
    max_sessions: int = 10000,
) -> HttpApp: ...
def tool_result(parts: tuple[Any, ...], wraps: bool, structured: bool = True) -> dict[str, Any]:
    """The ``CallToolResult`` dict of parts made by `oxmcp._results.tool_parts`."""

def jsonable(value: Any, root: str = "result") -> Any:
    """``value`` as plain JSON data through the core's converter: depth-bounded (`MAX_VALUE_DEPTH`),
    cycle-aware, the known types of ``oxmcp._jsonable``. Raises ValueError or TypeError naming the
    path under ``root`` and the problem."""
