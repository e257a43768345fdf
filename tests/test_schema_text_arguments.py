"""`prompt_arguments_schema` and `template_variables_schema`: the JSON Schema prompt arguments and
resource-template variables are validated against (they arrive as text; the Rust core coerces "3" to 3
where a number is wanted, then validates, naming the argument)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

import pytest
from oxmcp import Context
from oxmcp.schema import analyze_function, prompt_arguments_schema, template_variables_schema

jsonschema = pytest.importorskip("jsonschema")


def prompt(
    topic: str,
    n: int,
    tone: Literal["dry", "warm"],
    ctx: Context,
    when: dt.date | None = None,
    tags: list[str] | None = None,
) -> str:
    """A prompt.

    Args:
        topic: what to write about.
    """
    return topic


def test_prompt_schema_has_one_property_per_parameter_without_context() -> None:
    spec = analyze_function(prompt, kind="prompt")
    schema = prompt_arguments_schema(spec)
    assert schema["type"] == "object"
    assert list(schema["properties"]) == ["topic", "n", "tone", "when", "tags"]
    assert schema["required"] == ["topic", "n", "tone"]
    assert schema["properties"]["topic"] == {"type": "string", "description": "what to write about."}
    assert schema["properties"]["n"] == {"type": "integer"}
    assert schema["properties"]["tone"] == {"type": "string", "enum": ["dry", "warm"]}
    assert {"type": "string", "format": "date"} in schema["properties"]["when"]["anyOf"]
    jsonschema.Draft202012Validator.check_schema(schema)


def coerce(text: str, types: list[str]) -> Any:
    """What the Rust core does to a string where the schema wants another type (a Python copy, to
    check what the schema then accepts)."""
    for t in types:
        if t in ("integer", "number"):
            try:
                return int(text.strip())
            except ValueError:
                pass
        if t == "number":
            try:
                return float(text.strip())
            except ValueError:
                pass
        if t == "boolean" and text.strip().lower() in ("true", "false"):
            return text.strip().lower() == "true"
        if t in ("array", "object") and text.strip()[:1] in "[{":
            return json.loads(text)
    return text


def test_the_schema_refuses_text_of_the_wrong_type_and_enforces_literals() -> None:
    schema = prompt_arguments_schema(analyze_function(prompt, kind="prompt"))
    validator = jsonschema.Draft202012Validator(schema)
    good = {"topic": "t", "n": coerce("3", ["integer"]), "tone": "dry"}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "n": coerce("x", ["integer"])})
    assert not validator.is_valid({**good, "tone": "loud"})
    assert not validator.is_valid({"topic": "t", "tone": "dry"})
    assert validator.is_valid({**good, "tags": coerce('["a"]', ["array", "null"])})


def test_a_mixed_literal_also_accepts_the_text_of_its_values() -> None:
    def p(choice: Literal[1, "a", True]) -> str:
        return "x"

    spec = analyze_function(p, kind="prompt")
    validator = jsonschema.Draft202012Validator(prompt_arguments_schema(spec))
    for text in ("1", "a", "true"):
        assert validator.is_valid({"choice": text})
    assert not validator.is_valid({"choice": "2"})
    assert spec.converters["choice"]("1") == 1
    # the spec itself is not changed
    assert spec.input_schema["properties"]["choice"] == {"enum": [1, "a", True]}


def test_template_schema_has_only_the_uri_variables() -> None:
    def item(item_id: int, ctx: Context, fmt: str = "json", verbose: bool = False) -> str:
        return "x"

    spec = analyze_function(item, kind="resource")
    schema = template_variables_schema(spec, ["item_id", "fmt"])
    assert schema == {
        "type": "object",
        "properties": {"item_id": {"type": "integer"}, "fmt": {"type": "string", "default": "json"}},
        "required": ["item_id"],
    }
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid({"item_id": coerce("abc", ["integer"]), "fmt": "x"})
    assert validator.is_valid({"item_id": coerce("42", ["integer"]), "fmt": "x"})


def test_template_variables_taken_through_kwargs_are_not_constrained() -> None:
    def item(item_id: int, **rest: Any) -> str:
        return "x"

    schema = template_variables_schema(analyze_function(item, kind="resource"), ["item_id", "other"])
    assert list(schema["properties"]) == ["item_id"]


@pytest.mark.parametrize("kind", ["prompt", "resource"])
def test_a_function_without_parameters_gets_an_empty_object_schema(kind: str) -> None:
    def f() -> str:
        return "x"

    spec = analyze_function(f, kind=kind)
    assert prompt_arguments_schema(spec) == {"type": "object", "properties": {}}
    assert template_variables_schema(spec, []) == {"type": "object", "properties": {}}
