"""``sampling/createMessage``: the request's params (checked before sending), and the client's answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..types import CreateMessageResult, ModelPreferences, PromptMessage, SamplingMessage, Tool, _Model


def _sampling_message(value: Any) -> SamplingMessage:
    if isinstance(value, SamplingMessage):
        return value
    if isinstance(value, PromptMessage):
        return SamplingMessage(role=value.role, content=value.content)
    if isinstance(value, str) or (isinstance(value, _Model) and hasattr(value, "type")):
        return SamplingMessage(role="user", content=value)
    dump = getattr(value, "model_dump", None)
    if dump is not None and not isinstance(value, Mapping):
        value = dump(by_alias=True, exclude_none=True, mode="json")
    if isinstance(value, Mapping):
        if "role" in value or "content" in value:
            return SamplingMessage.from_dict(value)
        return SamplingMessage(role="user", content=value)  # a bare content block
    raise TypeError(f"a sampling message is a str, a SamplingMessage or a dict, got {type(value).__name__}")


def _block_kind(block: Any) -> Any:
    return block.get("type") if isinstance(block, Mapping) else getattr(block, "type", None)


def _check_tool_loop(messages: list[SamplingMessage]) -> None:
    """Every ``tool_result`` message holds only tool results, answering the previous message's
    ``tool_use`` blocks one for one."""
    previous_uses: set[Any] | None = None
    for index, message in enumerate(messages):
        blocks = message.content_list
        results = [b for b in blocks if _block_kind(b) == "tool_result"]
        if results:
            if len(results) != len(blocks):
                raise ValueError(f"sampling message {index} mixes tool_result blocks with other content")
            answered = {b.get("toolUseId") for b in results}  # type: ignore[union-attr]
            if previous_uses is None:
                raise ValueError(
                    f"sampling message {index} has tool_result blocks but no tool_use precedes it"
                )
            if answered != previous_uses:
                raise ValueError(
                    f"sampling message {index}: tool_result ids {sorted(map(str, answered))} do not match "
                    f"the previous message's tool_use ids {sorted(map(str, previous_uses))}"
                )
        elif previous_uses is not None:
            raise ValueError(
                f"sampling message {index} must answer the previous tool_use blocks with tool_result"
            )
        uses = {b.get("id") for b in blocks if _block_kind(b) == "tool_use"}  # type: ignore[union-attr]
        previous_uses = uses or None


def _model_preferences(value: Any) -> dict[str, Any]:
    if isinstance(value, ModelPreferences):
        return value.to_dict()
    if isinstance(value, str):
        return ModelPreferences(hints=[value]).to_dict()
    if isinstance(value, Mapping):
        return ModelPreferences.from_dict(value).to_dict()
    if isinstance(value, (list, tuple)):
        return ModelPreferences(hints=list(value)).to_dict()
    raise TypeError(
        f"model_preferences is a ModelPreferences, a dict, a model name or a list of names, got {value!r}"
    )


def _tool(value: Any) -> dict[str, Any]:
    if isinstance(value, Tool):
        return value.to_dict()
    dump = getattr(value, "model_dump", None)
    if dump is not None and not isinstance(value, Mapping):
        value = dump(by_alias=True, exclude_none=True, mode="json")
    if isinstance(value, Mapping):
        return Tool.from_dict(value).to_dict()
    raise TypeError(f"a sampling tool is a Tool or a dict, got {type(value).__name__}")


_INCLUDE_CONTEXT = ("none", "thisServer", "allServers")
_TOOL_CHOICE = ("auto", "required", "none")


def sampling_params(
    messages: Any,
    *,
    max_tokens: int,
    system_prompt: str | None = None,
    temperature: float | None = None,
    stop_sequences: list[str] | str | None = None,
    model_preferences: ModelPreferences | Mapping[str, Any] | str | list[str] | None = None,
    include_context: Literal["none", "thisServer", "allServers"] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tools: list[Tool | Mapping[str, Any]] | None = None,
    tool_choice: Literal["auto", "required", "none"] | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The params of a ``sampling/createMessage`` request (camelCase keys, None arguments left out).

    ``messages`` is a str (one user text message), a `SamplingMessage`, a dict (``{"role", "content"}``,
    or a bare content block: a user message), a content object, or a list mixing those (a str item is a
    user text message). Messages carrying ``tool_result`` blocks must hold only those, answering the
    previous message's ``tool_use`` blocks (ValueError otherwise).

    ``max_tokens`` is required (a positive int). ``model_preferences`` is a `ModelPreferences`, its dict,
    a model-name hint or a list of hints. ``include_context`` is ``"none"``, ``"thisServer"`` or
    ``"allServers"`` (the last two need the client's ``sampling.context``). ``tools`` are `Tool` objects
    or dicts; ``tool_choice`` is ``"auto"``/``"required"``/``"none"`` or ``{"mode": ...}`` (either needs
    the client's ``sampling.tools``). ``stop_sequences`` may be a single str.
    """
    if isinstance(messages, (str, Mapping, _Model)) or not hasattr(messages, "__iter__"):
        messages = [messages]
    msgs = [_sampling_message(m) for m in messages]
    if not msgs:
        raise ValueError("sampling needs at least one message")
    _check_tool_loop(msgs)
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens <= 0:
        raise ValueError(f"max_tokens must be a positive int, got {max_tokens!r}")
    params: dict[str, Any] = {"messages": [m.to_dict() for m in msgs], "maxTokens": max_tokens}
    if system_prompt is not None:
        if not isinstance(system_prompt, str):
            raise TypeError(f"system_prompt must be a str, got {type(system_prompt).__name__}")
        params["systemPrompt"] = system_prompt
    if temperature is not None:
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise TypeError(f"temperature must be a number, got {temperature!r}")
        params["temperature"] = temperature
    if stop_sequences is not None:
        seqs = [stop_sequences] if isinstance(stop_sequences, str) else list(stop_sequences)
        if not all(isinstance(s, str) for s in seqs):
            raise TypeError(f"stop_sequences must be strings, got {stop_sequences!r}")
        params["stopSequences"] = seqs
    if model_preferences is not None:
        params["modelPreferences"] = _model_preferences(model_preferences)
    if include_context is not None:
        if include_context not in _INCLUDE_CONTEXT:
            raise ValueError(f"include_context must be one of {_INCLUDE_CONTEXT}, got {include_context!r}")
        params["includeContext"] = include_context
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
        params["metadata"] = dict(metadata)
    if tools is not None:
        if isinstance(tools, (Mapping, Tool)):
            tools = [tools]
        params["tools"] = [_tool(t) for t in tools]
    if tool_choice is not None:
        choice = {"mode": tool_choice} if isinstance(tool_choice, str) else dict(tool_choice)
        if "mode" in choice and choice["mode"] not in _TOOL_CHOICE:
            raise ValueError(f"tool_choice mode must be one of {_TOOL_CHOICE}, got {choice['mode']!r}")
        params["toolChoice"] = choice
    return params


def decode_sampling_result(raw: Mapping[str, Any]) -> CreateMessageResult:
    """The client's ``sampling/createMessage`` result as a `CreateMessageResult` (``.text`` is its text).

    A result that is not an object, lacks ``role``/``content``/``model``, or has a bad role or content
    block raises ValueError."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"a sampling result must be an object, got {type(raw).__name__}")
    try:
        return CreateMessageResult.from_dict(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"invalid sampling/createMessage result: {exc}") from exc
