"""``roots/list``: the request's (empty) params, and the client's answer as `Root` objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import Root


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
