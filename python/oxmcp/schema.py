"""Type hints -> JSON Schema, per-parameter converters and docstring parsing.

`analyze_function` reads a user function once, at registration, and returns a `FunctionSpec`: the input
schema (which the Rust core validates arguments against), the output schema derived from the return
annotation, and converters that turn already-validated JSON values into the annotated Python types
(dataclasses, Enums, tuples, datetimes, pydantic models, ...). Parameters of plain JSON types get no
converter, so the common call costs nothing here.

Schemas are "LLM friendly": nested types are inlined (no ``$ref``/``$defs``), descriptions come from
``Annotated[...]`` metadata or from the docstring (Google, NumPy or Sphinx style), and the docstring's
parameter sections are removed from the tool description.

Import cost is kept small: pydantic is never imported here; a type is treated as a pydantic model only
when ``pydantic`` is already in ``sys.modules``. ``datetime``, ``uuid``, ``decimal`` and ``pathlib`` types
are likewise recognised only once their module has been imported (a user who annotates with them has).
"""

from __future__ import annotations

import collections.abc as cabc
import copy
import dataclasses
import enum
import inspect
import json
import math
import re
import sys
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

__all__ = [
    "FunctionSpec",
    "analyze_function",
    "make_converter",
    "output_schema",
    "parse_docstring",
    "type_to_schema",
]

Converter = Callable[[Any], Any]
_NoneType = type(None)
_UnionType = getattr(types, "UnionType", None)
_EMPTY = inspect.Parameter.empty
_SENTINEL: Any = object()


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


# ---------------------------------------------------------------------------------------------------
# lazily recognised standard-library and pydantic types


def _mod_attr(module: str, name: str) -> Any:
    mod = sys.modules.get(module)
    return getattr(mod, name, None) if mod is not None else None


def _pydantic_base_model() -> type | None:
    return _mod_attr("pydantic", "BaseModel")


def _is_pydantic_model(tp: Any) -> bool:
    base = _pydantic_base_model()
    return base is not None and isinstance(tp, type) and issubclass(tp, base)


def _is_pydantic_dataclass(tp: Any) -> bool:
    return isinstance(tp, type) and "__pydantic_validator__" in getattr(tp, "__dict__", {})


def _subclass(tp: Any, module: str, name: str) -> bool:
    cls = _mod_attr(module, name)
    return cls is not None and isinstance(tp, type) and issubclass(tp, cls)


def _std_kind(tp: Any) -> str | None:
    """The name of a special standard-library scalar type, or None."""
    if not isinstance(tp, type):
        return None
    if "datetime" in sys.modules:
        import datetime as _dt

        if issubclass(tp, _dt.datetime):
            return "datetime"
        if issubclass(tp, _dt.date):
            return "date"
        if issubclass(tp, _dt.time):
            return "time"
    if issubclass(tp, (bytes, bytearray)):
        return "bytes"
    if _subclass(tp, "uuid", "UUID"):
        return "uuid"
    if _subclass(tp, "pathlib", "PurePath"):
        return "path"
    if _subclass(tp, "decimal", "Decimal"):
        return "decimal"
    return None


_STD_SCHEMAS: dict[str, dict[str, Any]] = {
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "format": "time"},
    "uuid": {"type": "string", "format": "uuid"},
    "bytes": {"type": "string", "contentEncoding": "base64"},
    "path": {"type": "string"},
    "decimal": {"type": "number"},
}

_PRIMITIVES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}

_ARRAY_ORIGINS = (
    list,
    cabc.Sequence,
    cabc.MutableSequence,
    cabc.Iterable,
    cabc.Collection,
    cabc.Iterator,
    cabc.Generator,
)
_SET_ORIGINS = (set, frozenset, cabc.Set, cabc.MutableSet)
_MAP_ORIGINS = (dict, cabc.Mapping, cabc.MutableMapping)
_QUALIFIERS = {"Required", "NotRequired", "ReadOnly", "Final", "ClassVar"}


def _is_union(origin: Any) -> bool:
    return origin is Union or (_UnionType is not None and origin is _UnionType)


def _qualifier(origin: Any) -> bool:
    return getattr(origin, "_name", None) in _QUALIFIERS


def _is_typeddict(tp: Any) -> bool:
    return (
        isinstance(tp, type)
        and issubclass(tp, dict)
        and hasattr(tp, "__required_keys__")
        and hasattr(tp, "__total__")
    )


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _is_namedtuple(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def _is_model_class(tp: Any) -> bool:
    """A class that becomes an object schema: dataclass, TypedDict or pydantic model."""
    return isinstance(tp, type) and (
        _is_dataclass_type(tp) or _is_typeddict(tp) or _is_pydantic_model(tp) or _is_pydantic_dataclass(tp)
    )


def _class_hints(cls: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError, AttributeError, SyntaxError):
        return dict(getattr(cls, "__annotations__", {}))


def _class_doc(cls: type) -> str | None:
    doc = cls.__dict__.get("__doc__")
    if not isinstance(doc, str) or not doc.strip():
        return None
    if dataclasses.is_dataclass(cls) and doc.startswith(f"{cls.__name__}("):
        return None  # the signature dataclasses writes when there is no docstring
    return parse_docstring(doc)[0]


def _strip(tp: Any) -> Any:
    """Remove Annotated/Required/NotRequired/ReadOnly/Final wrappers and NewType."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated or (origin is not None and _qualifier(origin)):
            tp = get_args(tp)[0]
        elif hasattr(tp, "__supertype__"):
            tp = tp.__supertype__
        else:
            return tp


def _json_type_of(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _enum_schema(values: list[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"enum": values}
    kinds = {_json_type_of(v) for v in values}
    if len(kinds) == 1:
        (kind,) = kinds
        if kind is not None:
            schema = {"type": kind, "enum": values}
    elif kinds == {"integer", "number"}:
        schema = {"type": "number", "enum": values}
    return schema


def _jsonable_default(value: Any) -> Any:
    """A parameter default as JSON, or `_SENTINEL` when it has no JSON form."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _SENTINEL
    if isinstance(value, enum.Enum):
        return _jsonable_default(value.value)
    if isinstance(value, (list, tuple)):
        items = [_jsonable_default(v) for v in value]
        return _SENTINEL if any(i is _SENTINEL for i in items) else items
    if isinstance(value, (set, frozenset)):
        items = [_jsonable_default(v) for v in value]
        if any(i is _SENTINEL for i in items):
            return _SENTINEL
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            jv = _jsonable_default(v)
            key = k.value if isinstance(k, enum.Enum) else k
            if jv is _SENTINEL or not isinstance(key, (str, int, float, bool)):
                return _SENTINEL
            out[str(key) if not isinstance(key, str) else key] = jv
        return out
    kind = _std_kind(type(value))
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind in ("uuid", "path"):
        return str(value)
    if kind == "decimal":
        return float(value) if value.is_finite() else _SENTINEL
    if kind == "bytes":
        import base64

        return base64.b64encode(bytes(value)).decode("ascii")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable_default({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if _is_pydantic_model(type(value)):
        try:
            return value.model_dump(mode="json", by_alias=True)
        except Exception:  # noqa: BLE001  (no JSON form: the default is just not shown)
            return _SENTINEL
    return _SENTINEL


# ---------------------------------------------------------------------------------------------------
# Annotated metadata


def _is_field_info(obj: Any) -> bool:
    return type(obj).__name__ == "FieldInfo" and type(obj).__module__.startswith("pydantic")


def _metadata_description(meta: Any) -> str | None:
    if isinstance(meta, str):
        return meta
    desc = getattr(meta, "description", None)
    return desc if isinstance(desc, str) else None


def _annotated_description(tp: Any) -> str | None:
    """The description given by a top-level ``Annotated[...]`` (first str, or ``.description``)."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            base, *metas = get_args(tp)
            for meta in metas:
                desc = _metadata_description(meta)
                if desc is not None:
                    return desc
            tp = base
        elif origin is not None and _qualifier(origin):
            tp = get_args(tp)[0]
        else:
            return None


_CONSTRAINT_KEYS = {
    "gt": "exclusiveMinimum",
    "ge": "minimum",
    "lt": "exclusiveMaximum",
    "le": "maximum",
    "multiple_of": "multipleOf",
}
_LENGTH_KEYS = {
    "string": ("minLength", "maxLength"),
    "array": ("minItems", "maxItems"),
    "object": ("minProperties", "maxProperties"),
}


def _apply_constraint(schema: dict[str, Any], attr: str, value: Any) -> None:
    if "anyOf" in schema:
        for arm in schema["anyOf"]:
            if arm.get("type") != "null":
                _apply_constraint(arm, attr, value)
        return
    if attr == "pattern":
        if isinstance(value, str):
            schema["pattern"] = value
        elif hasattr(value, "pattern"):
            schema["pattern"] = value.pattern
        return
    if isinstance(value, bool) or value is None:
        return
    if _subclass(type(value), "decimal", "Decimal"):
        value = float(value)
    if not isinstance(value, (int, float)):
        return
    if attr in _CONSTRAINT_KEYS:
        schema[_CONSTRAINT_KEYS[attr]] = value
    elif attr in ("min_length", "max_length"):
        keys = _LENGTH_KEYS.get(schema.get("type", ""))
        if keys is not None:
            schema[keys[0] if attr == "min_length" else keys[1]] = value


def _apply_metadata(schema: dict[str, Any], metas: tuple[Any, ...]) -> dict[str, Any]:
    description: str | None = None
    for meta in metas:
        if description is None:
            description = _metadata_description(meta)
        if isinstance(meta, str):
            continue
        if isinstance(meta, dict):
            # Raw schema keywords, e.g. Annotated[str, {"x-mcp-header": "Region"}].
            schema.update(copy.deepcopy(meta))
            continue
        if _is_field_info(meta):
            title = getattr(meta, "title", None)
            if isinstance(title, str):
                schema["title"] = title
            examples = getattr(meta, "examples", None)
            if isinstance(examples, list):
                schema["examples"] = examples
            for inner in getattr(meta, "metadata", ()) or ():
                _apply_constraint_object(schema, inner)
            extra = getattr(meta, "json_schema_extra", None)
            if isinstance(extra, dict):
                schema.update(copy.deepcopy(extra))
            elif callable(extra):
                extra(schema)
        else:
            _apply_constraint_object(schema, meta)
    if description is not None:
        schema["description"] = description
    return schema


def _apply_constraint_object(schema: dict[str, Any], meta: Any) -> None:
    """annotated-types constraints (Gt, Ge, Lt, Le, MultipleOf, MinLen, MaxLen, Len, Interval) and
    pydantic's general metadata (pattern, ...), recognised by their attributes."""
    if isinstance(meta, (str, bytes, int, float, dict, list, tuple, type)) or meta is None:
        return
    for attr in ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern"):
        value = getattr(meta, attr, None)
        if value is not None:
            _apply_constraint(schema, attr, value)


# ---------------------------------------------------------------------------------------------------
# schema generation


def _object(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


def _inline_refs(schema: Any) -> Any:
    """Inline every local ``#/$defs/...`` reference of a pydantic schema (recursion -> {"type":"object"})."""
    if not isinstance(schema, dict):
        return schema
    defs = dict(schema.get("$defs", {}))
    defs.update(schema.get("definitions", {}))

    def walk(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(n, stack) for n in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/")):
            name = ref.rsplit("/", 1)[1]
            siblings = {
                k: walk(v, stack) for k, v in node.items() if k not in ("$ref", "$defs", "definitions")
            }
            if name in stack or name not in defs:
                return {"type": "object", **siblings}
            return {**walk(defs[name], (*stack, name)), **siblings}
        return {k: walk(v, stack) for k, v in node.items() if k not in ("$defs", "definitions")}

    return walk(schema, ())


def _pydantic_schema(tp: Any, mode: str) -> dict[str, Any]:
    pyd = sys.modules.get("pydantic")
    if pyd is None:
        return {}
    try:
        if _is_pydantic_model(tp):
            raw = tp.model_json_schema(mode=mode)
        else:
            raw = pyd.TypeAdapter(tp).json_schema(mode=mode)
    except Exception:  # noqa: BLE001  (pydantic cannot describe it: no constraint)
        return {}
    result = _inline_refs(raw)
    return result if isinstance(result, dict) else {}


def _schema(tp: Any, mode: str, stack: tuple[Any, ...]) -> dict[str, Any]:
    if tp is Any or tp is object or tp is _EMPTY:
        return {}
    if tp is None or tp is _NoneType:
        return {"type": "null"}
    if isinstance(tp, (str, typing.ForwardRef)):
        return {}  # an unresolvable forward reference: no constraint
    origin = get_origin(tp)
    args = get_args(tp)

    if origin is Annotated:
        return _apply_metadata(_schema(args[0], mode, stack), tuple(args[1:]))
    if origin is not None and _qualifier(origin):
        return _schema(args[0], mode, stack)
    if hasattr(tp, "__supertype__"):  # NewType
        return _schema(tp.__supertype__, mode, stack)
    if isinstance(tp, typing.TypeVar):
        if tp.__bound__ is not None:
            return _schema(tp.__bound__, mode, stack)
        if tp.__constraints__:
            return _schema(Union.__getitem__(tp.__constraints__), mode, stack)
        return {}

    if _is_union(origin):
        has_none = any(a is None or a is _NoneType for a in args)
        arms: list[dict[str, Any]] = []
        for a in args:
            if a is None or a is _NoneType:
                continue
            s = _schema(a, mode, stack)
            if s not in arms:
                arms.append(s)
        if has_none:
            arms.append({"type": "null"})
        return arms[0] if len(arms) == 1 else {"anyOf": arms}

    if origin is Literal:
        return _enum_schema([a.value if isinstance(a, enum.Enum) else a for a in args])

    if origin is not None:
        if _is_model_class(origin):
            if _is_pydantic_model(origin) or _is_pydantic_dataclass(origin):
                return _pydantic_schema(tp, mode)
            return _schema(origin, mode, stack)
        if origin in _SET_ORIGINS:
            schema: dict[str, Any] = {"type": "array", "uniqueItems": True}
            if args and args[0] is not Any:
                schema["items"] = _schema(args[0], mode, stack)
            return schema
        if origin is tuple:
            if not args:
                return {"type": "array"}
            if len(args) == 2 and args[1] is Ellipsis:
                item = _schema(args[0], mode, stack)
                return {"type": "array", "items": item} if item else {"type": "array"}
            if args == ((),):
                args = ()
            return {
                "type": "array",
                "prefixItems": [_schema(a, mode, stack) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if origin in _ARRAY_ORIGINS:
            schema = {"type": "array"}
            if args and args[0] is not Any:
                schema["items"] = _schema(args[0], mode, stack)
            return schema
        if _is_mapping_origin(origin):
            schema = {"type": "object"}
            if len(args) == 2:
                value = _schema(args[1], mode, stack)
                if value:
                    schema["additionalProperties"] = value
            return schema
        return _pydantic_schema(tp, mode)

    if not isinstance(tp, type):
        return {}

    if issubclass(tp, enum.Enum):
        return _enum_schema([m.value for m in tp])
    if tp in _PRIMITIVES:
        return {"type": _PRIMITIVES[tp]}
    kind = _std_kind(tp)
    if kind is not None:
        return dict(_STD_SCHEMAS[kind])
    if _is_pydantic_model(tp) or _is_pydantic_dataclass(tp):
        return _pydantic_schema(tp, mode)
    if _is_dataclass_type(tp):
        return _dataclass_schema(tp, mode, stack)
    if _is_typeddict(tp):
        return _typeddict_schema(tp, mode, stack)
    if _is_namedtuple(tp):
        hints = _class_hints(tp)
        items = [_schema(hints.get(f, Any), mode, stack) for f in tp._fields]  # type: ignore[attr-defined]
        return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
    for base, name in ((bool, "boolean"), (str, "string"), (int, "integer"), (float, "number")):
        if issubclass(tp, base):
            return {"type": name}
    if issubclass(tp, cabc.Mapping):
        return {"type": "object"}
    if issubclass(tp, cabc.Set):
        return {"type": "array", "uniqueItems": True}
    if issubclass(tp, (cabc.Sequence, cabc.Iterable)) and not issubclass(tp, cabc.Iterator):
        return {"type": "array"}
    return _pydantic_schema(tp, mode)


def _dataclass_schema(cls: type, mode: str, stack: tuple[Any, ...]) -> dict[str, Any]:
    if cls in stack:
        return {"type": "object"}
    stack = (*stack, cls)
    hints = _class_hints(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        if mode == "validation" and not f.init:
            continue
        fs = _schema(hints.get(f.name, Any), mode, stack)
        desc = f.metadata.get("description") if f.metadata else None
        if isinstance(desc, str) and _annotated_description(hints.get(f.name)) is None:
            fs["description"] = desc
        if f.default is not dataclasses.MISSING:
            default = _jsonable_default(f.default)
            if default is not _SENTINEL:
                fs["default"] = default
        elif f.default_factory is dataclasses.MISSING:
            required.append(f.name)
        props[f.name] = fs
    schema = _object(props, required)
    doc = _class_doc(cls)
    if doc:
        schema["description"] = doc
    return schema


def _typeddict_schema(cls: type, mode: str, stack: tuple[Any, ...]) -> dict[str, Any]:
    if cls in stack:
        return {"type": "object"}
    stack = (*stack, cls)
    hints = _class_hints(cls)
    required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, hint in hints.items():
        props[name] = _schema(hint, mode, stack)
        origin = get_origin(hint)
        qualifier = getattr(origin, "_name", None) if origin is not None else None
        if (name in required_keys and qualifier != "NotRequired") or qualifier == "Required":
            required.append(name)
    schema = _object(props, required)
    doc = _class_doc(cls)
    if doc:
        schema["description"] = doc
    return schema


def type_to_schema(tp: Any, *, mode: str = "validation") -> dict[str, Any]:
    """The JSON Schema of a type hint, with nested types inlined.

    ``mode`` is ``"validation"`` (input) or ``"serialization"`` (output: dataclass fields with
    ``init=False`` are included, pydantic models use their serialization schema).
    """
    return _schema(tp, mode, ())


# ---------------------------------------------------------------------------------------------------
# converters (validated JSON -> annotated Python types)


def _is_mapping_origin(origin: Any) -> bool:
    return origin in _MAP_ORIGINS or (isinstance(origin, type) and issubclass(origin, cabc.Mapping))


def _needs(tp: Any, stack: tuple[Any, ...] = ()) -> bool:
    """Whether a validated JSON value of this type must be converted before the function sees it."""
    if tp is Any or tp is object or tp is _EMPTY or tp is None or tp is _NoneType:
        return False
    if isinstance(tp, (str, typing.ForwardRef, typing.TypeVar)):
        return False
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Annotated or (origin is not None and _qualifier(origin)):
        return _needs(args[0], stack)
    if hasattr(tp, "__supertype__"):
        return _needs(tp.__supertype__, stack)
    if _is_union(origin):
        return any(_needs(a, stack) for a in args)
    if origin is Literal:
        return any(isinstance(a, enum.Enum) for a in args)
    if origin is not None:
        if _is_model_class(origin):
            return _needs(origin, stack)
        if origin in _SET_ORIGINS or origin is tuple:
            return True
        if origin in _ARRAY_ORIGINS:
            return bool(args) and _needs(args[0], stack)
        if _is_mapping_origin(origin):
            if len(args) != 2:
                return False
            return _key_converter(args[0]) is not None or _needs(args[1], stack)
        return _pydantic_schema(tp, "validation") != {}
    if not isinstance(tp, type):
        return False
    if issubclass(tp, enum.Enum) or _std_kind(tp) is not None:
        return True
    if tp in _PRIMITIVES or tp is list or tp is dict:
        return False
    if _is_typeddict(tp):
        if tp in stack:
            return False
        stack = (*stack, tp)
        return any(_needs(h, stack) for h in _class_hints(tp).values())
    if _is_model_class(tp) or issubclass(tp, (tuple, set, frozenset)):
        return True
    if issubclass(tp, (str, int, float, list, dict)) or tp is cabc.Mapping or tp is cabc.Sequence:
        return False
    return _pydantic_schema(tp, "validation") != {}


def _shape_ok(tp: Any, value: Any) -> bool:
    """A loose check that a JSON value has the shape of a type (used to pick a union arm)."""
    tp = _strip(tp)
    if tp is Any or tp is object:
        return True
    if tp is None or tp is _NoneType:
        return value is None
    origin = get_origin(tp)
    if _is_union(origin):
        return any(_shape_ok(a, value) for a in get_args(tp))
    if origin is Literal:
        return any(value == (a.value if isinstance(a, enum.Enum) else a) for a in get_args(tp))
    if origin is not None:
        if _is_model_class(origin):
            return isinstance(value, dict)
        if origin in _SET_ORIGINS or origin is tuple or origin in _ARRAY_ORIGINS:
            return isinstance(value, list)
        if _is_mapping_origin(origin):
            return isinstance(value, dict)
        tp = origin
    if not isinstance(tp, type):
        return True
    if issubclass(tp, enum.Enum):
        return any(value == m.value for m in tp)
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    kind = _std_kind(tp)
    if kind == "decimal":
        return isinstance(value, (int, float, str)) and not isinstance(value, bool)
    if kind is not None:
        return isinstance(value, str)
    if _is_model_class(tp) or issubclass(tp, cabc.Mapping):
        return isinstance(value, dict)
    if issubclass(tp, (list, tuple, set, frozenset)):
        return isinstance(value, list)
    return True


def _parse_datetime(value: Any) -> Any:
    import datetime as _dt

    if isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        return _dt.datetime.fromisoformat(text)
    return value


def _parse_time(value: Any) -> Any:
    import datetime as _dt

    if isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        return _dt.time.fromisoformat(text)
    return value


def _std_converter(kind: str, tp: type) -> Converter:
    if kind == "datetime":
        return _parse_datetime
    if kind == "date":
        return lambda v: tp.fromisoformat(v) if isinstance(v, str) else v  # type: ignore[attr-defined]
    if kind == "time":
        return _parse_time
    if kind == "bytes":
        import base64

        def to_bytes(v: Any) -> Any:
            if isinstance(v, str):
                raw = base64.b64decode(v)
                return raw if tp is bytes else tp(raw)
            return v

        return to_bytes
    if kind == "decimal":
        return lambda v: v if isinstance(v, tp) else tp(str(v) if isinstance(v, float) else v)
    return lambda v: v if isinstance(v, tp) else tp(v)  # uuid, path


def _enum_converter(cls: type[enum.Enum]) -> Converter:
    return lambda v: v if isinstance(v, cls) else cls(v)


def _key_converter(kt: Any) -> Converter | None:
    """Dict keys arrive as JSON strings: how to turn one into the annotated key type, or None."""
    kt = _strip(kt)
    if kt is Any:
        return None
    if get_origin(kt) is Literal:
        members = {str(a.value): a for a in get_args(kt) if isinstance(a, enum.Enum)}
        others = {str(a): a for a in get_args(kt) if not isinstance(a, (enum.Enum, str))}
        table = {**others, **members}
        return (lambda k: table.get(k, k)) if table else None
    if not isinstance(kt, type) or kt is str or kt is object:
        return None
    if issubclass(kt, enum.Enum):
        by_text = {str(m.value): m for m in kt}
        return lambda k: k if isinstance(k, kt) else by_text.get(k, k)
    if kt is bool:
        return lambda k: k.lower() in ("true", "1") if isinstance(k, str) else bool(k)
    if kt in (int, float):
        return kt
    kind = _std_kind(kt)
    if kind is not None:
        return _std_converter(kind, kt)
    return None


def _lazy(build: Callable[[], Converter]) -> Converter:
    """A converter built on first use (lets recursive dataclasses refer to themselves)."""
    cell: list[Converter] = []

    def convert(value: Any) -> Any:
        if not cell:
            cell.append(build())
        return cell[0](value)

    return convert


def _identity(value: Any) -> Any:
    return value


def _build(tp: Any) -> Converter:
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Annotated or (origin is not None and _qualifier(origin)):
        return _build(args[0])
    if hasattr(tp, "__supertype__"):
        return _build(tp.__supertype__)

    if _is_union(origin):
        has_none = any(a is None or a is _NoneType for a in args)
        plan = [(a, make_converter(a)) for a in args if a is not None and a is not _NoneType]
        if len(plan) == 1:
            conv = plan[0][1] or _identity
            return lambda v: None if v is None else conv(v)

        def union(value: Any) -> Any:
            if value is None and has_none:
                return None
            for arm, conv in plan:
                if not _shape_ok(arm, value):
                    continue
                if conv is None:
                    return value
                try:
                    return conv(value)
                except Exception:  # noqa: BLE001, S112  (this arm does not fit: try the next one)
                    continue
            return value

        return union

    if origin is Literal:
        members = {a.value: a for a in args if isinstance(a, enum.Enum)}
        return lambda v: members.get(v, v)

    if origin is not None:
        if _is_model_class(origin):
            return _build(origin) if not _is_pydantic_model(origin) else _pydantic_converter(tp)
        item_conv = make_converter(args[0]) if args and args[0] is not Ellipsis else None
        if origin in _SET_ORIGINS:
            factory: Callable[[Any], Any] = frozenset if origin is frozenset else set
            if item_conv is None:
                return factory
            ic = item_conv
            return lambda v: factory(ic(x) for x in v)
        if origin is tuple:
            if not args or (len(args) == 2 and args[1] is Ellipsis):
                if item_conv is None:
                    return tuple
                ic = item_conv
                return lambda v: tuple(ic(x) for x in v)
            if args == ((),):
                return tuple
            convs = [make_converter(a) for a in args]
            return lambda v: tuple(c(x) if c is not None else x for c, x in zip(convs, v, strict=False))
        if origin in _ARRAY_ORIGINS:
            if item_conv is None:
                return _identity
            ic = item_conv
            return lambda v: [ic(x) for x in v]
        if _is_mapping_origin(origin):
            kc = _key_converter(args[0]) if len(args) == 2 else None
            vc = make_converter(args[1]) if len(args) == 2 else None
            return lambda v: {
                (kc(k) if kc is not None else k): (vc(x) if vc is not None else x) for k, x in v.items()
            }
        return _pydantic_converter(tp)

    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return _enum_converter(tp)
        kind = _std_kind(tp)
        if kind is not None:
            return _std_converter(kind, tp)
        if _is_pydantic_model(tp):
            return lambda v: v if isinstance(v, tp) else tp.model_validate(v)  # type: ignore[attr-defined]
        if _is_dataclass_type(tp):
            return _lazy(lambda: _dataclass_converter(tp))
        if _is_typeddict(tp):
            return _lazy(lambda: _typeddict_converter(tp))
        if _is_namedtuple(tp):
            return _lazy(lambda: _namedtuple_converter(tp))
        if issubclass(tp, (tuple, set, frozenset)):
            return tp
    return _pydantic_converter(tp)


def _pydantic_converter(tp: Any) -> Converter:
    def build() -> Converter:
        pyd = sys.modules.get("pydantic")
        try:
            return pyd.TypeAdapter(tp).validate_python  # type: ignore[no-any-return,union-attr]
        except Exception:  # noqa: BLE001  (pydantic cannot validate it: pass the JSON value as is)
            return _identity

    return _lazy(build)


def _dataclass_converter(cls: type) -> Converter:
    hints = _class_hints(cls)
    plan = [(f.name, make_converter(hints.get(f.name, Any))) for f in dataclasses.fields(cls) if f.init]

    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        kwargs = {
            name: (c(value[name]) if c is not None else value[name]) for name, c in plan if name in value
        }
        return cls(**kwargs)

    return convert


def _typeddict_converter(cls: type) -> Converter:
    plan = {name: c for name, hint in _class_hints(cls).items() if (c := make_converter(hint)) is not None}

    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: (plan[k](v) if k in plan else v) for k, v in value.items()}

    return convert


def _namedtuple_converter(cls: type) -> Converter:
    hints = _class_hints(cls)
    convs = [make_converter(hints.get(f, Any)) for f in cls._fields]  # type: ignore[attr-defined]

    def convert(value: Any) -> Any:
        if not isinstance(value, (list, tuple)) or isinstance(value, cls):
            return value
        return cls(*(c(x) if c is not None else x for c, x in zip(convs, value, strict=False)))

    return convert


def make_converter(tp: Any) -> Converter | None:
    """A callable turning a validated JSON value into the annotated type, or None when the JSON value
    can be used as is (str, int, float, bool, None, list/dict of those, Any). ``None`` passes through."""
    if not _needs(tp):
        return None
    conv = _build(tp)
    return lambda v: None if v is None else conv(v)


def _accepts_plain_string(tp: Any) -> bool:
    tp = _strip(tp)
    if tp is Any or tp is object or tp is str or tp is _EMPTY:
        return True
    origin = get_origin(tp)
    if _is_union(origin):
        return any(_accepts_plain_string(a) for a in get_args(tp))
    if origin is Literal:
        return all(isinstance(a, str) for a in get_args(tp))
    return isinstance(tp, type) and issubclass(tp, str) and not issubclass(tp, enum.Enum)


def _string_converter(tp: Any) -> Converter | None:
    """For prompt and resource-template arguments, which arrive as strings: parse the text as JSON when
    the annotated type is not a string type, then apply the usual converter."""
    if _accepts_plain_string(tp):
        return make_converter(tp)
    inner = make_converter(tp)
    is_bool = _strip(tp) is bool

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower() if is_bool else value
            try:
                value = json.loads(text)
            except ValueError:
                pass
        return inner(value) if inner is not None else value

    return convert


# ---------------------------------------------------------------------------------------------------
# docstrings

_GOOGLE_PARAMS = {
    "args",
    "arguments",
    "parameters",
    "params",
    "keyword args",
    "keyword arguments",
    "kwargs",
    "other parameters",
}
_GOOGLE_DROP = {"returns", "return", "yields", "yield", "raises", "raise", "exceptions", "throws"}
_SECTION_RE = re.compile(r"^(\s*)([A-Za-z][A-Za-z ]*?)\s*:\s*$")
_NUMPY_RULE_RE = re.compile(r"^\s*-{3,}\s*$")
_GOOGLE_ENTRY_RE = re.compile(r"^\*{0,2}([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_ENTRY_RE = re.compile(r"^\*{0,2}([A-Za-z_]\w*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*)\s*(?::.*)?$")
_SPHINX_RE = re.compile(r"^\s*:(\w+)([^:]*):\s*(.*)$")
_SPHINX_PARAM = {"param", "parameter", "arg", "argument", "key", "keyword"}
_SPHINX_DROP = {
    "type",
    "returns",
    "return",
    "rtype",
    "raises",
    "raise",
    "except",
    "exception",
    "yields",
    "yield",
}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(parts: list[str]) -> str:
    return " ".join(p.strip() for p in parts if p.strip())


def _block(lines: list[str], start: int, base: int) -> int:
    """The end index of the block of lines after `start` indented deeper than `base` (or blank)."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _google_entries(body: list[str], params: dict[str, str]) -> None:
    indents = [_indent(line) for line in body if line.strip()]
    if not indents:
        return
    base = min(indents)
    name: str | None = None
    parts: list[str] = []
    for line in body:
        if line.strip() and _indent(line) == base:
            if name is not None:
                params.setdefault(name, _join(parts))
            m = _GOOGLE_ENTRY_RE.match(line.strip())
            name, parts = (m.group(1), [m.group(2)]) if m else (None, [])
        elif name is not None:
            parts.append(line)
    if name is not None:
        params.setdefault(name, _join(parts))


def _numpy_entries(body: list[str], params: dict[str, str]) -> None:
    indents = [_indent(line) for line in body if line.strip()]
    if not indents:
        return
    base = min(indents)
    names: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        for n in names:
            params.setdefault(n, _join(parts))

    for line in body:
        if line.strip() and _indent(line) == base:
            flush()
            m = _NUMPY_ENTRY_RE.match(line.strip())
            names = [n.strip().lstrip("*") for n in m.group(1).split(",")] if m else []
            parts = []
        else:
            parts.append(line)
    flush()


def parse_docstring(doc: str | None) -> tuple[str | None, dict[str, str]]:
    """Split a docstring into (description, {param: description}).

    Google (``Args:``), NumPy (``Parameters`` + ``----------``) and Sphinx (``:param x:``) styles are
    understood. The description keeps everything except the parameter, returns/yields and raises
    sections; it is None when nothing is left.
    """
    if not doc or not doc.strip():
        return None, {}
    lines = inspect.cleandoc(doc).splitlines()
    params: dict[str, str] = {}
    kept: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip().lower()
        # NumPy: a header line followed by a rule of dashes
        if i + 1 < n and stripped and _NUMPY_RULE_RE.match(lines[i + 1]) and not _NUMPY_RULE_RE.match(line):
            title = stripped.rstrip(":")
            if title in _GOOGLE_PARAMS or title in _GOOGLE_DROP or title in ("receives", "warns"):
                j = i + 2
                while j < n and not (j + 1 < n and lines[j].strip() and _NUMPY_RULE_RE.match(lines[j + 1])):
                    j += 1
                if title in _GOOGLE_PARAMS:
                    _numpy_entries(lines[i + 2 : j], params)
                i = j
                continue
        # Google: "Args:" followed by an indented block
        m = _SECTION_RE.match(line)
        if m is not None:
            title = m.group(2).strip().lower()
            if title in _GOOGLE_PARAMS or title in _GOOGLE_DROP:
                end = _block(lines, i + 1, _indent(line))
                if title in _GOOGLE_PARAMS:
                    _google_entries(lines[i + 1 : end], params)
                i = end
                continue
        # Sphinx: ":param name: text" with indented continuation lines
        s = _SPHINX_RE.match(line)
        if s is not None and (s.group(1) in _SPHINX_PARAM or s.group(1) in _SPHINX_DROP):
            end = _block(lines, i + 1, _indent(line))
            if s.group(1) in _SPHINX_PARAM:
                words = s.group(2).split()
                if words:
                    params.setdefault(words[-1].lstrip("*"), _join([s.group(3), *lines[i + 1 : end]]))
            i = end
            continue
        kept.append(line)
        i += 1
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return (text or None), params


# ---------------------------------------------------------------------------------------------------
# function analysis


def _is_context(tp: Any) -> bool:
    tp = _strip(tp)
    origin = get_origin(tp)
    if _is_union(origin):
        arms = [a for a in get_args(tp) if a is not _NoneType and a is not None]
        return len(arms) == 1 and _is_context(arms[0])
    if origin is not None:
        tp = origin
    if isinstance(tp, str):
        return tp.split("[", 1)[0].strip().strip("'\"").rsplit(".", 1)[-1] == "Context"
    if isinstance(tp, typing.ForwardRef):
        return _is_context(tp.__forward_arg__)
    if not isinstance(tp, type):
        return False
    for klass in tp.__mro__:
        module = getattr(klass, "__module__", "") or ""
        if klass.__name__ == "Context" and (module == "oxmcp" or module.startswith("oxmcp.")):
            return True
    return False


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
        if ann is _EMPTY:
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


_CONTENT_CLASS_NAMES = {
    "TextContent",
    "ImageContent",
    "AudioContent",
    "ResourceLink",
    "EmbeddedResource",
    "Image",
    "Audio",
    "File",
}


def _is_oxmcp_class(tp: Any, names: set[str] | frozenset[str]) -> bool:
    if not isinstance(tp, type):
        return False
    for klass in tp.__mro__:
        module = getattr(klass, "__module__", "") or ""
        if klass.__name__ in names and (module == "oxmcp" or module.startswith("oxmcp.")):
            return True
    return False


def _returns_content(tp: Any) -> bool:
    tp = _strip(tp)
    origin = get_origin(tp)
    if origin is None:
        return _is_oxmcp_class(tp, _CONTENT_CLASS_NAMES)
    if _is_union(origin) or origin in (list, tuple, cabc.Sequence):
        return any(_returns_content(a) for a in get_args(tp) if a is not Ellipsis)
    return False


def output_schema(annotation: Any) -> tuple[dict[str, Any] | None, bool]:
    """The structured-output schema of a return annotation, and whether it wraps the value as
    ``{"result": ...}``. ``(None, False)`` means text content only.

    None / missing / str / content types (or lists and unions of them) / CallToolResult / unknown classes
    -> no schema; dict, TypedDict, dataclass, pydantic model -> their object schema; anything else
    (int, float, bool, list, tuple, Optional, unions, Literal, Enum, Any, ...) -> wrapped.
    ``Annotated[CallToolResult, Model]`` takes its schema from ``Model``.
    """
    if annotation is _EMPTY or annotation is None or annotation is _NoneType:
        return None, False
    base = _strip(annotation)
    if base is None or base is _NoneType or base is str or base is object:
        return None, False
    if isinstance(base, (str, typing.ForwardRef)):
        return None, False
    if _is_oxmcp_class(base, frozenset({"CallToolResult"})):
        if get_origin(annotation) is Annotated:
            for meta in get_args(annotation)[1:]:
                if isinstance(meta, type) or get_origin(meta) is not None:
                    return output_schema(meta)
        return None, False
    if _returns_content(base):
        return None, False
    wrapped = _object({"result": _schema(annotation, "serialization", ())}, ["result"]), True
    if base is Any:
        return wrapped
    origin = get_origin(base)
    if origin is not None:
        if _is_model_class(origin):
            return _schema(annotation, "serialization", ()), False
        if _is_mapping_origin(origin):
            args = get_args(base)
            if not args or _strip(args[0]) in (str, Any):
                return _schema(annotation, "serialization", ()), False
        return wrapped
    if not isinstance(base, type):
        return wrapped
    if _is_model_class(base) or issubclass(base, cabc.Mapping):
        return _schema(annotation, "serialization", ()), False
    if (
        issubclass(base, (enum.Enum, list, tuple, set, frozenset, bool, int, float, str))
        or _std_kind(base) is not None
    ):
        return wrapped
    if _schema(base, "serialization", ()):
        return wrapped  # a type pydantic knows (when pydantic is loaded)
    return None, False  # an arbitrary class: no schema, its str() is the text


def analyze_function(fn: Callable[..., Any], *, kind: str = "tool") -> FunctionSpec:
    """Read a tool / resource / prompt function's signature, type hints and docstring.

    ``kind`` is ``"tool"`` (arguments are JSON values; the output schema is derived), or anything else
    (``"prompt"``, ``"resource"``, ...): arguments then arrive as strings, so converters parse non-string
    parameters from their text, and no output schema is derived.

    Raises TypeError for ``*args``, for more than one ``Context`` parameter, and for annotations that
    cannot be resolved.
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
        ann = hints.get(param.name, _EMPTY)
        if ann is not _EMPTY and _is_context(ann):
            if context_param is not None:
                raise TypeError(
                    f"{name}: more than one Context parameter ({context_param!r}, {param.name!r})"
                )
            context_param = param.name
            continue
        schema = _schema(ann, "validation", ())
        annotated_desc = _annotated_description(ann) if ann is not _EMPTY else None
        if annotated_desc is None and param.name in doc_params and doc_params[param.name]:
            schema["description"] = doc_params[param.name]
        if param.default is not _EMPTY:
            default = _jsonable_default(param.default)
            if default is not _SENTINEL:
                schema["default"] = default
        else:
            required.append(param.name)
        props[param.name] = schema
        param_names.append(param.name)
        if ann is not _EMPTY:
            conv = make_converter(ann) if is_tool else _string_converter(ann)
            if conv is not None:
                converters[param.name] = conv

    out_schema: dict[str, Any] | None = None
    wraps = False
    if is_tool:
        out_schema, wraps = output_schema(hints.get("return", _EMPTY))

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
        input_schema=_object(props, required),
        output_schema=out_schema,
        wraps_result=wraps,
        converters=converters,
        context_param=context_param,
        param_names=tuple(param_names),
        var_kwargs=var_kwargs,
        arguments=arguments,
    )
