"""Converters: validated JSON values -> the annotated Python types.

The Rust core has already checked a value against the schema; what is left is building the Python value
the function expects (dataclasses, Enums, tuples, sets, datetimes, UUIDs, pydantic models, ...). Types
whose JSON value can be used as is get no converter at all, so the common call costs nothing here.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import enum
import json
import sys
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args, get_origin

from .hints import (
    ARRAY_ORIGINS,
    EMPTY,
    PRIMITIVES,
    SET_ORIGINS,
    Converter,
    NoneType,
    bare_type,
    class_hints,
    is_dataclass_type,
    is_mapping_origin,
    is_model_class,
    is_namedtuple,
    is_pydantic_model,
    is_qualifier,
    is_typeddict,
    is_union,
    std_kind,
)
from .json_schema import pydantic_schema


def _needs(tp: Any, stack: tuple[Any, ...] = ()) -> bool:
    """Whether a validated JSON value of this type must be converted before the function sees it."""
    if tp is Any or tp is object or tp is EMPTY or tp is None or tp is NoneType:
        return False
    if isinstance(tp, (str, typing.ForwardRef, typing.TypeVar)):
        return False
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Annotated or (origin is not None and is_qualifier(origin)):
        return _needs(args[0], stack)
    if hasattr(tp, "__supertype__"):
        return _needs(tp.__supertype__, stack)
    if is_union(origin):
        return any(_needs(a, stack) for a in args)
    if origin is Literal:
        return any(isinstance(a, enum.Enum) for a in args)
    if origin is not None:
        if is_model_class(origin):
            return _needs(origin, stack)
        if origin in SET_ORIGINS or origin is tuple:
            return True
        if origin in ARRAY_ORIGINS:
            return bool(args) and _needs(args[0], stack)
        if is_mapping_origin(origin):
            if len(args) != 2:
                return False
            return _key_converter(args[0]) is not None or _needs(args[1], stack)
        return pydantic_schema(tp, "validation") != {}
    if not isinstance(tp, type):
        return False
    if issubclass(tp, enum.Enum) or std_kind(tp) is not None:
        return True
    if tp in PRIMITIVES or tp is list or tp is dict:
        return False
    if is_typeddict(tp):
        if tp in stack:
            return False
        stack = (*stack, tp)
        return any(_needs(h, stack) for h in class_hints(tp).values())
    if is_model_class(tp) or issubclass(tp, (tuple, set, frozenset)):
        return True
    if issubclass(tp, (str, int, float, list, dict)) or tp is cabc.Mapping or tp is cabc.Sequence:
        return False
    return pydantic_schema(tp, "validation") != {}


def _shape_ok(tp: Any, value: Any) -> bool:
    """A loose check that a JSON value has the shape of a type (used to pick a union arm)."""
    tp = bare_type(tp)
    if tp is Any or tp is object:
        return True
    if tp is None or tp is NoneType:
        return value is None
    origin = get_origin(tp)
    if is_union(origin):
        return any(_shape_ok(a, value) for a in get_args(tp))
    if origin is Literal:
        return any(value == (a.value if isinstance(a, enum.Enum) else a) for a in get_args(tp))
    if origin is not None:
        if is_model_class(origin):
            return isinstance(value, dict)
        if origin in SET_ORIGINS or origin is tuple or origin in ARRAY_ORIGINS:
            return isinstance(value, list)
        if is_mapping_origin(origin):
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
    kind = std_kind(tp)
    if kind == "decimal":
        return isinstance(value, (int, float, str)) and not isinstance(value, bool)
    if kind is not None:
        return isinstance(value, str)
    if is_model_class(tp) or issubclass(tp, cabc.Mapping):
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
    kt = bare_type(kt)
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
    kind = std_kind(kt)
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
    if origin is Annotated or (origin is not None and is_qualifier(origin)):
        return _build(args[0])
    if hasattr(tp, "__supertype__"):
        return _build(tp.__supertype__)

    if is_union(origin):
        has_none = any(a is None or a is NoneType for a in args)
        plan = [(a, make_converter(a)) for a in args if a is not None and a is not NoneType]
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
        if is_model_class(origin):
            return _build(origin) if not is_pydantic_model(origin) else _pydantic_converter(tp)
        item_conv = make_converter(args[0]) if args and args[0] is not Ellipsis else None
        if origin in SET_ORIGINS:
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
        if origin in ARRAY_ORIGINS:
            if item_conv is None:
                return _identity
            ic = item_conv
            return lambda v: [ic(x) for x in v]
        if is_mapping_origin(origin):
            kc = _key_converter(args[0]) if len(args) == 2 else None
            vc = make_converter(args[1]) if len(args) == 2 else None
            return lambda v: {
                (kc(k) if kc is not None else k): (vc(x) if vc is not None else x) for k, x in v.items()
            }
        return _pydantic_converter(tp)

    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return _enum_converter(tp)
        kind = std_kind(tp)
        if kind is not None:
            return _std_converter(kind, tp)
        if is_pydantic_model(tp):
            return lambda v: v if isinstance(v, tp) else tp.model_validate(v)  # type: ignore[attr-defined]
        if is_dataclass_type(tp):
            return _lazy(lambda: _dataclass_converter(tp))
        if is_typeddict(tp):
            return _lazy(lambda: _typeddict_converter(tp))
        if is_namedtuple(tp):
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
    hints = class_hints(cls)
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
    plan = {name: c for name, hint in class_hints(cls).items() if (c := make_converter(hint)) is not None}

    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: (plan[k](v) if k in plan else v) for k, v in value.items()}

    return convert


def _namedtuple_converter(cls: type) -> Converter:
    hints = class_hints(cls)
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
    tp = bare_type(tp)
    if tp is Any or tp is object or tp is str or tp is EMPTY:
        return True
    origin = get_origin(tp)
    if is_union(origin):
        return any(_accepts_plain_string(a) for a in get_args(tp))
    if origin is Literal:
        return all(isinstance(a, str) for a in get_args(tp))
    return isinstance(tp, type) and issubclass(tp, str) and not issubclass(tp, enum.Enum)


def string_converter(tp: Any) -> Converter | None:
    """For prompt and resource-template arguments, which arrive as strings: parse the text as JSON when
    the annotated type is not a string type, then apply the usual converter."""
    if _accepts_plain_string(tp):
        return make_converter(tp)
    inner = make_converter(tp)
    is_bool = bare_type(tp) is bool

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower() if is_bool else value
            try:
                value = json.loads(text)
            except ValueError:
                pass
        return inner(value) if inner is not None else value

    return convert
