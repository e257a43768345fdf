"""oxmcp.schema: type hints -> JSON Schema, converters, docstrings, Context detection, output schemas.

No `from __future__ import annotations` here on purpose: some tests define types inside the test
function, which string annotations could not resolve.
"""

import collections.abc as cabc
import dataclasses
import datetime as dt
import decimal
import enum
import json
import pathlib
import subprocess
import sys
import typing
import uuid
from typing import Annotated, Any, Literal, NamedTuple, NewType, Optional, TypedDict, Union

import pytest
from oxmcp.schema import (
    FunctionSpec,
    analyze_function,
    make_converter,
    output_schema,
    parse_docstring,
    type_to_schema,
)
from oxmcp.types import (
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    PromptMessage,
    ResourceLink,
    TextContent,
)

try:  # Python 3.11+
    from typing import NotRequired, Required
except ImportError:  # pragma: no cover
    from typing_extensions import NotRequired, Required

# A class named Context in a module under oxmcp (what oxmcp.context.Context will be), built without
# importing it.
Context = type("Context", (), {"__module__": "oxmcp.context", "__doc__": "fake request context"})


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Point:
    """A point on the plane."""

    x: int
    y: int = 0
    color: Color = Color.RED


@dataclasses.dataclass
class Shape:
    name: str
    points: list[Point] = dataclasses.field(default_factory=list)
    origin: Optional[Point] = None
    tags: tuple[str, ...] = ()
    note: str = dataclasses.field(default="", metadata={"description": "free text"})
    area: float = dataclasses.field(default=0.0, init=False)


@dataclasses.dataclass
class Tree:
    value: int
    children: list["Tree"] = dataclasses.field(default_factory=list)


class Movie(TypedDict):
    """A film."""

    title: str
    year: NotRequired[int]
    color: NotRequired[Color]


class Partial(TypedDict, total=False):
    a: int
    b: Required[str]


class Pair(NamedTuple):
    left: int
    right: Color


UserId = NewType("UserId", int)
ZERO_UUID = uuid.UUID(int=0)


def schema_of(fn: Any) -> dict:
    return analyze_function(fn).input_schema


def prop(fn: Any, name: str) -> dict:
    return analyze_function(fn).input_schema["properties"][name]


# --- primitives and basics --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (str, {"type": "string"}),
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (type(None), {"type": "null"}),
        (None, {"type": "null"}),
        (Any, {}),
        (object, {}),
        (UserId, {"type": "integer"}),
    ],
)
def test_primitive_schemas(hint: Any, expected: dict) -> None:
    assert type_to_schema(hint) == expected


def test_unannotated_parameter_has_no_constraint() -> None:
    def f(a, b=3):  # type: ignore[no-untyped-def]
        pass

    s = schema_of(f)
    assert s == {"type": "object", "properties": {"a": {}, "b": {"default": 3}}, "required": ["a"]}


def test_function_without_parameters() -> None:
    def f() -> None:
        pass

    spec = analyze_function(f)
    assert spec.input_schema == {"type": "object", "properties": {}}
    assert spec.param_names == ()
    assert spec.arguments == []
    assert spec.converters == {}
    assert isinstance(spec, FunctionSpec)


def test_seed_tool() -> None:
    async def calculate_sum(a: float, b: float) -> float:
        """Calculate the sum of two numbers."""
        return a + b

    spec = analyze_function(calculate_sum)
    assert spec.name == "calculate_sum"
    assert spec.description == "Calculate the sum of two numbers."
    assert spec.input_schema == {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        "required": ["a", "b"],
    }
    assert spec.output_schema == {
        "type": "object",
        "properties": {"result": {"type": "number"}},
        "required": ["result"],
    }
    assert spec.wraps_result is True
    assert spec.converters == {}
    assert spec.context_param is None
    assert spec.param_names == ("a", "b")
    assert spec.var_kwargs is False


def test_required_and_defaults() -> None:
    def f(
        a: int,
        b: str = "x",
        c: Optional[int] = None,
        d: Color = Color.GREEN,
        e: list[int] = [1, 2],  # noqa: B006
    ) -> None:
        pass

    s = schema_of(f)
    assert s["required"] == ["a"]
    assert s["properties"]["b"] == {"type": "string", "default": "x"}
    assert s["properties"]["c"] == {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None}
    assert s["properties"]["d"]["default"] == "green"
    assert s["properties"]["e"]["default"] == [1, 2]


def test_non_json_default_is_not_shown() -> None:
    sentinel = object()

    def f(a: Any = sentinel, b: float = float("nan"), c: tuple[int, int] = (1, 2)) -> None:
        pass

    s = schema_of(f)
    assert s["properties"]["a"] == {}
    assert "default" not in s["properties"]["b"]
    assert s["properties"]["c"]["default"] == [1, 2]
    assert "required" not in s


def test_special_defaults_are_jsonified() -> None:
    def f(
        when: dt.date = dt.date(2024, 1, 2),
        uid: uuid.UUID = ZERO_UUID,
        p: pathlib.Path = pathlib.Path("/tmp"),
        d: decimal.Decimal = decimal.Decimal("1.5"),
        raw: bytes = b"\x00",
        pt: Point = Point(1),  # noqa: B008
        tags: frozenset[str] = frozenset({"b", "a"}),
        m: dict[Color, int] = {Color.RED: 1},  # noqa: B006
    ) -> None:
        pass

    props = schema_of(f)["properties"]
    assert props["when"]["default"] == "2024-01-02"
    assert props["uid"]["default"] == "00000000-0000-0000-0000-000000000000"
    assert props["p"]["default"] == "/tmp"
    assert props["d"]["default"] == 1.5
    assert props["raw"]["default"] == "AA=="
    assert props["pt"]["default"] == {"x": 1, "y": 0, "color": "red"}
    assert props["tags"]["default"] == ["a", "b"]
    assert props["m"]["default"] == {"red": 1}


# --- unions -----------------------------------------------------------------------------------------


def test_optional_forms() -> None:
    expected = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert type_to_schema(Optional[str]) == expected
    assert type_to_schema(str | None) == expected
    assert type_to_schema(Union[None, str]) == {"anyOf": [{"type": "string"}, {"type": "null"}]}


def test_unions() -> None:
    assert type_to_schema(Union[int, str]) == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert type_to_schema(int | str | None) == {
        "anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]
    }
    # identical arms collapse
    assert type_to_schema(Union[int, UserId]) == {"type": "integer"}


# --- containers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (list[int], {"type": "array", "items": {"type": "integer"}}),
        (list[str], {"type": "array", "items": {"type": "string"}}),
        (cabc.Sequence[int], {"type": "array", "items": {"type": "integer"}}),
        (cabc.Iterable[int], {"type": "array", "items": {"type": "integer"}}),
        (set[int], {"type": "array", "uniqueItems": True, "items": {"type": "integer"}}),
        (frozenset[str], {"type": "array", "uniqueItems": True, "items": {"type": "string"}}),
        (
            tuple[int, str],
            {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "minItems": 2,
                "maxItems": 2,
            },
        ),
        (tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),
        (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
        (dict[str, Any], {"type": "object"}),
        (cabc.Mapping[str, float], {"type": "object", "additionalProperties": {"type": "number"}}),
        (list, {"type": "array"}),
        (dict, {"type": "object"}),
        (tuple, {"type": "array"}),
        (set, {"type": "array", "uniqueItems": True}),
        (typing.List, {"type": "array"}),  # noqa: UP006
        (typing.Dict, {"type": "object"}),  # noqa: UP006
        (typing.List[int], {"type": "array", "items": {"type": "integer"}}),  # noqa: UP006
        (typing.Tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),  # noqa: UP006
        (typing.Dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),  # noqa: UP006
        (typing.Set[int], {"type": "array", "uniqueItems": True, "items": {"type": "integer"}}),  # noqa: UP006
        (list[Any], {"type": "array"}),
        (list[list[int]], {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}),
    ],
)
def test_container_schemas(hint: Any, expected: dict) -> None:
    assert type_to_schema(hint) == expected


# --- Literal and Enum -------------------------------------------------------------------------------


def test_literal() -> None:
    assert type_to_schema(Literal["a", "b"]) == {"type": "string", "enum": ["a", "b"]}
    assert type_to_schema(Literal[1, 2]) == {"type": "integer", "enum": [1, 2]}
    assert type_to_schema(Literal[True]) == {"type": "boolean", "enum": [True]}
    assert type_to_schema(Literal["a", 1]) == {"enum": ["a", 1]}
    assert type_to_schema(Literal[Color.RED]) == {"type": "string", "enum": ["red"]}


def test_enum() -> None:
    assert type_to_schema(Color) == {"type": "string", "enum": ["red", "green"]}
    assert type_to_schema(Level) == {"type": "integer", "enum": [1, 2]}

    class Mixed(enum.Enum):
        A = 1
        B = "b"

    assert type_to_schema(Mixed) == {"enum": [1, "b"]}


# --- standard-library scalars -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (dt.datetime, {"type": "string", "format": "date-time"}),
        (dt.date, {"type": "string", "format": "date"}),
        (dt.time, {"type": "string", "format": "time"}),
        (uuid.UUID, {"type": "string", "format": "uuid"}),
        (bytes, {"type": "string", "contentEncoding": "base64"}),
        (pathlib.Path, {"type": "string"}),
        (pathlib.PurePosixPath, {"type": "string"}),
        (decimal.Decimal, {"type": "number"}),
    ],
)
def test_stdlib_scalar_schemas(hint: Any, expected: dict) -> None:
    assert type_to_schema(hint) == expected


# --- object types -----------------------------------------------------------------------------------


def test_dataclass_schema() -> None:
    assert type_to_schema(Point) == {
        "type": "object",
        "properties": {
            "x": {"type": "integer"},
            "y": {"type": "integer", "default": 0},
            "color": {"type": "string", "enum": ["red", "green"], "default": "red"},
        },
        "required": ["x"],
        "description": "A point on the plane.",
    }


def test_nested_dataclass_is_inlined() -> None:
    s = type_to_schema(Shape)
    assert "$ref" not in json.dumps(s) and "$defs" not in json.dumps(s)
    assert "description" not in s  # no docstring: the generated signature is not a description
    assert s["required"] == ["name"]
    assert s["properties"]["points"]["items"]["properties"]["x"] == {"type": "integer"}
    assert s["properties"]["origin"]["anyOf"][0]["type"] == "object"
    assert s["properties"]["tags"] == {"type": "array", "items": {"type": "string"}, "default": []}
    assert s["properties"]["note"]["description"] == "free text"
    assert "area" not in s["properties"]  # init=False: not an input
    assert "area" in type_to_schema(Shape, mode="serialization")["properties"]


def test_recursive_dataclass_falls_back_to_object() -> None:
    s = type_to_schema(Tree)
    assert s["properties"]["children"] == {"type": "array", "items": {"type": "object"}}


def test_typeddict_schema() -> None:
    assert type_to_schema(Movie) == {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "year": {"type": "integer"},
            "color": {"type": "string", "enum": ["red", "green"]},
        },
        "required": ["title"],
        "description": "A film.",
    }
    partial = type_to_schema(Partial)
    assert partial["required"] == ["b"]


def test_namedtuple_schema() -> None:
    assert type_to_schema(Pair) == {
        "type": "array",
        "prefixItems": [{"type": "integer"}, {"type": "string", "enum": ["red", "green"]}],
        "minItems": 2,
        "maxItems": 2,
    }


def test_pydantic_model_schema_is_inlined() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Inner(pydantic.BaseModel):
        v: int

    class Outer(pydantic.BaseModel):
        inner: Inner
        items: list[Inner] = []
        color: Color = Color.RED
        point: Optional[Point] = None

    s = type_to_schema(Outer)
    text = json.dumps(s)
    assert "$ref" not in text and "$defs" not in text
    assert s["type"] == "object"
    assert s["required"] == ["inner"]
    assert s["properties"]["inner"]["properties"]["v"]["type"] == "integer"
    assert s["properties"]["items"]["items"]["properties"]["v"]["type"] == "integer"
    assert s["properties"]["color"]["enum"] == ["red", "green"]


def test_recursive_pydantic_model() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Node(pydantic.BaseModel):
        value: int
        children: list["Node"] = []

    Node.model_rebuild()
    s = type_to_schema(Node)
    assert s["type"] == "object"
    assert "$ref" not in json.dumps(s)
    assert s["properties"]["children"]["items"] == {"type": "object"}


# --- Annotated, constraints and descriptions --------------------------------------------------------


def test_annotated_string_description() -> None:
    def f(a: Annotated[int, "how many"], b: Annotated[Optional[str], "maybe"] = None) -> None:
        pass

    assert prop(f, "a") == {"type": "integer", "description": "how many"}
    assert prop(f, "b") == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": "maybe",
        "default": None,
    }


def test_annotated_object_with_description() -> None:
    class Doc:
        description = "from an object"

    def f(a: Annotated[str, Doc()]) -> None:
        pass

    assert prop(f, "a") == {"type": "string", "description": "from an object"}


def test_annotated_pydantic_field() -> None:
    pydantic = pytest.importorskip("pydantic")

    def f(
        a: Annotated[int, pydantic.Field(description="count", ge=0, le=10)],
        b: Annotated[str, pydantic.Field(min_length=2, max_length=5, pattern="^[a-z]+$")] = "ab",
        c: Annotated[list[int], pydantic.Field(max_length=3, examples=[[1]])] = [],  # noqa: B006
        d: Annotated[
            Optional[float], pydantic.Field(gt=0, lt=1, json_schema_extra={"x-unit": "ratio"})
        ] = None,
    ) -> None:
        pass

    s = schema_of(f)["properties"]
    assert s["a"] == {"type": "integer", "minimum": 0, "maximum": 10, "description": "count"}
    assert s["b"] == {
        "type": "string",
        "minLength": 2,
        "maxLength": 5,
        "pattern": "^[a-z]+$",
        "default": "ab",
    }
    assert s["c"] == {
        "type": "array",
        "items": {"type": "integer"},
        "maxItems": 3,
        "examples": [[1]],
        "default": [],
    }
    assert s["d"]["anyOf"][0] == {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}
    assert s["d"]["x-unit"] == "ratio"


def test_annotated_types_constraints() -> None:
    annotated_types = pytest.importorskip("annotated_types")

    def f(
        a: Annotated[int, annotated_types.Ge(1), annotated_types.MultipleOf(2)],
        b: Annotated[str, annotated_types.Len(1, 3)],
    ) -> None:
        pass

    s = schema_of(f)["properties"]
    assert s["a"] == {"type": "integer", "minimum": 1, "multipleOf": 2}
    assert s["b"] == {"type": "string", "minLength": 1, "maxLength": 3}


def test_docstring_google_args() -> None:
    def f(a: int, b: str, c: Annotated[int, "annotated wins"] = 0, *, d: Point) -> None:
        """Do a thing.

        Longer explanation
        over two lines.

        Args:
            a: The first
                value, continued.
            b (str): The second.
            c: Ignored, Annotated wins.
            d: The point (overrides the class docstring).

        Returns:
            Nothing.

        Raises:
            ValueError: never.
        """

    spec = analyze_function(f)
    assert spec.description == "Do a thing.\n\nLonger explanation\nover two lines."
    props = spec.input_schema["properties"]
    assert props["a"]["description"] == "The first value, continued."
    assert props["b"]["description"] == "The second."
    assert props["c"]["description"] == "annotated wins"
    assert props["d"]["description"] == "The point (overrides the class docstring)."
    assert spec.input_schema["required"] == ["a", "b", "d"]


def test_docstring_styles() -> None:
    numpy_doc = """Summary line.

    Parameters
    ----------
    x : int
        The x value.
    y, z : str
        Shared text.

    Returns
    -------
    int
        Something.
    """
    assert parse_docstring(numpy_doc) == (
        "Summary line.",
        {"x": "The x value.", "y": "Shared text.", "z": "Shared text."},
    )

    sphinx_doc = """Summary.

    :param int x: The x
        value.
    :param y: The y.
    :type y: str
    :returns: stuff
    :rtype: int
    """
    assert parse_docstring(sphinx_doc) == ("Summary.", {"x": "The x value.", "y": "The y."})

    assert parse_docstring(None) == (None, {})
    assert parse_docstring("   ") == (None, {})
    assert parse_docstring("\n    Args:\n        a: only params\n    ") == (None, {"a": "only params"})
    assert parse_docstring("Text.\n\nExample:\n    f(1)") == ("Text.\n\nExample:\n    f(1)", {})


def test_no_docstring_gives_no_description() -> None:
    def f(a: int) -> None:
        pass

    assert analyze_function(f).description is None


# --- Context, *args, **kwargs -----------------------------------------------------------------------


def test_context_parameter_is_skipped() -> None:
    async def long_job(n: int, ctx: Context) -> str:  # type: ignore[valid-type]
        return ""

    spec = analyze_function(long_job)
    assert spec.context_param == "ctx"
    assert spec.param_names == ("n",)
    assert "ctx" not in spec.input_schema["properties"]
    assert spec.input_schema["required"] == ["n"]
    assert spec.arguments == [{"name": "n", "required": True}]


def test_context_detection_variants() -> None:
    SubContext = type("MyContext", (Context,), {"__module__": "user_code"})

    def a(ctx: SubContext) -> None:  # type: ignore[valid-type]
        pass

    def b(x: int, ctx: Optional[Context] = None) -> None:  # type: ignore[valid-type]
        pass

    def c(ctx: "Context[Any, Any]") -> None:  # type: ignore[type-arg]  # noqa: F821
        pass

    def d(ctx: Annotated[Context, "the context"]) -> None:  # type: ignore[valid-type]
        pass

    assert analyze_function(a).context_param == "ctx"
    assert analyze_function(b).context_param == "ctx"
    assert analyze_function(b).param_names == ("x",)
    assert analyze_function(d).context_param == "ctx"
    # an unresolvable string annotation naming Context (e.g. imported under TYPE_CHECKING) is still found
    c.__annotations__["ctx"] = "oxmcp.Context"
    assert analyze_function(c).context_param == "ctx"


def test_real_context_class() -> None:
    context_module = pytest.importorskip("oxmcp.context")

    def f(q: str, ctx: context_module.Context) -> str:
        return q

    spec = analyze_function(f)
    assert spec.context_param == "ctx"
    assert spec.param_names == ("q",)


def test_other_context_classes_are_parameters() -> None:
    OtherContext = type("Context", (), {"__module__": "somewhere.else"})

    def f(ctx: OtherContext) -> None:  # type: ignore[valid-type]
        pass

    spec = analyze_function(f)
    assert spec.context_param is None
    assert spec.param_names == ("ctx",)


def test_two_context_parameters_rejected() -> None:
    def f(a: Context, b: Context) -> None:  # type: ignore[valid-type]
        pass

    with pytest.raises(TypeError, match="Context"):
        analyze_function(f)


def test_var_args_rejected_and_kwargs_flagged() -> None:
    def f(a: int, *args: int) -> None:
        pass

    with pytest.raises(TypeError, match="args"):
        analyze_function(f)

    def g(a: int, **kwargs: Any) -> None:
        pass

    spec = analyze_function(g)
    assert spec.var_kwargs is True
    assert spec.param_names == ("a",)
    assert "kwargs" not in spec.input_schema["properties"]


def test_unresolvable_annotation_is_type_error() -> None:
    def f(a: int) -> None:
        pass

    f.__annotations__["a"] = "NoSuchType"
    with pytest.raises(TypeError, match="NoSuchType"):
        analyze_function(f)


def test_unresolvable_return_annotation_gives_no_output_schema() -> None:
    def f(a: Color) -> int:
        return 1

    f.__annotations__["return"] = "pandas.DataFrame"
    spec = analyze_function(f)
    assert spec.output_schema is None
    assert spec.wraps_result is False
    assert spec.converters["a"]("red") is Color.RED


def test_string_annotations_resolve() -> None:
    def f(a: "Point", b: "Optional[Color]" = None) -> "int":
        return 1

    spec = analyze_function(f)
    assert spec.input_schema["properties"]["a"]["type"] == "object"
    assert spec.wraps_result is True
    assert set(spec.converters) == {"a", "b"}


def test_methods_and_callable_objects() -> None:
    class Tools:
        def add(self, a: int, b: int = 1) -> int:
            """Add."""
            return a + b

    spec = analyze_function(Tools().add)
    assert spec.name == "add"
    assert spec.param_names == ("a", "b")

    class Callable_:
        """Callable object."""

        def __call__(self, q: str) -> str:
            return q

    spec = analyze_function(Callable_())
    assert spec.name == "Callable_"
    assert spec.param_names == ("q",)
    assert spec.description == "Callable object."


def test_decorated_function_uses_wrapped_signature() -> None:
    import functools

    def deco(fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        return wrapper

    @deco
    def f(a: Color) -> None:
        pass

    spec = analyze_function(f)
    assert spec.param_names == ("a",)
    assert spec.converters["a"]("red") is Color.RED


# --- converters -------------------------------------------------------------------------------------


def test_plain_json_params_have_no_converter() -> None:
    def f(
        a: int,
        b: str,
        c: float,
        d: bool,
        e: list[int],
        f_: dict[str, Any],
        g: Optional[str],
        h: Any,
        i: Literal["x"],
        j: dict[str, list[int]],
        k: list,
        m: UserId,
    ) -> None:
        pass

    assert analyze_function(f).converters == {}


def test_dataclass_converter_nested() -> None:
    def f(shape: Shape) -> None:
        pass

    conv = analyze_function(f).converters["shape"]
    shape = conv(
        {
            "name": "tri",
            "points": [{"x": 1}, {"x": 2, "y": 3, "color": "green"}],
            "origin": {"x": 0},
            "tags": ["a", "b"],
            "unknown": "ignored",
        }
    )
    assert shape == Shape(
        name="tri", points=[Point(1), Point(2, 3, Color.GREEN)], origin=Point(0), tags=("a", "b")
    )


def test_recursive_dataclass_converter() -> None:
    conv = make_converter(Tree)
    assert conv is not None
    assert conv({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}) == Tree(
        1, [Tree(2, [Tree(3)])]
    )


@pytest.mark.parametrize(
    ("hint", "value", "expected"),
    [
        (Color, "green", Color.GREEN),
        (Level, 2, Level.HIGH),
        (tuple[int, Color], [1, "red"], (1, Color.RED)),
        (tuple[int, ...], [1, 2], (1, 2)),
        (tuple, [1, "a"], (1, "a")),
        (set[int], [1, 2, 2], {1, 2}),
        (frozenset[Color], ["red"], frozenset({Color.RED})),
        (list[Color], ["red", "green"], [Color.RED, Color.GREEN]),
        (dict[str, Color], {"a": "red"}, {"a": Color.RED}),
        (dict[int, str], {"1": "a"}, {1: "a"}),
        (dict[Color, int], {"red": 1}, {Color.RED: 1}),
        (dict[bool, int], {"true": 1}, {True: 1}),
        (Optional[Color], None, None),
        (Optional[Color], "red", Color.RED),
        (Literal[Color.RED, "other"], "red", Color.RED),
        (Literal[Color.RED, "other"], "other", "other"),
        (Union[int, Point], 3, 3),
        (Union[int, Point], {"x": 3}, Point(3)),
        (Union[Color, Level], 1, Level.LOW),
        (Union[str, dt.date], "2024-01-02", "2024-01-02"),
        (Union[dt.date, str], "2024-01-02", dt.date(2024, 1, 2)),
        (Union[dt.date, str], "not a date", "not a date"),
        (Movie, {"title": "x", "color": "red", "extra": 1}, {"title": "x", "color": Color.RED, "extra": 1}),
        (Pair, [1, "green"], Pair(1, Color.GREEN)),
        (dt.datetime, "2024-01-02T03:04:05Z", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)),
        (dt.datetime, "2024-01-02T03:04:05", dt.datetime(2024, 1, 2, 3, 4, 5)),
        (dt.date, "2024-01-02", dt.date(2024, 1, 2)),
        (dt.time, "03:04:05", dt.time(3, 4, 5)),
        (
            uuid.UUID,
            "12345678-1234-5678-1234-567812345678",
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
        ),
        (pathlib.Path, "/tmp/x", pathlib.Path("/tmp/x")),
        (decimal.Decimal, 1.1, decimal.Decimal("1.1")),
        (decimal.Decimal, 3, decimal.Decimal(3)),
        (bytes, "AAE=", b"\x00\x01"),
        (bytearray, "AAE=", bytearray(b"\x00\x01")),
        (Annotated[Color, "desc"], "red", Color.RED),
        (list[Optional[Point]], [None, {"x": 1}], [None, Point(1)]),
    ],
)
def test_converters(hint: Any, value: Any, expected: Any) -> None:
    conv = make_converter(hint)
    assert conv is not None
    result = conv(value)
    assert result == expected
    assert type(result) is type(expected)


def test_pydantic_converter() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Item(pydantic.BaseModel):
        name: str
        color: Color = Color.RED

    def f(item: Item, items: Optional[list[Item]] = None) -> None:
        pass

    spec = analyze_function(f)
    assert spec.converters["item"]({"name": "a", "color": "green"}) == Item(name="a", color=Color.GREEN)
    assert spec.converters["items"]([{"name": "b"}]) == [Item(name="b")]
    assert spec.converters["items"](None) is None


def test_converter_only_for_params_needing_it() -> None:
    def f(a: int, b: Color, c: list[str], d: Optional[Point] = None) -> None:
        pass

    assert set(analyze_function(f).converters) == {"b", "d"}


# --- output schemas ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hint",
    [
        None,
        type(None),
        str,
        TextContent,
        ImageContent,
        EmbeddedResource,
        ResourceLink,
        list[TextContent],
        tuple[TextContent, ImageContent],
        Optional[TextContent],
        Union[TextContent, str],
        CallToolResult,
        object,
        Annotated[str, "text"],
    ],
)
def test_output_schema_none(hint: Any) -> None:
    def f() -> hint:  # type: ignore[valid-type]
        pass

    spec = analyze_function(f)
    assert spec.output_schema is None
    assert spec.wraps_result is False


def test_output_schema_missing_annotation() -> None:
    def f():  # type: ignore[no-untyped-def]
        pass

    assert analyze_function(f).output_schema is None


def test_output_schema_arbitrary_class_is_none() -> None:
    class Opaque:
        pass

    assert output_schema(Opaque) == (None, False)


@pytest.mark.parametrize(
    ("hint", "schema"),
    [
        (dict, {"type": "object"}),
        (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
        (Movie, type_to_schema(Movie, mode="serialization")),
        (Point, type_to_schema(Point, mode="serialization")),
    ],
)
def test_output_schema_objects(hint: Any, schema: dict) -> None:
    def f() -> hint:  # type: ignore[valid-type]
        pass

    spec = analyze_function(f)
    assert spec.output_schema == schema
    assert spec.wraps_result is False


def test_output_schema_dataclass_includes_non_init_fields() -> None:
    schema, wraps = output_schema(Shape)
    assert schema is not None and "area" in schema["properties"]
    assert wraps is False


def test_output_schema_pydantic() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Out(pydantic.BaseModel):
        total: int

    schema, wraps = output_schema(Out)
    assert wraps is False
    assert schema is not None and schema["type"] == "object"
    assert schema["properties"]["total"]["type"] == "integer"


@pytest.mark.parametrize(
    "hint",
    [
        int,
        float,
        bool,
        list,
        list[int],
        tuple[int, str],
        Optional[int],
        Optional[str],
        Union[int, str],
        Literal["a", "b"],
        Color,
        Any,
        dict[int, str],
        Optional[Point],
        dt.datetime,
        bytes,
        set[str],
    ],
)
def test_output_schema_wrapped(hint: Any) -> None:
    def f() -> hint:  # type: ignore[valid-type]
        pass

    spec = analyze_function(f)
    assert spec.wraps_result is True
    assert spec.output_schema == {
        "type": "object",
        "properties": {"result": type_to_schema(hint, mode="serialization")},
        "required": ["result"],
    }


def test_output_schema_annotated_call_tool_result() -> None:
    schema, wraps = output_schema(Annotated[CallToolResult, Point])
    assert schema == type_to_schema(Point, mode="serialization")
    assert wraps is False
    schema, wraps = output_schema(Annotated[CallToolResult, int])
    assert wraps is True


def test_output_schema_annotated_description() -> None:
    schema, wraps = output_schema(Annotated[int, "the count"])
    assert wraps is True
    assert schema == {
        "type": "object",
        "properties": {"result": {"type": "integer", "description": "the count"}},
        "required": ["result"],
    }


def test_seed_return_types() -> None:
    async def get_weather(city: str) -> str:
        return city

    async def health_check() -> dict:
        return {}

    async def batch_process(items: list) -> list:
        return items

    assert analyze_function(get_weather).output_schema is None
    assert analyze_function(health_check).output_schema == {"type": "object"}
    assert analyze_function(health_check).wraps_result is False
    spec = analyze_function(batch_process)
    assert spec.input_schema == {
        "type": "object",
        "properties": {"items": {"type": "array"}},
        "required": ["items"],
    }
    assert spec.output_schema == {
        "type": "object",
        "properties": {"result": {"type": "array"}},
        "required": ["result"],
    }
    assert spec.wraps_result is True


# --- prompts and resources --------------------------------------------------------------------------


def test_prompt_arguments() -> None:
    async def code_review_prompt(
        language: str = "python", style: Annotated[str, "Code style guidelines"] = "standard", *, code: str
    ) -> PromptMessage:
        """Generate a code review prompt.

        Args:
            language: Programming language
        """
        raise NotImplementedError

    spec = analyze_function(code_review_prompt, kind="prompt")
    assert spec.description == "Generate a code review prompt."
    assert spec.arguments == [
        {"name": "language", "description": "Programming language", "required": False},
        {"name": "style", "description": "Code style guidelines", "required": False},
        {"name": "code", "required": True},
    ]
    assert spec.output_schema is None
    assert spec.wraps_result is False


def test_non_tool_kinds_parse_string_arguments() -> None:
    def profile(
        user_id: int,
        verbose: bool = False,
        color: Color = Color.RED,
        tags: Optional[list[str]] = None,
        name: str = "",
    ) -> dict:
        return {}

    spec = analyze_function(profile, kind="resource")
    assert spec.output_schema is None
    conv = spec.converters
    assert set(conv) == {"user_id", "verbose", "color", "tags"}
    assert conv["user_id"]("42") == 42
    assert conv["verbose"]("True") is True
    assert conv["verbose"]("false") is False
    assert conv["color"]("green") is Color.GREEN
    assert conv["tags"]('["a", "b"]') == ["a", "b"]
    assert conv["user_id"](7) == 7  # already typed values pass


def test_tool_kind_does_not_parse_strings() -> None:
    def f(user_id: int) -> None:
        pass

    assert analyze_function(f, kind="tool").converters == {}


# --- import cost ------------------------------------------------------------------------------------


def test_import_does_not_pull_heavy_modules() -> None:
    import oxmcp

    package_dir = list(oxmcp.__path__)[0]
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('oxmcp'); pkg.__path__ = [{package_dir!r}]; sys.modules['oxmcp'] = pkg\n"
        "import oxmcp.types, oxmcp.schema, oxmcp._results\n"
        "heavy = [m for m in ('pydantic', 'typing_extensions', 'uuid', 'decimal', 'pathlib', 'asyncio')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
