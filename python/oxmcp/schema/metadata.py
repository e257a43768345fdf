"""``Annotated[...]`` metadata: descriptions and constraints added to a schema.

Understood metadata: a str (the description), a dict (raw JSON Schema keywords), pydantic ``Field(...)``
(description, title, examples, constraints, ``json_schema_extra``) and annotated-types constraint objects
(``Gt``, ``Ge``, ``Lt``, ``Le``, ``MultipleOf``, ``MinLen``, ``MaxLen``, ``Len``, ``Interval``, patterns),
recognised by their attributes so that neither library is imported.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, get_args, get_origin

from .hints import is_qualifier, subclass_of


def _is_field_info(obj: Any) -> bool:
    return type(obj).__name__ == "FieldInfo" and type(obj).__module__.startswith("pydantic")


def _metadata_description(meta: Any) -> str | None:
    if isinstance(meta, str):
        return meta
    desc = getattr(meta, "description", None)
    return desc if isinstance(desc, str) else None


def annotated_description(tp: Any) -> str | None:
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
        elif origin is not None and is_qualifier(origin):
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
    if subclass_of(type(value), "decimal", "Decimal"):
        value = float(value)
    if not isinstance(value, (int, float)):
        return
    if attr in _CONSTRAINT_KEYS:
        schema[_CONSTRAINT_KEYS[attr]] = value
    elif attr in ("min_length", "max_length"):
        keys = _LENGTH_KEYS.get(schema.get("type", ""))
        if keys is not None:
            schema[keys[0] if attr == "min_length" else keys[1]] = value


def apply_metadata(schema: dict[str, Any], metas: tuple[Any, ...]) -> dict[str, Any]:
    """Add what the metadata of an ``Annotated[...]`` says to ``schema`` (changed in place, returned)."""
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
