"""Function analysis: what a tool, resource or prompt function's signature, hints and docstring say.

`analyze_function` reads a user function once, at registration, and returns a `FunctionSpec`: the input
schema (which the Rust core validates arguments against), the output schema derived from the return
annotation, and converters that turn already-validated JSON values into the annotated Python types.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args, get_origin

from .converters import make_converter, string_converter
from .docstrings import parse_docstring
from .hints import EMPTY, Converter, NoneType, bare_type, is_oxmcp_class, is_union, type_name
from .json_schema import NO_JSON, UnsupportedType, jsonable_default, object_schema, type_to_schema
from .metadata import annotated_description
from .output import output_schema


@dataclass(frozen=True)
class FunctionSpec:
    """What `analyze_function` learned about a tool, resource or prompt function.

    Attributes:
        name: ``fn.__name__``.
        description: the docstring without its parameter / returns / raises sections, or None.
        input_schema: ``{"type": "object", "properties": {...}, "required": [...]}`` ("required" omitted
            when empty).
        output_schema: the structured-output schema from the return annotation, or None.
        wraps_result: True when `output_schema` wraps the value as ``{"result": ...}``.
        converters: for parameters whose JSON value must be converted, a callable doing it.
        context_param: the name of the parameter annotated ``Context`` (never in the schema), or None.
        param_names: the parameters that appear in the schema, in order.
        var_kwargs: the function has ``**kwargs``.
        arguments: for prompts, the ``PromptArgument`` wire dicts (``name``, ``description``?, ``required``).
    """

    name: str
    description: str | None
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    wraps_result: bool
    converters: dict[str, Converter]
    context_param: str | None
    param_names: tuple[str, ...]
    var_kwargs: bool
    arguments: list[dict[str, Any]]


_CONTEXT = frozenset({"Context"})


def _is_context(tp: Any) -> bool:
    """Whether a hint names oxmcp's ``Context`` (also as a string, or Optional): that parameter is
    filled by the server, never by the client."""
    tp = bare_type(tp)
    origin = get_origin(tp)
    if is_union(origin):
        arms = [a for a in get_args(tp) if a is not NoneType and a is not None]
        return len(arms) == 1 and _is_context(arms[0])
    if origin is not None:
        tp = origin
    if isinstance(tp, str):
        return tp.split("[", 1)[0].strip().strip("'\"").rsplit(".", 1)[-1] == "Context"
    if isinstance(tp, typing.ForwardRef):
        return _is_context(tp.__forward_arg__)
    return is_oxmcp_class(tp, _CONTEXT)


def _resolve_hints(fn: Any, sig: inspect.Signature, fn_name: str, want_return: bool) -> dict[str, Any]:
    """Type hints of the parameters (and the return, when asked), with forward references resolved."""
    target = inspect.unwrap(fn) if callable(fn) else fn
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(target, "__call__", target)  # noqa: B004  (a callable object)
    try:
        return typing.get_type_hints(target, include_extras=True)
    except (NameError, TypeError, AttributeError, SyntaxError):
        pass  # resolve parameter by parameter below, to name the one that fails
    globalns = getattr(inspect.unwrap(target), "__globals__", {})
    hints: dict[str, Any] = {}
    items: list[tuple[str, Any]] = [(p.name, p.annotation) for p in sig.parameters.values()]
    if want_return:
        items.append(("return", sig.return_annotation))
    for name, ann in items:
        if ann is EMPTY:
            continue
        if isinstance(ann, str):
            try:
                ann = eval(ann, globalns)  # how typing resolves string annotations
            except (NameError, TypeError, AttributeError, SyntaxError):
                if _is_context(ann):
                    hints[name] = ann
                    continue
                if name == "return":
                    continue  # e.g. a type imported only under TYPE_CHECKING: no output schema
                raise TypeError(
                    f"{fn_name}: cannot resolve the annotation of parameter {name!r}: {ann!r}"
                ) from None
        hints[name] = ann
    return hints


def _parameter_schema(fn_name: str, param: str, ann: Any) -> dict[str, Any]:
    """A parameter's schema. A type no schema describes is refused here, at registration: with the empty
    schema, any JSON value would reach a function that expects an instance of that type."""
    try:
        return type_to_schema(ann, strict=True)
    except UnsupportedType as exc:
        what = "which" if exc.unsupported == bare_type(ann) else f"and {type_name(exc.unsupported)} in it"
        raise TypeError(
            f"{fn_name}: parameter {param!r} has type {type_name(ann)}, {what} cannot be turned into a "
            "JSON Schema; use a JSON type, a dataclass, TypedDict, NamedTuple, Enum or pydantic model, "
            "or Any / dict to take the JSON value as it comes"
        ) from None


def analyze_function(
    fn: Callable[..., Any], *, kind: str = "tool", strict: bool = False, own_input_schema: bool = False
) -> FunctionSpec:
    """Read a tool / resource / prompt function's signature, type hints and docstring.

    ``kind`` is ``"tool"`` (arguments are JSON values; the output schema is derived), or anything else
    (``"prompt"``, ``"resource"``, ...): arguments then arrive as strings, so converters parse non-string
    parameters from their text, and no output schema is derived.

    ``strict=True`` (what registration asks for) refuses what the server could not honour: a parameter
    whose type no JSON Schema can describe, e.g. a plain class (with the empty schema it would get, any
    JSON value, typically a dict, would reach a function expecting an instance), and an output schema
    for ``-> Any``, whose value may be content sent without the structured result the schema promises.
    Without it (the behaviour before registration asked for it) the parameter takes any JSON value and
    ``Any`` is wrapped as ``{"result": ...}``.

    ``own_input_schema=True``: the caller brings its own input schema (``@server.tool(input_schema=...)``),
    so no parameter is refused for its type; the output is still analysed as ``strict`` says.

    Raises TypeError for ``*args``, for more than one ``Context`` parameter, for annotations that cannot
    be resolved, and (when strict) for a parameter type no schema describes, naming parameter and type.
    """
    name = getattr(fn, "__name__", None) or type(fn).__name__
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cannot read the signature of {fn!r}: {exc}") from None
    is_tool = kind == "tool"
    hints = _resolve_hints(fn, sig, name, want_return=is_tool)
    doc = getattr(fn, "__doc__", None)
    if doc is None and not inspect.isroutine(fn):
        doc = getattr(type(fn), "__doc__", None)
    description, doc_params = parse_docstring(doc if isinstance(doc, str) else None)

    props: dict[str, Any] = {}
    required: list[str] = []
    converters: dict[str, Converter] = {}
    param_names: list[str] = []
    context_param: str | None = None
    var_kwargs = False

    for param in sig.parameters.values():
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            raise TypeError(f"{name}: *{param.name} is not supported (tool arguments are named)")
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            var_kwargs = True
            continue
        ann = hints.get(param.name, EMPTY)
        if ann is not EMPTY and _is_context(ann):
            if context_param is not None:
                raise TypeError(
                    f"{name}: more than one Context parameter ({context_param!r}, {param.name!r})"
                )
            context_param = param.name
            continue
        describe = strict and not own_input_schema
        schema = _parameter_schema(name, param.name, ann) if describe else type_to_schema(ann)
        annotated_desc = annotated_description(ann) if ann is not EMPTY else None
        if annotated_desc is None and param.name in doc_params and doc_params[param.name]:
            schema["description"] = doc_params[param.name]
        if param.default is not EMPTY:
            default = jsonable_default(param.default)
            if default is not NO_JSON:
                schema["default"] = default
        else:
            required.append(param.name)
        props[param.name] = schema
        param_names.append(param.name)
        if ann is not EMPTY:
            conv = make_converter(ann) if is_tool else string_converter(ann)
            if conv is not None:
                converters[param.name] = conv

    out_schema: dict[str, Any] | None = None
    wraps = False
    if is_tool:
        out_schema, wraps = output_schema(hints.get("return", EMPTY), strict=strict)

    arguments: list[dict[str, Any]] = []
    for pname in param_names:
        arg: dict[str, Any] = {"name": pname}
        desc = props[pname].get("description")
        if isinstance(desc, str):
            arg["description"] = desc
        arg["required"] = pname in required
        arguments.append(arg)

    return FunctionSpec(
        name=name,
        description=description,
        input_schema=object_schema(props, required),
        output_schema=out_schema,
        wraps_result=wraps,
        converters=converters,
        context_param=context_param,
        param_names=tuple(param_names),
        var_kwargs=var_kwargs,
        arguments=arguments,
    )
