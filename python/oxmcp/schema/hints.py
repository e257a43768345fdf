"""Type-hint recognition: what kind of type a hint names, seen through its wrappers.

Every other module of the package asks these questions (is it a union, a TypedDict, a pydantic model, a
special standard-library scalar...) before deciding on a schema or a converter, so they live in one place.

pydantic is never imported here: a class is a pydantic model only when ``pydantic`` is already in
``sys.modules``. ``datetime``, ``uuid``, ``decimal`` and ``pathlib`` types are likewise recognised only once
their module has been imported (a user who annotates with them has).
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import inspect
import sys
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Union, get_args, get_origin

Converter = Callable[[Any], Any]
"""Turns an already-validated JSON value into the annotated Python type."""

NoneType = type(None)
EMPTY = inspect.Parameter.empty
"""What `inspect` gives for a missing annotation or default."""

_UnionType = getattr(types, "UnionType", None)


def _mod_attr(module: str, name: str) -> Any:
    mod = sys.modules.get(module)
    return getattr(mod, name, None) if mod is not None else None


def _pydantic_base_model() -> type | None:
    return _mod_attr("pydantic", "BaseModel")


def is_pydantic_model(tp: Any) -> bool:
    base = _pydantic_base_model()
    return base is not None and isinstance(tp, type) and issubclass(tp, base)


def is_pydantic_dataclass(tp: Any) -> bool:
    return isinstance(tp, type) and "__pydantic_validator__" in getattr(tp, "__dict__", {})


def subclass_of(tp: Any, module: str, name: str) -> bool:
    """Whether ``tp`` is a subclass of ``module.name``, without importing ``module``."""
    cls = _mod_attr(module, name)
    return cls is not None and isinstance(tp, type) and issubclass(tp, cls)


def std_kind(tp: Any) -> str | None:
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
    if subclass_of(tp, "uuid", "UUID"):
        return "uuid"
    if subclass_of(tp, "pathlib", "PurePath"):
        return "path"
    if subclass_of(tp, "decimal", "Decimal"):
        return "decimal"
    return None


PRIMITIVES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}

ARRAY_ORIGINS = (
    list,
    cabc.Sequence,
    cabc.MutableSequence,
    cabc.Iterable,
    cabc.Collection,
    cabc.Iterator,
    cabc.Generator,
)
SET_ORIGINS = (set, frozenset, cabc.Set, cabc.MutableSet)
MAP_ORIGINS = (dict, cabc.Mapping, cabc.MutableMapping)
_QUALIFIERS = {"Required", "NotRequired", "ReadOnly", "Final", "ClassVar"}


def is_union(origin: Any) -> bool:
    return origin is Union or (_UnionType is not None and origin is _UnionType)


def is_qualifier(origin: Any) -> bool:
    """Required / NotRequired / ReadOnly / Final / ClassVar: wrappers that do not change the type."""
    return getattr(origin, "_name", None) in _QUALIFIERS


def is_typeddict(tp: Any) -> bool:
    return (
        isinstance(tp, type)
        and issubclass(tp, dict)
        and hasattr(tp, "__required_keys__")
        and hasattr(tp, "__total__")
    )


def typeddict_key_required(cls: type, name: str, hint: Any) -> bool:
    """Whether a TypedDict key is required: by the class's totality, unless its hint says
    ``Required[...]`` / ``NotRequired[...]``."""
    origin = get_origin(hint)
    qualifier = getattr(origin, "_name", None) if origin is not None else None
    required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
    return (name in required_keys and qualifier != "NotRequired") or qualifier == "Required"


def is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def is_namedtuple(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


def is_model_class(tp: Any) -> bool:
    """A class that becomes an object schema: dataclass, TypedDict or pydantic model."""
    return isinstance(tp, type) and (
        is_dataclass_type(tp) or is_typeddict(tp) or is_pydantic_model(tp) or is_pydantic_dataclass(tp)
    )


def class_hints(cls: Any) -> dict[str, Any]:
    """A class's field annotations, resolved when possible (raw annotations otherwise)."""
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError, AttributeError, SyntaxError):
        return dict(getattr(cls, "__annotations__", {}))


def bare_type(tp: Any) -> Any:
    """Remove Annotated/Required/NotRequired/ReadOnly/Final wrappers and NewType."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated or (origin is not None and is_qualifier(origin)):
            tp = get_args(tp)[0]
        elif hasattr(tp, "__supertype__"):
            tp = tp.__supertype__
        else:
            return tp


def is_mapping_origin(origin: Any) -> bool:
    return origin in MAP_ORIGINS or (isinstance(origin, type) and issubclass(origin, cabc.Mapping))


def is_oxmcp_class(tp: Any, names: set[str] | frozenset[str]) -> bool:
    """Whether ``tp`` is, or derives from, an oxmcp class with one of these names (recognised by name and
    module, so that this package need not import the classes it recognises)."""
    if not isinstance(tp, type):
        return False
    for klass in tp.__mro__:
        module = getattr(klass, "__module__", "") or ""
        if klass.__name__ in names and (module == "oxmcp" or module.startswith("oxmcp.")):
            return True
    return False


def type_name(tp: Any) -> str:
    """A hint as a user would write it (``list[Item]``, ``Item | None``), without module paths."""
    if tp is None or tp is NoneType:
        return "None"
    if tp is Ellipsis:
        return "..."
    if isinstance(tp, list):  # the parameter list of a Callable
        return f"[{', '.join(type_name(a) for a in tp)}]"
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Annotated:
        return type_name(args[0])
    if is_union(origin):
        return " | ".join(type_name(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__qualname__", None) or getattr(tp, "_name", None) or repr(origin)
        if not args:
            return str(name)
        if get_origin(tp) is typing.Literal:
            return f"Literal[{', '.join(repr(a) for a in args)}]"
        return f"{name}[{', '.join(type_name(a) for a in args)}]"
    if isinstance(tp, type):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")
