"""Schemas for arguments that arrive as text: prompt arguments and resource-template variables.

On the wire a prompt argument is a string (``prompts/get`` takes ``{name: string}``) and a template variable
is a piece of a URI, yet the function may ask for ``n: int``, ``when: date`` or a ``Literal``. The Rust core
validates these arguments against a JSON Schema the way it validates tool arguments: it coerces a string
leniently where the schema wants another JSON type ("3" -> 3, "true" -> true, "[1, 2]" -> a list, "" ->
null where null is allowed) and then checks it, naming the argument that fails, before Python runs. So the
schema is the parameters' own input schema (the one a tool would get), restricted to what can arrive, with
one allowance: an ``enum`` of mixed JSON types (``Literal[1, "a"]``) names no type the core could coerce
to, so it also accepts the JSON text of its non-string values, which the parameter's converter parses.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from .function import FunctionSpec
from .json_schema import object_schema


def prompt_arguments_schema(spec: FunctionSpec) -> dict[str, Any]:
    """The JSON Schema a prompt's arguments are validated against: one property per parameter (a
    ``Context`` parameter is not one), the parameters without a default required.

    ``spec`` is what ``analyze_function(fn, kind="prompt")`` gave. A function with ``**kwargs`` takes
    arguments the schema does not name: do not drop unknown arguments for it (``spec.var_kwargs``).
    """
    return _text_schema(spec, spec.param_names)


def template_variables_schema(spec: FunctionSpec, variables: Iterable[str]) -> dict[str, Any]:
    """The JSON Schema a resource template's URI variables are validated against: one property per
    variable that is a parameter of the function, required when the function requires it.

    ``spec`` is what ``analyze_function(fn, kind="resource")`` gave; ``variables`` are the names in the
    URI template (without operators such as ``+``). A variable the function takes only through
    ``**kwargs`` is not constrained.
    """
    wanted = set(variables)
    return _text_schema(spec, [name for name in spec.param_names if name in wanted])


def _text_schema(spec: FunctionSpec, names: Iterable[str]) -> dict[str, Any]:
    props: dict[str, Any] = spec.input_schema.get("properties", {})
    required = set(spec.input_schema.get("required") or ())
    chosen = [name for name in names if name in props]
    return object_schema(
        {name: _accept_text(copy.deepcopy(props[name])) for name in chosen},
        [name for name in chosen if name in required],
    )


def _accept_text(schema: Any) -> Any:
    """Let an untyped mixed ``enum`` also match the JSON text of its values (changed in place)."""
    if not isinstance(schema, dict):
        return schema
    values = schema.get("enum")
    if isinstance(values, list) and "type" not in schema:
        texts = [json.dumps(v) for v in values if not isinstance(v, str)]
        schema["enum"] = values + [t for t in texts if t not in values]
    for key in ("anyOf", "oneOf"):
        arms = schema.get(key)
        if isinstance(arms, list):
            for arm in arms:
                _accept_text(arm)
    return schema
