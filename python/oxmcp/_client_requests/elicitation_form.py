"""Elicitation forms: the schema a server asks the user to fill in, and how each field is decoded.

The spec allows only flat forms (strings, numbers, booleans, enums of strings, lists of those), so a
dataclass, TypedDict or pydantic model is checked field by field here, and a field the spec cannot express
raises TypeError naming it before anything is sent. Forms of classes are cached per class.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import sys
import weakref
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ForwardRef, Literal, get_args, get_origin

from ..schema.converters import make_converter
from ..schema.hints import (
    ARRAY_ORIGINS,
    SET_ORIGINS,
    NoneType,
    bare_type,
    class_hints,
    is_dataclass_type,
    is_model_class,
    is_pydantic_model,
    is_qualifier,
    is_typeddict,
    is_union,
    std_kind,
    typeddict_key_required,
)
from ..schema.json_schema import NO_JSON, inline_refs, jsonable_default, pydantic_schema
from ..schema.metadata import apply_metadata

_ALLOWED_FORMATS = frozenset({"email", "uri", "date", "date-time"})
_FLAT_ONLY = (
    "elicitation forms only take flat primitive fields: str, int, float, bool, a Literal or Enum of "
    "strings, or a list of a Literal or Enum of strings (each optionally Optional)"
)


@dataclasses.dataclass(frozen=True)
class FieldPlan:
    """One field of an elicitation form: its wire schema and how its JSON value is decoded."""

    name: str
    schema: dict[str, Any]
    required: bool
    fill_none: bool  # an Optional field the target type needs a value for: absent -> None
    convert: Callable[[Any], Any] | None


@dataclasses.dataclass(frozen=True)
class Form:
    """What a schema argument of `elicitation_params` turned into."""

    kind: Literal["dataclass", "typeddict", "pydantic", "dict"]
    target: Any
    requested_schema: dict[str, Any]
    fields: tuple[FieldPlan, ...]


_FORMS: weakref.WeakKeyDictionary[type, Form] = weakref.WeakKeyDictionary()


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def _unsupported(owner: str, name: str, hint: Any, why: str | None = None) -> TypeError:
    detail = f" ({why})" if why else ""
    return TypeError(
        f"elicitation schema {owner}: field {name!r} is {_type_name(hint)}{detail}; {_FLAT_ONLY}"
    )


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _string_enum(tp: Any) -> list[str] | None:
    """The values of a Literal / Enum of strings, or None when ``tp`` is not one."""
    origin = get_origin(tp)
    if origin is Literal:
        values = [_enum_value(a) for a in get_args(tp)]
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = [m.value for m in tp]
    else:
        return None
    if not values or not all(isinstance(v, str) for v in values):
        return None
    return values


def _peel(tp: Any, metas: list[Any]) -> tuple[Any, bool]:
    """Remove Annotated (collecting its metadata), qualifiers, NewType and Optional from a hint.

    Returns the bare type and whether None was allowed. A union of several non-None types is returned
    as is (the caller rejects it)."""
    nullable = False
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp, *more = get_args(tp)
            metas.extend(more)
        elif origin is not None and is_qualifier(origin):
            tp = get_args(tp)[0]
        elif hasattr(tp, "__supertype__"):
            tp = tp.__supertype__
        elif is_union(origin):
            args = get_args(tp)
            arms = [a for a in args if a is not None and a is not NoneType]
            if len(arms) == len(args) or len(arms) != 1:
                return tp, nullable or len(arms) != len(args)
            nullable = True
            tp = arms[0]
        else:
            return tp, nullable


def _primitive(tp: Any, metas: list[Any]) -> dict[str, Any] | None:
    """The elicitation schema of a bare type, or None when it has none. Metadata found on a list's item
    type is appended to ``metas`` (for titles)."""
    values = _string_enum(tp)
    if values is not None:
        return {"type": "string", "enum": values}
    origin = get_origin(tp)
    if origin is not None:
        args = get_args(tp)
        is_tuple = origin is tuple and len(args) == 2 and args[1] is Ellipsis
        if (origin in ARRAY_ORIGINS or origin in SET_ORIGINS or is_tuple) and args:
            item, item_nullable = _peel(args[0], metas)
            item_values = _string_enum(item)
            if item_values is None or item_nullable:
                return None
            return {"type": "array", "items": {"type": "string", "enum": item_values}}
        return _pydantic_primitive(tp)
    if not isinstance(tp, type):
        return None
    if issubclass(tp, enum.Enum):
        return None  # an Enum of non-strings
    if issubclass(tp, bool):
        return {"type": "boolean"}
    kind = std_kind(tp)
    if kind == "datetime":
        return {"type": "string", "format": "date-time"}
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind in ("uuid", "path"):
        return {"type": "string"}
    if kind == "decimal":
        return {"type": "number"}
    if kind is None:
        if issubclass(tp, str):
            return {"type": "string"}
        if issubclass(tp, int):
            return {"type": "integer"}
        if issubclass(tp, float):
            return {"type": "number"}
    return _pydantic_primitive(tp)


def _pydantic_primitive(tp: Any) -> dict[str, Any] | None:
    """For a type only pydantic knows (EmailStr, AnyUrl, constrained types...): its schema, if flat."""
    if "pydantic" not in sys.modules or is_model_class(tp):
        return None
    prop = _normalize_pydantic_property(pydantic_schema(tp, "validation"))
    if prop is None or _primitive_problem(prop) is not None:
        return None
    prop.pop("title", None)
    return prop


def _split_titles(metas: list[Any], values: list[str] | None) -> tuple[dict[str, str] | None, list[dict]]:
    """Separate the dict metadata of a field: a dict mapping enum values (or Enum members) to display
    titles, when the field is an enum; any other dict is extra JSON Schema keywords."""
    titles: dict[str, str] | None = None
    extras: list[dict[str, Any]] = []
    for meta in metas:
        if not isinstance(meta, dict):
            continue
        keys = {_enum_value(k): v for k, v in meta.items()}
        if values is not None and keys and all(k in values and isinstance(v, str) for k, v in keys.items()):
            titles = {**(titles or {}), **keys}
        else:
            extras.append(meta)
    return titles, extras


def _apply_titles(schema: dict[str, Any], titles: dict[str, str]) -> None:
    if schema.get("type") == "array":
        values = schema["items"]["enum"]
        schema["items"] = {"anyOf": [{"const": v, "title": titles.get(v, v)} for v in values]}
    else:
        values = schema.pop("enum")
        schema["oneOf"] = [{"const": v, "title": titles.get(v, v)} for v in values]


def _field_plan(
    owner: str, name: str, hint: Any, *, has_default: bool, default: Any, needs_value: bool
) -> FieldPlan:
    """The plan of one dataclass / TypedDict field. ``needs_value``: the target needs the field even when
    the client leaves it out (a dataclass field without default, a required TypedDict key)."""
    if isinstance(hint, (str, ForwardRef)):
        raise TypeError(
            f"elicitation schema {owner}: cannot resolve the annotation of field {name!r}: {hint!r} "
            "(define the types it names at module level)"
        )
    metas: list[Any] = []
    tp, nullable = _peel(hint, metas)
    if is_union(get_origin(tp)):
        raise _unsupported(owner, name, hint, "a union")
    prop = _primitive(tp, metas)
    if prop is None:
        raise _unsupported(owner, name, hint)
    enum_values = prop.get("enum", prop.get("items", {}).get("enum"))
    titles, extras = _split_titles(metas, enum_values)
    apply_metadata(prop, tuple(m for m in metas if not isinstance(m, dict)))
    for extra in extras:
        prop.update(copy.deepcopy(extra))
    if titles:
        _apply_titles(prop, titles)
    if has_default and default is not None:
        value = jsonable_default(default)
        if value is not NO_JSON:
            prop["default"] = value
    problem = _primitive_problem(prop)
    if problem is not None:
        raise _unsupported(owner, name, hint, problem)
    base = bare_type(tp)
    convert = make_converter(hint)
    if base is float:
        convert = _then_float(convert)
    return FieldPlan(name, prop, not (has_default or nullable), nullable and needs_value, convert)


def _then_float(convert: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    def to_float(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        return convert(value) if convert is not None else value

    return to_float


def _object_schema(fields: tuple[FieldPlan, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": {f.name: f.schema for f in fields}}
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    return schema


def _dataclass_form(cls: type) -> Form:
    hints = class_hints(cls)
    plans = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        default: Any = None
        has_default = True
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            has_default = False
        hint = hints.get(f.name, Any)
        if f.metadata:
            extra = [
                v if k == "description" else {k: v}
                for k, v in f.metadata.items()
                if k in ("description", "title") and isinstance(v, str)
            ]
            if extra:
                hint = Annotated[(hint, *extra)]  # type: ignore[valid-type]
        plans.append(
            _field_plan(
                cls.__qualname__,
                f.name,
                hint,
                has_default=has_default,
                default=default,
                needs_value=not has_default,
            )
        )
    fields = tuple(plans)
    return Form("dataclass", cls, _object_schema(fields), fields)


def _typeddict_form(cls: type) -> Form:
    plans = []
    for name, hint in class_hints(cls).items():
        required = typeddict_key_required(cls, name, hint)
        plans.append(
            _field_plan(
                cls.__qualname__, name, hint, has_default=not required, default=None, needs_value=required
            )
        )
    fields = tuple(plans)
    return Form("typeddict", cls, _object_schema(fields), fields)


def _normalize_pydantic_property(prop: Any) -> dict[str, Any] | None:
    """A pydantic field schema in elicitation shape: ``X | None`` flattened to X, single-value Literal
    (``const``) as an enum, formats the spec does not allow and ``None`` defaults dropped."""
    if not isinstance(prop, dict):
        return None
    prop = dict(prop)
    arms = prop.pop("anyOf", None)
    if arms is not None:
        real = [a for a in arms if not (isinstance(a, dict) and a.get("type") == "null")]
        if len(real) != 1 or len(real) == len(arms) or not isinstance(real[0], dict):
            return None
        prop = {**real[0], **prop}
    if "const" in prop and "enum" not in prop:
        prop["enum"] = [prop.pop("const")]
    if "type" not in prop:
        values = prop.get("enum")
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            prop["type"] = "string"
    if prop.get("default", 0) is None:
        del prop["default"]
    if prop.get("type") == "string" and prop.get("format") not in _ALLOWED_FORMATS:
        prop.pop("format", None)
    return prop


def _pydantic_form(cls: type) -> Form:
    raw = inline_refs(cls.model_json_schema())  # type: ignore[attr-defined]
    if not isinstance(raw, dict) or raw.get("type") != "object":
        raise TypeError(f"elicitation schema {cls.__qualname__}: not an object schema; {_FLAT_ONLY}")
    required = set(raw.get("required", ()))
    by_alias = {(info.alias or name): info for name, info in getattr(cls, "model_fields", {}).items()}
    plans = []
    for name, prop in (raw.get("properties") or {}).items():
        nullable = isinstance(prop, dict) and any(
            isinstance(a, dict) and a.get("type") == "null" for a in prop.get("anyOf", ())
        )
        norm = _normalize_pydantic_property(prop)
        problem = "an unsupported type" if norm is None else _primitive_problem(norm)
        if norm is not None and problem is None:
            info = by_alias.get(name)
            metas = list(getattr(info, "metadata", None) or ())
            titles, extras = _split_titles(metas, enum_of(norm) or enum_of(norm.get("items") or {}))
            for extra in extras:
                norm.update(copy.deepcopy(extra))
            if titles and ("enum" in norm or "enum" in (norm.get("items") or {})):
                _apply_titles(norm, titles)
            problem = _primitive_problem(norm)
        if norm is None or problem is not None:
            raise TypeError(
                f"elicitation schema {cls.__qualname__}: field {name!r} renders as {prop!r} ({problem}); "
                f"{_FLAT_ONLY}"
            )
        plans.append(
            FieldPlan(name, norm, name in required and not nullable, name in required and nullable, None)
        )
    fields = tuple(plans)
    return Form("pydantic", cls, _object_schema(fields), fields)


def _dict_form(schema: Mapping[str, Any]) -> Form:
    if schema.get("type") != "object":
        raise TypeError(
            f"an elicitation schema dict must be an object schema ('type': 'object'), got {schema!r}"
        )
    props = schema.get("properties", {})
    if not isinstance(props, Mapping):
        raise TypeError("an elicitation schema dict's 'properties' must be an object")
    required = schema.get("required", ())
    if not isinstance(required, (list, tuple)) or not all(isinstance(r, str) for r in required):
        raise TypeError("an elicitation schema dict's 'required' must be a list of field names")
    fields = tuple(
        FieldPlan(name, dict(prop) if isinstance(prop, Mapping) else {}, name in required, False, None)
        for name, prop in props.items()
    )
    return Form("dict", None, copy.deepcopy(dict(schema)), fields)


_EMPTY_FORM = Form("dict", None, {"type": "object", "properties": {}}, ())


def form_for(schema: Any) -> Form:
    """The form a ``schema`` argument of `elicitation_params` asks for (cached per class); TypeError for
    a schema the spec's flat forms cannot express, naming the field."""
    if schema is None:
        return _EMPTY_FORM
    if isinstance(schema, Mapping):
        return _dict_form(schema)
    if not isinstance(schema, type):
        raise TypeError(
            "an elicitation schema is a dataclass, TypedDict or pydantic model class, a JSON Schema dict, "
            f"or None; got {schema!r}"
        )
    try:
        cached = _FORMS.get(schema)
    except TypeError:
        cached = None
    if cached is not None:
        return cached
    if is_pydantic_model(schema):
        form = _pydantic_form(schema)
    elif is_dataclass_type(schema):
        form = _dataclass_form(schema)
    elif is_typeddict(schema):
        form = _typeddict_form(schema)
    else:
        raise TypeError(
            f"elicitation schema {schema.__qualname__}: expected a dataclass, TypedDict or pydantic model "
            "class, a JSON Schema dict, or None"
        )
    try:
        _FORMS[schema] = form
    except TypeError:
        pass
    return form


def enum_of(prop: Mapping[str, Any]) -> list[Any] | None:
    """The allowed values of a string / items schema (``enum`` or ``oneOf``/``anyOf`` consts), or None."""
    values = prop.get("enum")
    if isinstance(values, list):
        return values
    options = prop.get("oneOf", prop.get("anyOf"))
    if (
        isinstance(options, list)
        and options
        and all(isinstance(o, Mapping) and "const" in o for o in options)
    ):
        return [o["const"] for o in options]
    return None


def _primitive_problem(prop: Mapping[str, Any]) -> str | None:
    """Why a property schema is not one of the spec's PrimitiveSchemaDefinitions (None if it is)."""
    kind = prop.get("type")
    if kind == "string":
        fmt = prop.get("format")
        if fmt is not None and fmt not in _ALLOWED_FORMATS:
            return f"string format {fmt!r}; elicitation allows email, uri, date and date-time"
        values = enum_of(prop)
        if ("enum" in prop or "oneOf" in prop) and (
            values is None or not all(isinstance(v, str) for v in values)
        ):
            return "an enum of non-strings"
        return None
    if kind in ("integer", "number", "boolean"):
        return "an enum of non-strings" if "enum" in prop else None
    if kind == "array":
        items = prop.get("items")
        values = enum_of(items) if isinstance(items, Mapping) else None
        if values is None or not values or not all(isinstance(v, str) for v in values):
            return "a list whose items are not a Literal or Enum of strings"
        return None
    return f"JSON type {kind!r}" if kind is not None else "no JSON type"
