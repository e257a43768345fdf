"""The structured-output schema of a tool, from its return annotation.

A return value that is text or content gets no schema; one that is an object (dict, TypedDict,
dataclass, pydantic model) gets its own; anything else is wrapped as ``{"result": ...}``.
"""

from __future__ import annotations

import collections.abc as cabc
import enum
import typing
from typing import Annotated, Any, get_args, get_origin

from .hints import (
    EMPTY,
    NoneType,
    bare_type,
    is_mapping_origin,
    is_model_class,
    is_oxmcp_class,
    is_union,
    std_kind,
)
from .json_schema import object_schema, type_to_schema

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


def _returns_content(tp: Any) -> bool:
    tp = bare_type(tp)
    origin = get_origin(tp)
    if origin is None:
        return is_oxmcp_class(tp, _CONTENT_CLASS_NAMES)
    if is_union(origin) or origin in (list, tuple, cabc.Sequence):
        return any(_returns_content(a) for a in get_args(tp) if a is not Ellipsis)
    return False


def _may_be_content(tp: Any) -> bool:
    """``Any`` (alone or in a union) may be a content object or a `CallToolResult`, which goes out as
    content with no structured value: an output schema would promise one the result then lacks (and the
    official client raises on that). A list of ``Any`` is fine: a list holding content is sent with its
    structured value as well."""
    tp = bare_type(tp)
    if tp is Any:
        return True
    return is_union(get_origin(tp)) and any(_may_be_content(a) for a in get_args(tp))


def output_schema(annotation: Any, *, strict: bool = False) -> tuple[dict[str, Any] | None, bool]:
    """The structured-output schema of a return annotation, and whether it wraps the value as
    ``{"result": ...}``. ``(None, False)`` means text content only.

    None / missing / str / content types (or lists and unions of them) / CallToolResult / unknown classes
    -> no schema; dict, TypedDict, dataclass, pydantic model -> their object schema; anything else
    (int, float, bool, list, tuple, Optional, unions, Literal, Enum, ...) -> wrapped.
    ``Annotated[CallToolResult, Model]`` takes its schema from ``Model``.

    ``Any`` (or a union with it) is wrapped too, unless ``strict`` (what registration asks for): then it
    gets no schema, since the value may be content that cannot honour one.
    """
    if annotation is EMPTY or annotation is None or annotation is NoneType:
        return None, False
    base = bare_type(annotation)
    if base is None or base is NoneType or base is str or base is object:
        return None, False
    if isinstance(base, (str, typing.ForwardRef)):
        return None, False
    if is_oxmcp_class(base, frozenset({"CallToolResult"})):
        if get_origin(annotation) is Annotated:
            for meta in get_args(annotation)[1:]:
                if isinstance(meta, type) or get_origin(meta) is not None:
                    return output_schema(meta, strict=strict)
        return None, False
    if _returns_content(base) or (strict and _may_be_content(base)):
        return None, False
    wrapped = object_schema({"result": type_to_schema(annotation, mode="serialization")}, ["result"]), True
    if base is Any:
        return wrapped
    origin = get_origin(base)
    if origin is not None:
        if is_model_class(origin):
            return type_to_schema(annotation, mode="serialization"), False
        if is_mapping_origin(origin):
            args = get_args(base)
            if not args or bare_type(args[0]) in (str, Any):
                return type_to_schema(annotation, mode="serialization"), False
        return wrapped
    if not isinstance(base, type):
        return wrapped
    if is_model_class(base) or issubclass(base, cabc.Mapping):
        return type_to_schema(annotation, mode="serialization"), False
    if (
        issubclass(base, (enum.Enum, list, tuple, set, frozenset, bool, int, float, str))
        or std_kind(base) is not None
    ):
        return wrapped
    if type_to_schema(base, mode="serialization"):
        return wrapped  # a type pydantic knows (when pydantic is loaded)
    return None, False  # an arbitrary class: no schema, its str() is the text
