"""Type hint -> JSON Schema, "LLM friendly": nested types inlined (no ``$ref``/``$defs``).

Descriptions come from ``Annotated[...]`` metadata, dataclass field metadata and class docstrings; a
default becomes ``"default"`` when it has a JSON form (`jsonable_default`). pydantic models and types only
pydantic knows are described by pydantic itself (when it is loaded), with their references inlined.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import enum
import math
import sys
import typing
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from .docstrings import parse_docstring
from .hints import (
    ARRAY_ORIGINS,
    EMPTY,
    PRIMITIVES,
    SET_ORIGINS,
    NoneType,
    class_hints,
    is_dataclass_type,
    is_mapping_origin,
    is_model_class,
    is_namedtuple,
    is_pydantic_dataclass,
    is_pydantic_model,
    is_qualifier,
    is_typeddict,
    is_union,
    std_kind,
    type_name,
    typeddict_key_required,
)
from .metadata import annotated_description, apply_metadata


class UnsupportedType(TypeError):
    """A type hint (or a type inside it, `unsupported`) that no JSON Schema can describe."""

    def __init__(self, unsupported: Any) -> None:
        self.unsupported = unsupported
        super().__init__(f"{type_name(unsupported)} cannot be turned into a JSON Schema")


NO_JSON: Any = object()
"""What `jsonable_default` gives for a value with no JSON form (the default is then not shown)."""


_STD_SCHEMAS: dict[str, dict[str, Any]] = {
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "format": "time"},
    "uuid": {"type": "string", "format": "uuid"},
    "bytes": {"type": "string", "contentEncoding": "base64"},
    "path": {"type": "string"},
    "decimal": {"type": "number"},
}


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


def jsonable_default(value: Any) -> Any:
    """A parameter (or field) default as JSON, or `NO_JSON` when it has no JSON form."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else NO_JSON
    if isinstance(value, enum.Enum):
        return jsonable_default(value.value)
    if isinstance(value, (list, tuple)):
        items = [jsonable_default(v) for v in value]
        return NO_JSON if any(i is NO_JSON for i in items) else items
    if isinstance(value, (set, frozenset)):
        items = [jsonable_default(v) for v in value]
        if any(i is NO_JSON for i in items):
            return NO_JSON
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            jv = jsonable_default(v)
            key = k.value if isinstance(k, enum.Enum) else k
            if jv is NO_JSON or not isinstance(key, (str, int, float, bool)):
                return NO_JSON
            out[str(key) if not isinstance(key, str) else key] = jv
        return out
    kind = std_kind(type(value))
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind in ("uuid", "path"):
        return str(value)
    if kind == "decimal":
        return float(value) if value.is_finite() else NO_JSON
    if kind == "bytes":
        import base64

        return base64.b64encode(bytes(value)).decode("ascii")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable_default({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if is_pydantic_model(type(value)):
        try:
            return value.model_dump(mode="json", by_alias=True)
        except Exception:  # noqa: BLE001  (no JSON form: the default is just not shown)
            return NO_JSON
    return NO_JSON


def _class_object(cls: type, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """The object schema of a dataclass or TypedDict, described by the class docstring."""
    schema = object_schema(props, required)
    doc = _class_doc(cls)
    if doc:
        schema["description"] = doc
    return schema


def _class_doc(cls: type) -> str | None:
    doc = cls.__dict__.get("__doc__")
    if not isinstance(doc, str) or not doc.strip():
        return None
    if dataclasses.is_dataclass(cls) and doc.startswith(f"{cls.__name__}("):
        return None  # the signature dataclasses writes when there is no docstring
    return parse_docstring(doc)[0]


def object_schema(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """``{"type": "object", "properties": props, "required": required}``, "required" left out when empty."""
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


def inline_refs(schema: Any) -> Any:
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


def pydantic_schema(tp: Any, mode: str) -> dict[str, Any]:
    """pydantic's schema of a type, references inlined; ``{}`` when pydantic is not loaded or cannot
    describe the type."""
    pyd = sys.modules.get("pydantic")
    if pyd is None:
        return {}
    try:
        if is_pydantic_model(tp):
            raw = tp.model_json_schema(mode=mode)
        else:
            raw = pyd.TypeAdapter(tp).json_schema(mode=mode)
    except Exception:  # noqa: BLE001  (pydantic cannot describe it: no constraint)
        return {}
    result = inline_refs(raw)
    return result if isinstance(result, dict) else {}


def _schema(tp: Any, mode: str, stack: tuple[Any, ...], strict: bool) -> dict[str, Any]:
    if tp is Any or tp is object or tp is EMPTY:
        return {}
    if tp is None or tp is NoneType:
        return {"type": "null"}
    if isinstance(tp, (str, typing.ForwardRef)):
        return {}  # an unresolvable forward reference: no constraint
    origin = get_origin(tp)
    args = get_args(tp)

    if origin is Annotated:
        return apply_metadata(_schema(args[0], mode, stack, strict), tuple(args[1:]))
    if origin is not None and is_qualifier(origin):
        return _schema(args[0], mode, stack, strict)
    if hasattr(tp, "__supertype__"):  # NewType
        return _schema(tp.__supertype__, mode, stack, strict)
    if isinstance(tp, typing.TypeVar):
        if tp.__bound__ is not None:
            return _schema(tp.__bound__, mode, stack, strict)
        if tp.__constraints__:
            return _schema(Union.__getitem__(tp.__constraints__), mode, stack, strict)
        return {}

    if is_union(origin):
        has_none = any(a is None or a is NoneType for a in args)
        arms: list[dict[str, Any]] = []
        for a in args:
            if a is None or a is NoneType:
                continue
            s = _schema(a, mode, stack, strict)
            if s not in arms:
                arms.append(s)
        if has_none:
            arms.append({"type": "null"})
        return arms[0] if len(arms) == 1 else {"anyOf": arms}

    if origin is Literal:
        return _enum_schema([a.value if isinstance(a, enum.Enum) else a for a in args])

    if origin is not None:
        if is_model_class(origin):
            if is_pydantic_model(origin) or is_pydantic_dataclass(origin):
                return pydantic_schema(tp, mode)
            return _schema(origin, mode, stack, strict)
        if origin in SET_ORIGINS:
            schema: dict[str, Any] = {"type": "array", "uniqueItems": True}
            if args and args[0] is not Any:
                schema["items"] = _schema(args[0], mode, stack, strict)
            return schema
        if origin is tuple:
            if not args:
                return {"type": "array"}
            if len(args) == 2 and args[1] is Ellipsis:
                item = _schema(args[0], mode, stack, strict)
                return {"type": "array", "items": item} if item else {"type": "array"}
            if args == ((),):
                args = ()
            return {
                "type": "array",
                "prefixItems": [_schema(a, mode, stack, strict) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if origin in ARRAY_ORIGINS:
            schema = {"type": "array"}
            if args and args[0] is not Any:
                schema["items"] = _schema(args[0], mode, stack, strict)
            return schema
        if is_mapping_origin(origin):
            schema = {"type": "object"}
            if len(args) == 2:
                value = _schema(args[1], mode, stack, strict)
                if value:
                    schema["additionalProperties"] = value
            return schema
        return _unknown(tp, mode, strict)

    if not isinstance(tp, type):
        return {}

    if issubclass(tp, enum.Enum):
        return _enum_schema([m.value for m in tp])
    if tp in PRIMITIVES:
        return {"type": PRIMITIVES[tp]}
    kind = std_kind(tp)
    if kind is not None:
        return dict(_STD_SCHEMAS[kind])
    if is_pydantic_model(tp) or is_pydantic_dataclass(tp):
        return pydantic_schema(tp, mode)
    if is_dataclass_type(tp):
        return _dataclass_schema(tp, mode, stack, strict)
    if is_typeddict(tp):
        return _typeddict_schema(tp, mode, stack, strict)
    if is_namedtuple(tp):
        hints = class_hints(tp)
        items = [_schema(hints.get(f, Any), mode, stack, strict) for f in tp._fields]  # type: ignore[attr-defined]
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
    return _unknown(tp, mode, strict)


def _unknown(tp: Any, mode: str, strict: bool) -> dict[str, Any]:
    """A class (or a generic of one) none of the rules above knows: pydantic may describe it (when it
    is loaded). When it cannot, the empty schema would let any JSON value through to a function that
    expects this class, so a strict caller (a parameter at registration) is told instead."""
    schema = pydantic_schema(tp, mode)
    if not schema and strict:
        raise UnsupportedType(tp)
    return schema


def _dataclass_schema(cls: type, mode: str, stack: tuple[Any, ...], strict: bool) -> dict[str, Any]:
    if cls in stack:
        return {"type": "object"}
    stack = (*stack, cls)
    hints = class_hints(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        if mode == "validation" and not f.init:
            continue
        fs = _schema(hints.get(f.name, Any), mode, stack, strict)
        desc = f.metadata.get("description") if f.metadata else None
        if isinstance(desc, str) and annotated_description(hints.get(f.name)) is None:
            fs["description"] = desc
        if f.default is not dataclasses.MISSING:
            default = jsonable_default(f.default)
            if default is not NO_JSON:
                fs["default"] = default
        elif f.default_factory is dataclasses.MISSING:
            required.append(f.name)
        props[f.name] = fs
    return _class_object(cls, props, required)


def _typeddict_schema(cls: type, mode: str, stack: tuple[Any, ...], strict: bool) -> dict[str, Any]:
    if cls in stack:
        return {"type": "object"}
    stack = (*stack, cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, hint in class_hints(cls).items():
        props[name] = _schema(hint, mode, stack, strict)
        if typeddict_key_required(cls, name, hint):
            required.append(name)
    return _class_object(cls, props, required)


def type_to_schema(tp: Any, *, mode: str = "validation", strict: bool = False) -> dict[str, Any]:
    """The JSON Schema of a type hint, with nested types inlined.

    ``mode`` is ``"validation"`` (input) or ``"serialization"`` (output: dataclass fields with
    ``init=False`` are included, pydantic models use their serialization schema).

    A class no schema can describe (not a JSON type, dataclass, TypedDict, NamedTuple, Enum, known
    standard-library scalar, nor a type pydantic knows) gets the empty schema ``{}``, anywhere in the
    hint; with ``strict=True`` it raises `UnsupportedType` instead. ``Any``, ``object`` and unresolvable
    forward references are ``{}`` either way: they ask for no constraint.
    """
    return _schema(tp, mode, (), strict)
