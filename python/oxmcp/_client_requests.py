"""Server -> client requests (elicitation, sampling, roots): their wire params, and typed answers.

Pure functions, no I/O. `Context` builds a request's params here, checks the client declared the
capability it needs (`client_supports`), sends the request, and hands the client's raw result dict back
here to decode:

* ``elicitation/create``: `elicitation_params` -> (params, decoder); `decode_elicit_result(raw, decoder)`
  -> `ElicitResult` whose ``data`` is the answer as the requested type (dataclass, TypedDict, pydantic
  model, or a dict);
* ``sampling/createMessage``: `sampling_params` -> params; `decode_sampling_result(raw)` ->
  `CreateMessageResult`;
* ``roots/list``: `roots_params` -> ``{}``; `decode_roots(raw)` -> list of `Root`.

Malformed answers from the client raise `ValueError` (naming the field where there is one); mistakes in
what the server asks for (a nested type in an elicitation form, a bad argument) raise `TypeError` or
`ValueError` before anything is sent. pydantic is never imported here: a class is treated as a pydantic
model only when ``pydantic`` is already in ``sys.modules``.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import sys
import uuid
import weakref
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ForwardRef, Literal, TypeVar, get_args, get_origin, overload
from urllib.parse import urlsplit

from .schema.converters import make_converter
from .schema.hints import (
    ARRAY_ORIGINS,
    SET_ORIGINS,
    bare_type,
    class_hints,
    is_dataclass_type,
    is_model_class,
    is_pydantic_model,
    is_qualifier,
    is_typeddict,
    is_union,
    std_kind,
)
from .schema.json_schema import NO_JSON, inline_refs, jsonable_default, pydantic_schema
from .schema.metadata import apply_metadata
from .types import (
    CreateMessageResult,
    ElicitResult,
    ModelPreferences,
    PromptMessage,
    Root,
    SamplingMessage,
    Tool,
    _Model,
)

__all__ = [
    "ELICITATION_CREATE",
    "ROOTS_LIST",
    "SAMPLING_CREATE_MESSAGE",
    "Decoder",
    "client_supports",
    "decode_elicit_result",
    "decode_roots",
    "decode_sampling_result",
    "elicitation_params",
    "required_capability",
    "roots_params",
    "sampling_params",
]

ELICITATION_CREATE = "elicitation/create"
SAMPLING_CREATE_MESSAGE = "sampling/createMessage"
ROOTS_LIST = "roots/list"

T = TypeVar("T")

Decoder = Callable[[Mapping[str, Any]], T]
"""Turns the ``content`` of an accepted elicitation answer into the requested type (raises ValueError)."""

_NoneType = type(None)
_ALLOWED_FORMATS = frozenset({"email", "uri", "date", "date-time"})
_FLAT_ONLY = (
    "elicitation forms only take flat primitive fields: str, int, float, bool, a Literal or Enum of "
    "strings, or a list of a Literal or Enum of strings (each optionally Optional)"
)


# ---------------------------------------------------------------------------------------------------
# elicitation: the requested schema


@dataclasses.dataclass(frozen=True)
class _FieldPlan:
    """One field of an elicitation form: its wire schema and how its JSON value is decoded."""

    name: str
    schema: dict[str, Any]
    required: bool
    fill_none: bool  # an Optional field the target type needs a value for: absent -> None
    convert: Callable[[Any], Any] | None


@dataclasses.dataclass(frozen=True)
class _Form:
    """What a schema argument of `elicitation_params` turned into."""

    kind: Literal["dataclass", "typeddict", "pydantic", "dict"]
    target: Any
    requested_schema: dict[str, Any]
    fields: tuple[_FieldPlan, ...]


_FORMS: weakref.WeakKeyDictionary[type, _Form] = weakref.WeakKeyDictionary()


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
            arms = [a for a in args if a is not None and a is not _NoneType]
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
) -> _FieldPlan:
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
    return _FieldPlan(name, prop, not (has_default or nullable), nullable and needs_value, convert)


def _then_float(convert: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    def to_float(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        return convert(value) if convert is not None else value

    return to_float


def _object_schema(fields: tuple[_FieldPlan, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": {f.name: f.schema for f in fields}}
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    return schema


def _dataclass_form(cls: type) -> _Form:
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
    return _Form("dataclass", cls, _object_schema(fields), fields)


def _typeddict_form(cls: type) -> _Form:
    required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
    plans = []
    for name, hint in class_hints(cls).items():
        origin = get_origin(hint)
        qualifier = getattr(origin, "_name", None) if origin is not None else None
        required = (name in required_keys and qualifier != "NotRequired") or qualifier == "Required"
        plans.append(
            _field_plan(
                cls.__qualname__, name, hint, has_default=not required, default=None, needs_value=required
            )
        )
    fields = tuple(plans)
    return _Form("typeddict", cls, _object_schema(fields), fields)


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


def _pydantic_form(cls: type) -> _Form:
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
            titles, extras = _split_titles(metas, _enum_of(norm) or _enum_of(norm.get("items") or {}))
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
            _FieldPlan(name, norm, name in required and not nullable, name in required and nullable, None)
        )
    fields = tuple(plans)
    return _Form("pydantic", cls, _object_schema(fields), fields)


def _dict_form(schema: Mapping[str, Any]) -> _Form:
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
        _FieldPlan(name, dict(prop) if isinstance(prop, Mapping) else {}, name in required, False, None)
        for name, prop in props.items()
    )
    return _Form("dict", None, copy.deepcopy(dict(schema)), fields)


_EMPTY_FORM = _Form("dict", None, {"type": "object", "properties": {}}, ())


def _form(schema: Any) -> _Form:
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


def _enum_of(prop: Mapping[str, Any]) -> list[Any] | None:
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
        values = _enum_of(prop)
        if ("enum" in prop or "oneOf" in prop) and (
            values is None or not all(isinstance(v, str) for v in values)
        ):
            return "an enum of non-strings"
        return None
    if kind in ("integer", "number", "boolean"):
        return "an enum of non-strings" if "enum" in prop else None
    if kind == "array":
        items = prop.get("items")
        values = _enum_of(items) if isinstance(items, Mapping) else None
        if values is None or not values or not all(isinstance(v, str) for v in values):
            return "a list whose items are not a Literal or Enum of strings"
        return None
    return f"JSON type {kind!r}" if kind is not None else "no JSON type"


# ---------------------------------------------------------------------------------------------------
# elicitation: decoding the answer


def _bad(name: str, expected: str, value: Any) -> ValueError:
    return ValueError(
        f"elicitation field {name!r}: expected {expected}, got {type(value).__name__} {value!r}"
    )


def _check_value(name: str, prop: Mapping[str, Any], value: Any) -> Any:
    """Check a field's JSON value against its schema type; returns it (an integral float -> int)."""
    kind = prop.get("type")
    if kind == "string":
        if not isinstance(value, str):
            raise _bad(name, "a string", value)
        allowed = _enum_of(prop)
        if allowed is not None and value not in allowed:
            raise ValueError(f"elicitation field {name!r}: {value!r} is not one of {allowed}")
    elif kind == "integer":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(name, "an integer", value)
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _bad(name, "a number", value)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _bad(name, "a boolean", value)
    elif kind == "array":
        if not isinstance(value, list):
            raise _bad(name, "a list", value)
        items = prop.get("items")
        allowed = _enum_of(items) if isinstance(items, Mapping) else None
        for item in value:
            if not isinstance(item, str):
                raise _bad(name, "a list of strings", value)
            if allowed is not None and item not in allowed:
                raise ValueError(f"elicitation field {name!r}: {item!r} is not one of {allowed}")
    return value


def _checked(form: _Form, content: Mapping[str, Any]) -> dict[str, Any]:
    """The content with every known field checked (null optional fields dropped); unknown keys kept."""
    out = dict(content)
    for f in form.fields:
        value = out.get(f.name)
        if value is None:
            out.pop(f.name, None)
            if f.required:
                raise ValueError(f"elicitation answer is missing the required field {f.name!r}")
            continue
        out[f.name] = _check_value(f.name, f.schema, value)
    return out


def _convert(f: _FieldPlan, value: Any) -> Any:
    if f.convert is None:
        return value
    try:
        return f.convert(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"elicitation field {f.name!r}: {exc}") from exc


def _pydantic_error(exc: Exception) -> ValueError:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for err in errors():
            loc = ".".join(str(p) for p in err.get("loc", ())) or "(answer)"
            parts.append(f"elicitation field {loc!r}: {err.get('msg', 'invalid')}")
        if parts:
            return ValueError("; ".join(parts))
    return ValueError(f"elicitation answer does not match the requested schema: {exc}")


def _decoder(form: _Form) -> Decoder[Any]:
    def decode(content: Mapping[str, Any]) -> Any:
        if not isinstance(content, Mapping):
            raise ValueError(f"elicitation content must be an object, got {type(content).__name__}")
        values = _checked(form, content)
        if form.kind == "dict":
            return values
        if form.kind == "pydantic":
            for f in form.fields:
                if f.fill_none and f.name not in values:
                    values[f.name] = None
            try:
                return form.target.model_validate(values)
            except Exception as exc:
                if type(exc).__name__ == "ValidationError":
                    raise _pydantic_error(exc) from exc
                raise
        out: dict[str, Any] = {}
        for f in form.fields:
            if f.name in values:
                out[f.name] = _convert(f, values[f.name])
            elif f.fill_none:
                out[f.name] = None
        if form.kind == "typeddict":
            return out
        try:
            return form.target(**out)
        except Exception as exc:
            if type(exc).__name__ == "ValidationError":  # a pydantic dataclass
                raise _pydantic_error(exc) from exc
            raise

    return decode


def _url_decoder(content: Mapping[str, Any]) -> None:
    return None


@overload
def elicitation_params(
    message: str,
    schema: type[T],
    *,
    mode: Literal["form"] = "form",
    url: None = None,
    elicitation_id: None = None,
) -> tuple[dict[str, Any], Decoder[T]]: ...
@overload
def elicitation_params(
    message: str,
    schema: Mapping[str, Any] | None = None,
    *,
    mode: Literal["form"] = "form",
    url: None = None,
    elicitation_id: None = None,
) -> tuple[dict[str, Any], Decoder[dict[str, Any]]]: ...
@overload
def elicitation_params(
    message: str,
    schema: None = None,
    *,
    mode: Literal["url"],
    url: str,
    elicitation_id: str | None = None,
) -> tuple[dict[str, Any], Decoder[None]]: ...
def elicitation_params(
    message: str,
    schema: Any = None,
    *,
    mode: Literal["form", "url"] = "form",
    url: str | None = None,
    elicitation_id: str | None = None,
) -> tuple[dict[str, Any], Decoder[Any]]:
    """The params of an ``elicitation/create`` request, and the decoder of an accepted answer's content.

    Form mode (the default) asks the user to fill in a form:
    ``{"message", "requestedSchema": {"type": "object", "properties": {...}, "required"?: [...]}}``
    (``mode`` is left out, for clients older than URL mode). ``schema`` is one of:

    * a dataclass, TypedDict or pydantic model class: each field becomes a property. Allowed field types
      are ``str``, ``int``, ``float``, ``bool``, a ``Literal``/``Enum`` of strings (a single choice), a
      ``list``/``set``/``tuple[X, ...]`` of one (several choices), ``datetime``/``date`` (string formats
      date-time/date) and ``Optional`` of any of those (not required). A field default becomes
      ``"default"``; ``Annotated[X, "text"]``, pydantic ``Field(description=, title=)`` or dataclass
      ``field(metadata={"description": ..., "title": ...})`` give ``"description"``/``"title"``.
      ``Annotated[X, {"a": "Title A", ...}]`` on an enum field (keys are its values or members) gives
      titled options (``oneOf``/``anyOf`` of ``{"const", "title"}``); any other dict in ``Annotated`` is
      merged into the property as extra JSON Schema keywords (``{"format": "email"}``,
      ``{"minLength": 3}``, ``{"enumNames": [...]}``). Anything else (nested objects, dicts, lists of
      free values, unions) raises TypeError naming the field.
    * a JSON Schema dict with ``"type": "object"``: sent verbatim (a copy);
    * None: a form with no fields (``{"type": "object", "properties": {}}``).

    URL mode (``mode="url"``, with ``url``) asks the user to open a URL out of band:
    ``{"mode": "url", "message", "url", "elicitationId"}``; the id is ``elicitation_id`` or a fresh
    random hex string (``params["elicitationId"]``). Its decoder always gives None.

    The decoder (pass it to `decode_elicit_result`) checks the accepted content against the form (a
    missing required field, a value of the wrong JSON type or outside its enum raises ValueError naming
    the field) and builds the value: a dataclass instance (enum strings become Enum members, date strings
    dates), a dict for a TypedDict (likewise converted), ``model.model_validate(content)`` for pydantic,
    or the content dict itself for a JSON Schema dict or None.
    """
    if not isinstance(message, str):
        raise TypeError(f"the elicitation message must be a str, got {type(message).__name__}")
    if mode == "url":
        if schema is not None:
            raise ValueError("a URL-mode elicitation takes no schema")
        if not isinstance(url, str) or not urlsplit(url).scheme:
            raise ValueError(f"a URL-mode elicitation needs an absolute url, got {url!r}")
        eid = elicitation_id if elicitation_id is not None else uuid.uuid4().hex
        if not isinstance(eid, str) or not eid:
            raise ValueError(f"elicitation_id must be a non-empty str, got {eid!r}")
        return {"mode": "url", "message": message, "url": url, "elicitationId": eid}, _url_decoder
    if mode != "form":
        raise ValueError(f"elicitation mode must be 'form' or 'url', got {mode!r}")
    if url is not None or elicitation_id is not None:
        raise ValueError("url and elicitation_id are only for mode='url'")
    form = _form(schema)
    params = {"message": message, "requestedSchema": copy.deepcopy(form.requested_schema)}
    return params, _decoder(form)


def decode_elicit_result(raw: Mapping[str, Any], decoder: Decoder[T] | None = None) -> ElicitResult[T]:
    """The client's ``elicitation/create`` result as an `ElicitResult`.

    ``action`` must be accept, decline or cancel (else ValueError). On accept, ``data`` is
    ``decoder(content)`` (an absent content counts as ``{}``; a content failing to decode raises the
    decoder's ValueError, which names the field); without a decoder ``data`` is the content dict. On
    decline/cancel ``data`` is None.
    """
    if not isinstance(raw, Mapping):
        raise ValueError(f"an elicitation result must be an object, got {type(raw).__name__}")
    action = raw.get("action")
    if action not in ("accept", "decline", "cancel"):
        raise ValueError(f"unknown elicitation action {action!r} (expected accept, decline or cancel)")
    content = raw.get("content")
    if content is not None and not isinstance(content, Mapping):
        raise ValueError(f"elicitation content must be an object, got {type(content).__name__}")
    meta = raw.get("_meta")
    result: ElicitResult[T] = ElicitResult(
        action=action,
        content=dict(content) if content is not None else None,
        meta=dict(meta) if isinstance(meta, Mapping) else None,
    )
    if action == "accept" and decoder is not None:
        result.data = decoder(content if content is not None else {})
    return result


# ---------------------------------------------------------------------------------------------------
# sampling


def _sampling_message(value: Any) -> SamplingMessage:
    if isinstance(value, SamplingMessage):
        return value
    if isinstance(value, PromptMessage):
        return SamplingMessage(role=value.role, content=value.content)
    if isinstance(value, str) or (isinstance(value, _Model) and hasattr(value, "type")):
        return SamplingMessage(role="user", content=value)
    dump = getattr(value, "model_dump", None)
    if dump is not None and not isinstance(value, Mapping):
        value = dump(by_alias=True, exclude_none=True, mode="json")
    if isinstance(value, Mapping):
        if "role" in value or "content" in value:
            return SamplingMessage.from_dict(value)
        return SamplingMessage(role="user", content=value)  # a bare content block
    raise TypeError(f"a sampling message is a str, a SamplingMessage or a dict, got {type(value).__name__}")


def _block_kind(block: Any) -> Any:
    return block.get("type") if isinstance(block, Mapping) else getattr(block, "type", None)


def _check_tool_loop(messages: list[SamplingMessage]) -> None:
    """Every ``tool_result`` message holds only tool results, answering the previous message's
    ``tool_use`` blocks one for one."""
    previous_uses: set[Any] | None = None
    for index, message in enumerate(messages):
        blocks = message.content_list
        results = [b for b in blocks if _block_kind(b) == "tool_result"]
        if results:
            if len(results) != len(blocks):
                raise ValueError(f"sampling message {index} mixes tool_result blocks with other content")
            answered = {b.get("toolUseId") for b in results}  # type: ignore[union-attr]
            if previous_uses is None:
                raise ValueError(
                    f"sampling message {index} has tool_result blocks but no tool_use precedes it"
                )
            if answered != previous_uses:
                raise ValueError(
                    f"sampling message {index}: tool_result ids {sorted(map(str, answered))} do not match "
                    f"the previous message's tool_use ids {sorted(map(str, previous_uses))}"
                )
        elif previous_uses is not None:
            raise ValueError(
                f"sampling message {index} must answer the previous tool_use blocks with tool_result"
            )
        uses = {b.get("id") for b in blocks if _block_kind(b) == "tool_use"}  # type: ignore[union-attr]
        previous_uses = uses or None


def _model_preferences(value: Any) -> dict[str, Any]:
    if isinstance(value, ModelPreferences):
        return value.to_dict()
    if isinstance(value, str):
        return ModelPreferences(hints=[value]).to_dict()
    if isinstance(value, Mapping):
        return ModelPreferences.from_dict(value).to_dict()
    if isinstance(value, (list, tuple)):
        return ModelPreferences(hints=list(value)).to_dict()
    raise TypeError(
        f"model_preferences is a ModelPreferences, a dict, a model name or a list of names, got {value!r}"
    )


def _tool(value: Any) -> dict[str, Any]:
    if isinstance(value, Tool):
        return value.to_dict()
    dump = getattr(value, "model_dump", None)
    if dump is not None and not isinstance(value, Mapping):
        value = dump(by_alias=True, exclude_none=True, mode="json")
    if isinstance(value, Mapping):
        return Tool.from_dict(value).to_dict()
    raise TypeError(f"a sampling tool is a Tool or a dict, got {type(value).__name__}")


_INCLUDE_CONTEXT = ("none", "thisServer", "allServers")
_TOOL_CHOICE = ("auto", "required", "none")


def sampling_params(
    messages: Any,
    *,
    max_tokens: int,
    system_prompt: str | None = None,
    temperature: float | None = None,
    stop_sequences: list[str] | str | None = None,
    model_preferences: ModelPreferences | Mapping[str, Any] | str | list[str] | None = None,
    include_context: Literal["none", "thisServer", "allServers"] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tools: list[Tool | Mapping[str, Any]] | None = None,
    tool_choice: Literal["auto", "required", "none"] | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The params of a ``sampling/createMessage`` request (camelCase keys, None arguments left out).

    ``messages`` is a str (one user text message), a `SamplingMessage`, a dict (``{"role", "content"}``,
    or a bare content block: a user message), a content object, or a list mixing those (a str item is a
    user text message). Messages carrying ``tool_result`` blocks must hold only those, answering the
    previous message's ``tool_use`` blocks (ValueError otherwise).

    ``max_tokens`` is required (a positive int). ``model_preferences`` is a `ModelPreferences`, its dict,
    a model-name hint or a list of hints. ``include_context`` is ``"none"``, ``"thisServer"`` or
    ``"allServers"`` (the last two need the client's ``sampling.context``). ``tools`` are `Tool` objects
    or dicts; ``tool_choice`` is ``"auto"``/``"required"``/``"none"`` or ``{"mode": ...}`` (either needs
    the client's ``sampling.tools``). ``stop_sequences`` may be a single str.
    """
    if isinstance(messages, (str, Mapping, _Model)) or not hasattr(messages, "__iter__"):
        messages = [messages]
    msgs = [_sampling_message(m) for m in messages]
    if not msgs:
        raise ValueError("sampling needs at least one message")
    _check_tool_loop(msgs)
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens <= 0:
        raise ValueError(f"max_tokens must be a positive int, got {max_tokens!r}")
    params: dict[str, Any] = {"messages": [m.to_dict() for m in msgs], "maxTokens": max_tokens}
    if system_prompt is not None:
        if not isinstance(system_prompt, str):
            raise TypeError(f"system_prompt must be a str, got {type(system_prompt).__name__}")
        params["systemPrompt"] = system_prompt
    if temperature is not None:
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise TypeError(f"temperature must be a number, got {temperature!r}")
        params["temperature"] = temperature
    if stop_sequences is not None:
        seqs = [stop_sequences] if isinstance(stop_sequences, str) else list(stop_sequences)
        if not all(isinstance(s, str) for s in seqs):
            raise TypeError(f"stop_sequences must be strings, got {stop_sequences!r}")
        params["stopSequences"] = seqs
    if model_preferences is not None:
        params["modelPreferences"] = _model_preferences(model_preferences)
    if include_context is not None:
        if include_context not in _INCLUDE_CONTEXT:
            raise ValueError(f"include_context must be one of {_INCLUDE_CONTEXT}, got {include_context!r}")
        params["includeContext"] = include_context
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
        params["metadata"] = dict(metadata)
    if tools is not None:
        if isinstance(tools, (Mapping, Tool)):
            tools = [tools]
        params["tools"] = [_tool(t) for t in tools]
    if tool_choice is not None:
        choice = {"mode": tool_choice} if isinstance(tool_choice, str) else dict(tool_choice)
        if "mode" in choice and choice["mode"] not in _TOOL_CHOICE:
            raise ValueError(f"tool_choice mode must be one of {_TOOL_CHOICE}, got {choice['mode']!r}")
        params["toolChoice"] = choice
    return params


def decode_sampling_result(raw: Mapping[str, Any]) -> CreateMessageResult:
    """The client's ``sampling/createMessage`` result as a `CreateMessageResult` (``.text`` is its text).

    A result that is not an object, lacks ``role``/``content``/``model``, or has a bad role or content
    block raises ValueError."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"a sampling result must be an object, got {type(raw).__name__}")
    try:
        return CreateMessageResult.from_dict(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"invalid sampling/createMessage result: {exc}") from exc


# ---------------------------------------------------------------------------------------------------
# roots


def roots_params() -> dict[str, Any]:
    """The params of a ``roots/list`` request: ``{}``."""
    return {}


def decode_roots(raw: Mapping[str, Any]) -> list[Root]:
    """The client's ``roots/list`` result (``{"roots": [{"uri", "name"?}, ...]}``) as `Root` objects.

    A result without a ``roots`` list, or a root without a ``uri``, raises ValueError."""
    roots = raw.get("roots") if isinstance(raw, Mapping) else None
    if not isinstance(roots, list):
        raise ValueError(f"a roots/list result must have a 'roots' list, got {raw!r}")
    out = []
    for index, item in enumerate(roots):
        if not isinstance(item, Mapping):
            raise ValueError(f"root {index} must be an object, got {type(item).__name__}")
        try:
            out.append(Root.from_dict(item))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"invalid root {index}: {exc}") from exc
    return out


# ---------------------------------------------------------------------------------------------------
# capabilities


def required_capability(method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The client capability object a server -> client request needs.

    ``elicitation/create``: ``{"elicitation": {}}`` in form mode, ``{"elicitation": {"url": {}}}`` in URL
    mode; ``sampling/createMessage``: ``{"sampling": {}}``, with ``"tools": {}`` when ``tools`` or
    ``toolChoice`` are given and ``"context": {}`` when ``includeContext`` is thisServer/allServers;
    ``roots/list``: ``{"roots": {}}``. Any other method (``ping``...) needs nothing: ``{}``.
    """
    if method == ELICITATION_CREATE:
        return {"elicitation": {"url": {}} if params.get("mode") == "url" else {}}
    if method == SAMPLING_CREATE_MESSAGE:
        sampling: dict[str, Any] = {}
        if params.get("includeContext") in ("thisServer", "allServers"):
            sampling["context"] = {}
        if params.get("tools") is not None or params.get("toolChoice") is not None:
            sampling["tools"] = {}
        return {"sampling": sampling}
    if method == ROOTS_LIST:
        return {"roots": {}}
    return {}


def client_supports(capabilities: Mapping[str, Any] | None, method: str, params: Mapping[str, Any]) -> bool:
    """Whether a client that declared ``capabilities`` accepts this server -> client request.

    Elicitation: the client declared ``elicitation``; form mode needs ``elicitation.form`` or an
    ``elicitation`` object naming no mode at all (``{}``, the pre-URL-mode form, means form only); URL
    mode needs ``elicitation.url``. Sampling: ``sampling``, plus ``sampling.tools`` for ``tools`` /
    ``toolChoice`` and ``sampling.context`` for ``includeContext`` thisServer/allServers. Roots: ``roots``.
    """
    need = required_capability(method, params)
    if not need:
        return True
    caps = capabilities if isinstance(capabilities, Mapping) else {}
    if method == ELICITATION_CREATE:
        declared = caps.get("elicitation")
        if not isinstance(declared, Mapping):
            return False
        modes = {m for m in ("form", "url") if isinstance(declared.get(m), Mapping)}
        if params.get("mode") == "url":
            return "url" in modes
        return "form" in modes or not ({"form", "url"} & set(declared))
    for name, sub in need.items():
        declared = caps.get(name)
        if not isinstance(declared, Mapping):
            return False
        if any(not isinstance(declared.get(key), Mapping) for key in sub):
            return False
    return True
