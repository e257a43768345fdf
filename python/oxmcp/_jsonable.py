"""The non-JSON types the core's converter knows (``src/convert.rs``).

The converter reads plain data itself (None, bool, int, float, str, list, tuple, dict and their
subclasses) and calls `known` for anything else: one replacement step, which it converts further
(with the same depth bound and path). `NotImplemented` means "unknown type": the converter then
answers with an error naming the type, never the value's ``repr``.

| type | becomes |
|---|---|
| oxmcp protocol types | their wire dict |
| `enum.Enum` | its ``value`` |
| dataclass instance | a dict of its fields |
| pydantic model | ``model_dump(mode="json", by_alias=True)`` |
| set / frozenset | a list, sorted when the items can be sorted |
| bytes / bytearray / memoryview | base64 text |
| datetime / date / time | ISO 8601 text (``isoformat()``) |
| timedelta | seconds (float) |
| Decimal | a number (float; NaN and infinities are refused like float ones) |
| UUID, pathlib paths | their text |
| any other `Mapping` | a dict of its items |
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import enum
import sys
from collections.abc import Mapping
from typing import Any

from .types import _Model

__all__ = ["known"]


def _instance(value: Any, module: str, name: str) -> bool:
    """``isinstance(value, module.name)`` without importing ``module``: a value of one of its
    types exists only once it was imported (keeps ``import oxmcp`` light)."""
    cls = getattr(sys.modules.get(module), name, None)
    return cls is not None and isinstance(value, cls)


def _is_pydantic(value: Any) -> bool:
    return _instance(value, "pydantic", "BaseModel")


def known(value: Any) -> Any:
    """One plain-er replacement for ``value`` of a known type, else `NotImplemented`."""
    if isinstance(value, _Model):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if _is_pydantic(value):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:  # mixed or unorderable items: iteration order
            return list(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if _instance(value, "decimal", "Decimal"):
        return float(value)
    if _instance(value, "uuid", "UUID") or _instance(value, "pathlib", "PurePath"):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value.items())
    return NotImplemented
