"""Turning whatever a user function returned into plain JSON and protocol dicts.

* `tool_parts` -> the parts of a tool's answer: the core shapes them into the ``CallToolResult``
  (``src/tool_result.rs`` holds that rule, and reads plain values without coming here);
* `resource_contents` -> the ``contents`` list of a ``resources/read`` result,
* `prompt_result` -> a ``GetPromptResult`` dict.

Values become JSON through the core's one converter (`to_jsonable`: depth-bounded, cycle-aware, the
known types of `oxmcp._jsonable`; anything else is an error naming the type). JSON text is
``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` for tool results. Resource JSON is
indented (``indent=2``), as the official SDK does, since it is usually read by people.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from typing import Any

from . import _core
from ._jsonable import _is_pydantic
from .types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    GetPromptResult,
    ImageContent,
    PromptMessage,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

__all__ = ["json_text", "prompt_result", "resource_contents", "to_jsonable", "tool_parts", "tool_result"]

_CONTENT = (TextContent, ImageContent, AudioContent, ResourceLink, EmbeddedResource)
_CONTENT_TYPE_NAMES = frozenset({"text", "image", "audio", "resource", "resource_link"})


# ---------------------------------------------------------------------------------------------------
# JSON


def to_jsonable(value: Any, root: str = "result") -> Any:
    """``value`` as plain JSON data (dict/list/str/int/float/bool/None), through the core's one
    converter (``src/convert.rs``; the known types are in `oxmcp._jsonable`). Raises ValueError
    (too deep, a cycle, NaN...) or TypeError (a type it cannot convert), naming the path under
    ``root``: ``result.items[3]: cycle (refers to an enclosing value)``."""
    return _core.jsonable(value, root)


def json_text(value: Any) -> str:
    """Compact JSON text of a value (``ensure_ascii=False``), converted as `to_jsonable` does."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------------
# tools


def _content_dict(value: Any) -> dict[str, Any] | None:
    """A content block's wire dict, or None when `value` is not a content block."""
    if isinstance(value, _CONTENT):
        return value.to_dict()
    if (
        hasattr(value, "model_dump")
        and type(value).__module__.split(".", 1)[0] in ("mcp", "mcp_types")
        and getattr(value, "type", None) in _CONTENT_TYPE_NAMES
    ):  # an official SDK content model
        dumped: dict[str, Any] = value.model_dump(by_alias=True, exclude_none=True, mode="json")
        return dumped
    for method in ("to_image_content", "to_audio_content"):  # Image / Audio helpers
        convert = getattr(value, method, None)
        if callable(convert) and not isinstance(value, type):
            return _content_dict(convert())
    return None


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _as_text(value: Any) -> str:
    """Text for one value: a str as is (also what converts to one: a UUID, a date...), else JSON."""
    if isinstance(value, str):
        return value
    data = to_jsonable(value)
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _is_structured(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        or (dataclasses.is_dataclass(value) and not isinstance(value, type))
        or _is_pydantic(value)
    )


def tool_parts(value: Any) -> tuple[Any, ...]:
    """A tool's return value as the parts the core shapes into a ``CallToolResult``
    (``src/tool_result.rs``, which reads plain values itself and asks here for everything else):

    * a `CallToolResult` object -> ``("result", its dict)`` (a plain dict with "content" is *data*);
    * a content block -> ``("content", [block], None)``;
    * a list/tuple holding content blocks -> ``("content", blocks, value as JSON)``: its blocks, and
      each other item as a text block;
    * anything else -> ``("value", value as JSON, its text or None for no content, is_structured)``:
      Enum -> its value; tuple/set -> list; datetime -> isoformat (`oxmcp._jsonable` lists the
      known types); a str is its own text, other data its JSON text; dict / dataclass / pydantic
      model are structured. A value that cannot be JSON raises, naming its path and problem.
    """
    if isinstance(value, CallToolResult):
        return ("result", value.to_dict())
    block = _content_dict(value)
    if block is not None:
        return ("content", [block], None)
    if isinstance(value, enum.Enum):
        value = value.value
    elif isinstance(value, (tuple, set, frozenset)):
        value = list(value)

    if isinstance(value, list):
        blocks = [_content_dict(v) for v in value]
        if value and any(b is not None for b in blocks):
            content = [b if b is not None else _text(_as_text(v)) for b, v in zip(blocks, value, strict=True)]
            return ("content", content, to_jsonable(value))

    if value is None:
        return ("value", None, None, False)
    if isinstance(value, str):
        return ("value", value, value, False)
    data = to_jsonable(value)
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return ("value", data, text, _is_structured(value))


def tool_result(value: Any, wraps_result: bool) -> dict[str, Any]:
    """The ``CallToolResult`` dict the core makes of a value that is not plain JSON (see
    `tool_parts`); ``wraps_result``: the output schema wraps it as ``{"result": value}``."""
    return _core.tool_result(tool_parts(value), wraps_result)


# ---------------------------------------------------------------------------------------------------
# resources


def _is_resource_item(value: Any) -> bool:
    return isinstance(value, (TextResourceContents, BlobResourceContents, *_CONTENT)) or (
        _content_dict(value) is not None
    )


def _one_resource(value: Any, uri: str, mime_type: str | None) -> list[dict[str, Any]]:
    if isinstance(value, (TextResourceContents, BlobResourceContents)):
        d = value.to_dict()
        if not d.get("uri"):
            d = {"uri": uri, **d}
        return [d]
    if isinstance(value, EmbeddedResource):
        return _one_resource(value.resource, uri, mime_type)
    if isinstance(value, TextContent):
        return [{"uri": uri, "mimeType": mime_type or "text/plain", "text": value.text}]
    if isinstance(value, (ImageContent, AudioContent)):
        return [{"uri": uri, "mimeType": value.mime_type, "blob": value.data}]
    if isinstance(value, ResourceLink):
        return [{"uri": uri, "mimeType": "application/json", "text": json_text(value.to_dict())}]
    block = _content_dict(value)
    if block is not None:  # a foreign content model
        if block.get("type") == "text":
            return [{"uri": uri, "mimeType": mime_type or "text/plain", "text": block.get("text", "")}]
        if block.get("type") in ("image", "audio"):
            return [{"uri": uri, "mimeType": block.get("mimeType"), "blob": block.get("data", "")}]
        if block.get("type") == "resource":
            return _one_resource(EmbeddedResource.from_dict(block), uri, mime_type)
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str):
        return [{"uri": uri, "mimeType": mime_type or "text/plain", "text": value}]
    if isinstance(value, (bytes, bytearray, memoryview)):
        import base64

        blob = base64.b64encode(bytes(value)).decode("ascii")
        return [{"uri": uri, "mimeType": mime_type or "application/octet-stream", "blob": blob}]
    if isinstance(value, (Mapping, list, tuple, set, frozenset)) or _is_structured(value):
        text = json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)
        return [{"uri": uri, "mimeType": mime_type or "application/json", "text": text}]
    return [{"uri": uri, "mimeType": mime_type or "text/plain", "text": _as_text(value)}]


def resource_contents(value: Any, uri: str, mime_type: str | None) -> list[dict[str, Any]]:
    """The ``contents`` of a ``resources/read`` result for a resource function's return value.

    str -> text (``mimeType`` given or text/plain); bytes -> base64 blob (given or
    application/octet-stream); TextContent -> its text; ImageContent/AudioContent -> blob with their own
    mimeType; EmbeddedResource -> its resource; TextResourceContents/BlobResourceContents -> as is, with
    ``uri`` filled in when missing; dict/list/dataclass/pydantic -> JSON text (application/json unless
    given); a list containing any of the objects above -> their contents concatenated; anything else ->
    its text.
    """
    if isinstance(value, (list, tuple)) and any(_is_resource_item(v) for v in value):
        out: list[dict[str, Any]] = []
        for item in value:
            out.extend(_one_resource(item, uri, mime_type))
        return out
    return _one_resource(value, uri, mime_type)


# ---------------------------------------------------------------------------------------------------
# prompts


def _message_dicts(value: Any, depth: int = 0) -> list[dict[str, Any]]:
    if depth > _core.MAX_VALUE_DEPTH:  # lists of lists of messages: bounded like every value
        raise ValueError(f"result: nested deeper than {_core.MAX_VALUE_DEPTH}")
    if value is None:
        return []
    if isinstance(value, PromptMessage):
        return [value.to_dict()]
    if isinstance(value, str):
        return [{"role": "user", "content": _text(value)}]
    block = _content_dict(value)
    if block is not None:
        return [{"role": "user", "content": block}]
    if isinstance(value, Mapping) and "role" in value and "content" in value:
        return [PromptMessage.from_dict(value).to_dict()]
    role, content = getattr(value, "role", None), getattr(value, "content", None)
    if isinstance(role, str) and content is not None and not isinstance(value, Mapping):
        return [PromptMessage(role=role, content=_content_dict(content) or content).to_dict()]
    if isinstance(value, (list, tuple)):
        return [m for item in value for m in _message_dicts(item, depth + 1)]
    return [{"role": "user", "content": _text(_as_text(value))}]


def prompt_result(value: Any, description: str | None) -> dict[str, Any]:
    """A ``GetPromptResult`` dict (``{"description"?, "messages": [...]}``) for a prompt's return value.

    A `GetPromptResult` object -> its dict, as is; a dict with ``messages`` -> its
    messages; str -> one user text message; `PromptMessage` -> [it]; a content block -> one user message;
    a dict (or object) with role/content -> that message (a str content becomes a text block); a list or
    tuple of those -> the messages in order; anything else -> one user message with its text.
    """
    if isinstance(value, GetPromptResult):
        return value.to_dict()
    if isinstance(value, Mapping) and "messages" in value and "role" not in value:
        result = GetPromptResult.from_dict(value).to_dict()
        if description is not None and "description" not in result:
            result = {"description": description, **result}
        return result
    out = {"messages": _message_dicts(value)}
    if description is not None:
        out = {"description": description, **out}
    return out
