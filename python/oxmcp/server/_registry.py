"""The components of one server: its tools, resources, resource templates and prompts, the hooks
around them (list overrides, completion, request validation, the error handler), and how each is
registered with the Rust core.

`McpServer`'s decorators hand the user's function and options to `Registry`, which analyses the
function (`oxmcp.schema`), builds the wire definition and the `Entry` the pump calls, and registers
both with the core as one typed record per component kind (`oxmcp._registration`), which the core
reads and validates once.

The registry is also what the pump and `Context` need of a server (`PumpHost`): the error handler
(`error_hook`) and reading one of the server's own resources (`read_own_resource`).
"""

from __future__ import annotations

import inspect
import logging
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from oxmcp import _results, schema
from oxmcp._registration import (
    Entry,
    PromptRegistration,
    ResourceRegistration,
    TemplateRegistration,
    ToolRegistration,
    call_arguments,
)
from oxmcp.exceptions import ErrorCode, McpError
from oxmcp.server._auth import gate_validator
from oxmcp.server._listed_mime import ListedMimeTypes
from oxmcp.types import _resource_contents, to_wire

__all__ = ["DuplicatePolicy", "ErrorHook", "Registry", "registry_of"]

logger = logging.getLogger("oxmcp")

DuplicatePolicy = Literal["error", "warn", "replace"]
_DUPLICATE_POLICIES = ("error", "warn", "replace")


@dataclass(slots=True)
class ErrorHook:
    """The function registered with ``@server.error_handler()``."""

    fn: Callable[[BaseException], Any]
    mcp_errors: bool


def registry_of(server: Any) -> Registry:
    """The registry of an `McpServer`'s components."""
    registry: Registry = server._registry
    return registry


class Registry:
    """The components registered on one server, and their registration with the core.

    The core it registers with, and the server it belongs to, are given by `bind` (the core is
    built with a pump that already knows the registry).

    Args:
        on_duplicate: What registering a second component under an existing name does:
            ``"error"`` (ValueError), ``"warn"`` (a warning on the ``oxmcp`` logger, then the new
            one replaces the old) or ``"replace"`` (silently).
        tool_timeout: Seconds a tool call may run unless the tool sets its own ``timeout``.
    """

    def __init__(self, on_duplicate: DuplicatePolicy = "error", tool_timeout: float | None = None) -> None:
        if on_duplicate not in _DUPLICATE_POLICIES:
            raise ValueError(f"on_duplicate must be 'error', 'warn' or 'replace', not {on_duplicate!r}")
        self._core: Any = None
        self.on_duplicate: DuplicatePolicy = on_duplicate
        if tool_timeout is not None and (
            isinstance(tool_timeout, bool)
            or not isinstance(tool_timeout, (int, float))
            or not 0 < tool_timeout < float("inf")
        ):
            raise ValueError(
                f"tool_timeout must be a positive number of seconds or None, not {tool_timeout!r}"
            )
        self.tool_timeout = tool_timeout  # a tool's timeout unless it names its own
        self.tools: dict[str, Entry] = {}
        self.resources: dict[str, Entry] = {}  # by URI, and templates by their uriTemplate
        self.prompts: dict[str, Entry] = {}
        self._error_hook: ErrorHook | None = None
        self._owner: weakref.ref[Any] | None = None
        self._listed_mime = ListedMimeTypes()

    # -- what the pump and Context need (PumpHost, ContextHost) -------------------------------
    @property
    def error_hook(self) -> ErrorHook | None:
        """The ``@server.error_handler()`` record, or None."""
        return self._error_hook

    @property
    def server(self) -> Any:
        """The server these components belong to (`Context.server`), or None once it is gone."""
        return self._owner() if self._owner is not None else None

    def bind(self, core: Any, server: Any) -> None:
        """The core to register with, and the server the components belong to (held weakly: the
        pump holds the registry weakly too, so the server's lifetime is its user's)."""
        self._core = core
        self._owner = weakref.ref(server)

    async def read_own_resource(self, uri: str, ctx: Any) -> list[Any]:
        """`Context.read_resource`: runs this server's resource function for ``uri``."""
        found = self._core.match_resource(uri)  # McpError for a variable its template refuses
        entry = self.resources.get(found[0]) if found is not None else None
        if found is None or entry is None:
            code = ErrorCode.INVALID_PARAMS if ctx.stateless else ErrorCode.RESOURCE_NOT_FOUND_LEGACY
            raise McpError(code, f"Resource not found: {uri}", {"uri": uri})
        value = entry.fn(**call_arguments(entry, found[1], ctx))
        if inspect.isawaitable(value):
            value = await value
        return [_resource_contents(c) for c in _results.resource_contents(value, uri, entry.mime_type)]

    # -- tools ----------------------------------------------------------------------------------
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
        spec = schema.analyze_function(
            fn, kind="tool", strict=True, own_input_schema=input_schema is not None
        )
        if input_schema is not None and (
            not isinstance(input_schema, dict) or input_schema.get("type") != "object"
        ):
            raise TypeError('input_schema must be a JSON Schema dict with "type": "object"')
        tool_name = name or spec.name
        self._check_duplicate("tool", tool_name, self.tools)
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
                timeout=timeout if timeout is not None else self.tool_timeout,
            )
        )
        self.tools[tool_name] = entry

    def remove_tool(self, name: str) -> bool:
        self.tools.pop(name, None)
        return bool(self._core.remove_tool(name))

    def unwraps_result(self, name: str) -> bool:
        """Whether a caller should unwrap the tool's ``{"result": ...}`` structured content: always,
        unless the tool declared its own output schema and does not wrap (`MockMcpClient.call_tool`)."""
        entry = self.tools.get(name)
        return entry.wraps if entry is not None and entry.output_schema is not None else True

    # -- resources ------------------------------------------------------------------------------
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
        spec = schema.analyze_function(fn, kind="resource", strict=True)
        res_name = name or spec.name
        desc = description or spec.description
        variables = _template_variables(uri)
        self._check_duplicate("resource template" if variables else "resource", uri, self.resources)
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
            definition = _definition(uriTemplate=uri, **common)
            self._core.add_template(
                TemplateRegistration(
                    definition=definition,
                    entry=entry,
                    cache_ttl_ms=cache_ttl_ms,
                    cache_scope=cache_scope,
                    variables_schema=schema.template_variables_schema(spec, variables),
                )
            )
        else:
            required = spec.input_schema.get("required") or []
            if required:
                raise TypeError(
                    f"resource {uri!r}: {fn.__name__}() has required parameters {required} but the "
                    "URI has no {variables} to fill them"
                )
            if mime_type is None:  # read with the type the listing declares, if any
                entry.fn = self._listed_mime.reading(entry, uri)
            definition = _definition(uri=uri, size=size, **common)
            self._core.add_resource(
                ResourceRegistration(
                    definition=definition, entry=entry, cache_ttl_ms=cache_ttl_ms, cache_scope=cache_scope
                )
            )
        self.resources[uri] = entry

    def remove_resource(self, uri: str) -> bool:
        self.resources.pop(uri, None)
        return bool(self._core.remove_resource(uri))

    # -- prompts --------------------------------------------------------------------------------
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
        spec = schema.analyze_function(fn, kind="prompt", strict=True)
        prompt_name = name or spec.name
        self._check_duplicate("prompt", prompt_name, self.prompts)
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
        self._core.add_prompt(
            PromptRegistration(
                definition=definition, entry=entry, arguments_schema=schema.prompt_arguments_schema(spec)
            )
        )
        self.prompts[prompt_name] = entry

    def remove_prompt(self, name: str) -> bool:
        self.prompts.pop(name, None)
        return bool(self._core.remove_prompt(name))

    # -- hooks ----------------------------------------------------------------------------------
    def set_list_override(self, kind: Literal["resources", "prompts"], fn: Callable[..., Any]) -> None:
        """``@server.list_resources()`` / ``@server.list_prompts()``."""
        call = self._listed_mime.watch(fn) if kind == "resources" else fn
        entry = Entry(fn.__name__, call, _is_async(fn))
        self._core.set_list_override(kind, entry)

    def set_completion(self, fn: Callable[..., Any]) -> None:
        entry = Entry(fn.__name__, fn, _is_async(fn))
        self._core.set_completion(entry)

    def set_validator(self, fn: Callable[..., Any]) -> None:
        """A subclass's ``validate_request``: the authentication gate of every HTTP request and
        WebSocket upgrade (its answer names the caller: `oxmcp.server._auth`), and a check before
        every JSON-RPC request."""
        is_async = _is_async(fn)
        self._core.set_validator(Entry("validate_request", gate_validator(fn, is_async), is_async))

    def set_error_hook(self, fn: Callable[[BaseException], Any], mcp_errors: bool) -> None:
        self._error_hook = ErrorHook(fn, mcp_errors)

    # -- duplicates -----------------------------------------------------------------------------
    def _check_duplicate(self, kind: str, key: str, registered: dict[str, Entry]) -> None:
        if key not in registered or self.on_duplicate == "replace":
            return
        if self.on_duplicate == "warn":
            logger.warning("%s %r is registered again; the new one replaces the old one", kind, key)
            return
        raise ValueError(
            f"{kind} {key!r} is already registered; remove it first, or create the server with "
            "on_duplicate='replace' (or 'warn') to replace it"
        )


# -- building definitions -------------------------------------------------------------------------
def _is_async(fn: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(inspect.unwrap(fn)):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - async callable objects
    return call is not None and inspect.iscoroutinefunction(call)


def _definition(**fields: Any) -> dict[str, Any]:
    return {k: to_wire(v) for k, v in fields.items() if v is not None}


def state_keys(key: str | bytes | list[str | bytes] | None) -> list[bytes] | None:
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
        out.append(rest[start + 1 : end].lstrip("+/"))
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
