"""A parameter type no JSON Schema can describe fails at registration, naming the parameter and the type
(it used to get an empty schema, and the function then received whatever JSON came, e.g. a dict).

Registration asks `analyze_function` for ``strict=True``; without it (as tests/test_schema.py calls it) such
a parameter still takes any JSON value."""

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any, Optional

import pytest
from oxmcp import Context, McpServer
from oxmcp.schema import analyze_function, type_to_schema


class Opaque:
    """A plain class: neither a dataclass, a TypedDict, a pydantic model nor a JSON type."""

    def __init__(self, value: int) -> None:
        self.value = value


@dataclasses.dataclass
class Holder:
    inner: Opaque


def test_a_plain_class_parameter_is_refused() -> None:
    def tool(thing: Opaque) -> str:
        return "x"

    with pytest.raises(TypeError, match=r"tool: parameter 'thing' has type Opaque") as info:
        analyze_function(tool, strict=True)
    assert "JSON Schema" in str(info.value)


@pytest.mark.parametrize(
    ("hint", "shown"),
    [
        (list[Opaque], "list[Opaque]"),
        (Optional[Opaque], "Opaque"),
        (dict[str, Opaque], "dict[str, Opaque]"),
        (Annotated[Opaque, "described"], "Opaque"),
        (Callable[[int], int], "Callable"),
        (Holder, "Holder"),
    ],
)
def test_an_unschemable_type_inside_another_is_refused(hint: Any, shown: str) -> None:
    def tool(thing: hint) -> str:  # type: ignore[valid-type]
        return "x"

    with pytest.raises(TypeError, match=r"parameter 'thing'") as info:
        analyze_function(tool, strict=True)
    assert shown in str(info.value)


@pytest.mark.parametrize("kind", ["tool", "prompt", "resource"])
def test_every_kind_of_function_is_checked(kind: str) -> None:
    def fn(thing: Opaque) -> str:
        return "x"

    with pytest.raises(TypeError, match="'thing'"):
        analyze_function(fn, kind=kind, strict=True)


def test_registration_fails_for_tools_prompts_and_templates() -> None:
    server = McpServer("unschemable")

    def opaque_tool(thing: Opaque) -> str:
        return "x"

    def opaque_prompt(thing: Opaque) -> str:
        return "x"

    def opaque_template(thing: Opaque) -> str:
        return "x"

    with pytest.raises(TypeError, match="opaque_tool: parameter 'thing' has type Opaque"):
        server.tool(opaque_tool)
    with pytest.raises(TypeError, match="opaque_prompt: parameter 'thing' has type Opaque"):
        server.prompt(opaque_prompt)
    with pytest.raises(TypeError, match="opaque_template: parameter 'thing' has type Opaque"):
        server.resource("things://{thing}")(opaque_template)


def test_what_was_accepted_before_still_is() -> None:
    sentinel = object()

    def tool(
        ctx: Context,
        a: Any,
        b: object,
        c,  # type: ignore[no-untyped-def]  # noqa: ANN001
        d: dict,
        e: list,
        f: dict[str, Any] = sentinel,  # type: ignore[assignment]
    ) -> Opaque:
        return Opaque(1)

    spec = analyze_function(tool, strict=True)
    props = spec.input_schema["properties"]
    assert props["a"] == {} and props["b"] == {} and props["c"] == {}
    assert props["d"] == {"type": "object"} and props["e"] == {"type": "array"}
    assert spec.output_schema is None  # a return type is not checked: its str() is the text


def test_analyze_function_stays_lenient_unless_asked() -> None:
    def tool(thing: Opaque) -> str:
        return "x"

    assert analyze_function(tool).input_schema["properties"]["thing"] == {}


def test_type_to_schema_stays_lenient_unless_asked() -> None:
    assert type_to_schema(Opaque) == {}
    assert type_to_schema(list[Opaque]) == {"type": "array", "items": {}}
    with pytest.raises(TypeError, match="Opaque"):
        type_to_schema(list[Opaque], strict=True)


def test_pydantic_arbitrary_types_are_refused_too() -> None:
    pytest.importorskip("pydantic")

    def tool(thing: Opaque) -> str:
        return "x"

    with pytest.raises(TypeError, match="parameter 'thing' has type Opaque"):
        analyze_function(tool, strict=True)
