"""What a ``@server.completion()`` function receives: what is being completed, and how far."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CompletionArgument",
    "CompletionContext",
    "PromptReference",
    "ResourceTemplateReference",
    "completion_arguments",
]


@dataclass(frozen=True, slots=True)
class PromptReference:
    """Completing an argument of the prompt ``name``."""

    name: str
    type: Literal["ref/prompt"] = "ref/prompt"


@dataclass(frozen=True, slots=True)
class ResourceTemplateReference:
    """Completing a variable of the resource template ``uri`` (its ``uriTemplate``)."""

    uri: str
    type: Literal["ref/resource"] = "ref/resource"


@dataclass(frozen=True, slots=True)
class CompletionArgument:
    """The argument (or template variable) being completed, and what the user typed so far."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class CompletionContext:
    """Arguments the user already filled in."""

    arguments: dict[str, str] = field(default_factory=dict)


def completion_arguments(
    kwargs: dict[str, Any],
) -> tuple[PromptReference | ResourceTemplateReference, CompletionArgument, CompletionContext]:
    """The positional arguments of a completion function, from what the core passes."""
    ref = kwargs["ref"]
    reference: PromptReference | ResourceTemplateReference = (
        PromptReference(ref["name"]) if ref["type"] == "ref/prompt" else ResourceTemplateReference(ref["uri"])
    )
    argument = CompletionArgument(kwargs["argument"]["name"], kwargs["argument"]["value"])
    context = CompletionContext({k: str(v) for k, v in (kwargs.get("context") or {}).items()})
    return reference, argument, context
