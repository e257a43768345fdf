"""What `MockMcpClient` answers when the server asks the client something: the callbacks for
``sampling/createMessage``, ``elicitation/create`` and ``roots/list``, the capabilities they make
possible, and how their return values become wire results. Handshake-era servers ask with requests
on the connection (`answer_request`); stateless servers ask in ``input_required`` results
(`resolve_input_requests`). The callbacks are the client's attributes, read at each request."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Union

from oxmcp.exceptions import ErrorCode, McpError

logger = logging.getLogger("oxmcp.testing")

_MaybeAwaitable = Union[Any, Awaitable[Any]]
SamplingCallback = Callable[[dict[str, Any]], _MaybeAwaitable]
ElicitationCallback = Callable[[dict[str, Any]], _MaybeAwaitable]
ListRootsCallback = Callable[[], _MaybeAwaitable]
LoggingCallback = Callable[[dict[str, Any]], _MaybeAwaitable]
MessageHandler = Callable[[dict[str, Any]], _MaybeAwaitable]
ProgressCallback = Callable[[float, Union[float, None], Union[str, None]], _MaybeAwaitable]

# Client methods a server may ask for: method -> (client attribute holding the callback,
# MockMcpClient parameter, capability). The attribute is read at each request: tests may swap it.
_CLIENT_METHODS: dict[str, tuple[str, str, str]] = {
    "elicitation/create": ("_elicitation_callback", "elicitation_callback", "elicitation"),
    "sampling/createMessage": ("_sampling_callback", "sampling_callback", "sampling"),
    "roots/list": ("_list_roots_callback", "list_roots_callback", "roots"),
}


async def settle(value: Any) -> Any:
    """Awaits `value` when a callback returned an awaitable (async callbacks)."""
    if inspect.isawaitable(value):
        return await value
    return value


async def run_notification_callback(callback: Callable[..., Any], *args: Any) -> None:
    """Runs a notification callback; its exception is logged (a notification has no one to answer)."""
    try:
        await settle(callback(*args))
    except Exception:  # noqa: BLE001 - keep going
        logger.exception("MockMcpClient: a notification callback raised")


def _callback(client: Any, method: str) -> Callable[..., Any] | None:
    callback: Callable[..., Any] | None = getattr(client, _CLIENT_METHODS[method][0])
    return callback


def callback_capabilities(client: Any) -> dict[str, Any]:
    """What the client's callbacks make possible, as client capabilities."""
    caps: dict[str, Any] = {}
    if _callback(client, "sampling/createMessage") is not None:
        caps["sampling"] = {}
    if _callback(client, "elicitation/create") is not None:
        caps["elicitation"] = {"form": {}, "url": {}}
    if _callback(client, "roots/list") is not None:
        caps["roots"] = {"listChanged": True}
    return caps


async def answer(client: Any, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Runs the client's callback for one client method; returns the wire result."""
    callback = _callback(client, method)
    assert callback is not None
    if method == "roots/list":
        value = await settle(callback())
    else:
        value = await settle(callback(params))
    return _NORMALIZE[method](value)


async def answer_request(client: Any, conn: Any, msg: dict[str, Any]) -> None:
    """Answers a request the server sent on the connection (handshake era)."""
    id_json = json.dumps(msg["id"])
    method = msg.get("method", "")
    try:
        if method == "ping":
            result: dict[str, Any] = {}
        elif method in _CLIENT_METHODS and _callback(client, method) is not None:
            result = await answer(client, method, msg.get("params") or {})
        else:
            raise McpError(ErrorCode.METHOD_NOT_FOUND, "Method not found", {"method": method})
        text = json.dumps(result)
    except asyncio.CancelledError:
        raise  # the server cancelled its request (or the client closed): no answer
    except McpError as e:
        data = None
        if e.data is not None:
            try:
                data = json.dumps(e.data)
            except (TypeError, ValueError):
                data = json.dumps(repr(e.data))
        conn.respond_error(id_json, e.code, e.message, data)
    except Exception as e:  # noqa: BLE001 - the callback's failure is the server's answer
        conn.respond_error(id_json, ErrorCode.INTERNAL_ERROR, str(e) or type(e).__name__)
    else:
        conn.respond(id_json, text)


async def resolve_input_requests(client: Any, method: str, requests: Mapping[str, Any]) -> dict[str, Any]:
    """Stateless revision: the answers to an ``input_required`` result's input requests, all
    resolved concurrently."""
    planned: list[tuple[str, str, dict[str, Any]]] = []
    for key, req in requests.items():
        asked = req.get("method") if isinstance(req, Mapping) else None
        if asked not in _CLIENT_METHODS:
            raise McpError(
                ErrorCode.METHOD_NOT_FOUND,
                f"{method}: input request {key!r} asks the client for {asked!r}, which MockMcpClient "
                f"does not support (only {', '.join(_CLIENT_METHODS)})",
            )
        _, param, capability = _CLIENT_METHODS[asked]
        if _callback(client, asked) is None:
            raise McpError(
                ErrorCode.MISSING_REQUIRED_CLIENT_CAPABILITY,
                f"{method}: the server asked for {asked} (input request {key!r}) but this "
                f"MockMcpClient has no {param}; pass MockMcpClient(..., {param}=...)",
                {"requiredCapabilities": {capability: {}}},
            )
        planned.append((key, asked, dict(req.get("params") or {})))
    loop = asyncio.get_running_loop()
    tasks = {key: loop.create_task(answer(client, asked, params)) for key, asked, params in planned}
    try:
        done, _ = await asyncio.wait(tasks.values(), return_when=asyncio.FIRST_EXCEPTION)
        for t in done:
            if not t.cancelled() and t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
        return {key: t.result() for key, t in tasks.items()}
    finally:
        pending = [t for t in tasks.values() if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.wait(pending)


# -- callbacks' return values as wire results ------------------------------------------------------
def _wire(value: Any, what: str) -> dict[str, Any]:
    """A callback's answer as a wire dict: a dict, or an object with ``to_dict()`` (oxmcp types)
    or ``model_dump()`` (pydantic)."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    elif hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must return a dict or an object with to_dict(), got {type(value).__name__}")
    return dict(value)


def _sampling_result(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"role": "assistant", "content": {"type": "text", "text": value}, "model": "mock"}
    return _wire(value, "sampling_callback")


def _root(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"uri": value}
    return _wire(value, "list_roots_callback (each root)")


def _roots_result(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping) and "roots" in value:
        return {**value, "roots": [_root(r) for r in value["roots"]]}
    if isinstance(value, (list, tuple)):
        return {"roots": [_root(r) for r in value]}
    raise TypeError(
        "list_roots_callback must return a list of roots (dicts, objects with to_dict(), or URI strings) "
        f"or a dict {{'roots': [...]}}, got {type(value).__name__}"
    )


_NORMALIZE: dict[str, Callable[[Any], dict[str, Any]]] = {
    "elicitation/create": lambda v: _wire(v, "elicitation_callback"),
    "sampling/createMessage": _sampling_result,
    "roots/list": _roots_result,
}
