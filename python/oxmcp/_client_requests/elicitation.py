"""``elicitation/create``: the request's params, and the client's answer decoded into the requested type."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, overload
from urllib.parse import urlsplit

from ..types import ElicitResult
from .elicitation_form import FieldPlan, Form, enum_of, form_for

T = TypeVar("T")

Decoder = Callable[[Mapping[str, Any]], T]
"""Turns the ``content`` of an accepted elicitation answer into the requested type (raises ValueError)."""


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
        allowed = enum_of(prop)
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
        allowed = enum_of(items) if isinstance(items, Mapping) else None
        for item in value:
            if not isinstance(item, str):
                raise _bad(name, "a list of strings", value)
            if allowed is not None and item not in allowed:
                raise ValueError(f"elicitation field {name!r}: {item!r} is not one of {allowed}")
    return value


def _checked(form: Form, content: Mapping[str, Any]) -> dict[str, Any]:
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


def _convert(f: FieldPlan, value: Any) -> Any:
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


def _decoder(form: Form) -> Decoder[Any]:
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
    form = form_for(schema)
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
