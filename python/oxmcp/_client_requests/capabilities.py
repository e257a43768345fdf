"""Which client capability each server -> client request needs, and whether a client declared it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ELICITATION_CREATE = "elicitation/create"
SAMPLING_CREATE_MESSAGE = "sampling/createMessage"
ROOTS_LIST = "roots/list"


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
