"""What the server's registry (`oxmcp.server._registry`) hands the Rust core when it registers a function.

Two records, two jobs:

* `Entry` is the registered function as the pump calls it: the function, how its JSON arguments
  become Python arguments (converters, the `Context` parameter), and what messages and answers say
  about it. It is the only record of those facts. The core keeps a handle to it (its own ``Entry``
  in ``src/call.rs``), gives it back on every call (``Job.entry``), and reads ``is_async``,
  ``wraps`` and ``structured`` from it once, at registration, for its hot path.
* A ``*Registration`` (one per component kind) is one ``ServerCore.add_*`` call: the definition
  listed to clients, the entry, and the options of that kind. The core reads and validates every
  field there, once (errors name the field), and writes ``execution.taskSupport`` into a tool's
  definition from ``ToolRegistration.task``: nothing here checks or rewrites them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "Entry",
    "PromptRegistration",
    "ResourceRegistration",
    "TemplateRegistration",
    "ToolRegistration",
    "call_arguments",
]


@dataclass(slots=True, eq=False)
class Entry:
    """A registered function, as the pump calls it."""

    name: str
    fn: Callable[..., Any]
    is_async: bool
    converters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    context_param: str | None = None
    # Tools: the output schema wraps results as {"result": ...}; structured=False answers with text
    # only. Read by the core at registration.
    wraps: bool = False
    structured: bool = True
    output_schema: dict[str, Any] | None = None
    mime_type: str | None = None
    description: str | None = None
    # Hand-written input schema: only these arguments reach the function (None: all of them).
    accepts: frozenset[str] | None = None


def call_arguments(entry: Entry, kwargs: dict[str, Any], context: Any) -> dict[str, Any]:
    """The keyword arguments of a call from validated JSON arguments (taken over, not copied): only
    those the function accepts, converted to the annotated types, plus its `Context` (``context``;
    typed loosely so that this record does not depend on the module of the request's context)."""
    if entry.accepts is not None:
        kwargs = {k: v for k, v in kwargs.items() if k in entry.accepts}
    if entry.converters:
        for name, convert in entry.converters.items():
            if name in kwargs:
                kwargs[name] = convert(kwargs[name])
    if entry.context_param is not None:
        kwargs[entry.context_param] = context
    return kwargs


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolRegistration:
    """`ServerCore.add_tool`: ``definition`` is the Tool object of ``tools/list`` (without
    ``execution``). ``drop_unknown``: arguments the input schema does not declare are dropped (a
    generated schema) rather than passed on (a hand-written one). ``task``: True, "optional" or
    "required" lets calls run as tasks (False: never). ``task_start="manual"``: a call that may become a
    task runs as a plain request until the function calls ``Context.start_task()``. ``timeout``:
    seconds a call (or a task's run) may take before it is answered with a timeout error and
    cancelled (None: no bound)."""

    definition: dict[str, Any]
    entry: Entry
    drop_unknown: bool = True
    task: bool | str = False
    task_start: Literal["immediate", "manual"] | str = "immediate"
    timeout: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceRegistration:
    """`ServerCore.add_resource`: ``definition`` is the Resource object of ``resources/list``;
    ``cache_ttl_ms``/``cache_scope`` override the server's caching hints for its reads."""

    definition: dict[str, Any]
    entry: Entry
    cache_ttl_ms: int | None = None
    cache_scope: Literal["public", "private"] | str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateRegistration(ResourceRegistration):
    """`ServerCore.add_template`: ``definition`` is the ResourceTemplate object of
    ``resources/templates/list``; caching hints as for a resource. ``variables_schema`` (an object
    schema over the URI's variables): the core converts and validates the variables a URI matched
    with it, as it does a tool's arguments (None: they reach the function as strings)."""

    variables_schema: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromptRegistration:
    """`ServerCore.add_prompt`: ``definition`` is the Prompt object of ``prompts/list``.
    ``arguments_schema`` (an object schema over the arguments): the core converts and validates a
    ``prompts/get``'s arguments with it, as it does a tool's (None: only required names are checked)."""

    definition: dict[str, Any]
    entry: Entry
    arguments_schema: dict[str, Any] | None = None
