"""oxmcp._client_requests: params of server -> client requests (elicitation, sampling, roots), decoding of
the client's answers, and client capability checks. Pure functions: no server needed.

(No ``from __future__ import annotations`` here: the schema classes below are read with their real types.)
"""

import copy
import dataclasses
import datetime
import enum
import subprocess
import sys
import typing
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Optional, TypedDict

import pytest
from oxmcp import types as ox_types
from oxmcp._client_requests import (
    ELICITATION_CREATE,
    ROOTS_LIST,
    SAMPLING_CREATE_MESSAGE,
    client_supports,
    decode_elicit_result,
    decode_roots,
    decode_sampling_result,
    elicitation_params,
    required_capability,
    roots_params,
    sampling_params,
)
from oxmcp.types import (
    LOGGING_LEVELS,
    AudioContent,
    Completion,
    CreateMessageResult,
    ElicitResult,
    EmbeddedResource,
    ImageContent,
    LoggingLevel,
    ModelHint,
    ModelPreferences,
    PromptMessage,
    ResourceLink,
    Root,
    SamplingMessage,
    TextContent,
    Tool,
)

try:
    import pydantic
except ImportError:  # pragma: no cover
    pydantic = None  # type: ignore[assignment]

needs_pydantic = pytest.mark.skipif(pydantic is None, reason="pydantic is not installed")

# --- schema classes ---------------------------------------------------------------------------------


@dataclass
class Defaults:
    """The conformance scenario elicitation-sep1034-defaults."""

    name: str = "John Doe"
    age: int = 30
    score: float = 95.5
    status: Literal["active", "inactive", "pending"] = "active"
    verified: bool = True


SEP1034_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "default": "John Doe"},
        "age": {"type": "integer", "default": 30},
        "score": {"type": "number", "default": 95.5},
        "status": {"type": "string", "enum": ["active", "inactive", "pending"], "default": "active"},
        "verified": {"type": "boolean", "default": True},
    },
}


class DefaultsTD(TypedDict):
    name: str
    age: int
    score: float
    status: Literal["active", "inactive", "pending"]
    verified: bool


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


class Number(enum.Enum):
    ONE = 1
    TWO = 2


OPTION_TITLES = {"option1": "First Option", "option2": "Second Option", "option3": "Third Option"}
Options = Literal["option1", "option2", "option3"]


@dataclass
class Enums:
    """The conformance scenario elicitation-sep1330-enums, from Python types."""

    untitledSingle: Options
    titledSingle: Annotated[Options, OPTION_TITLES]
    legacyEnum: Annotated[Options, {"enumNames": ["First Option", "Second Option", "Third Option"]}]
    untitledMulti: list[Options]
    titledMulti: Annotated[list[Options], OPTION_TITLES]


SEP1330_SCHEMA = {
    "type": "object",
    "properties": {
        "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
        "titledSingle": {
            "type": "string",
            "oneOf": [
                {"const": "option1", "title": "First Option"},
                {"const": "option2", "title": "Second Option"},
                {"const": "option3", "title": "Third Option"},
            ],
        },
        "legacyEnum": {
            "type": "string",
            "enum": ["option1", "option2", "option3"],
            "enumNames": ["First Option", "Second Option", "Third Option"],
        },
        "untitledMulti": {
            "type": "array",
            "items": {"type": "string", "enum": ["option1", "option2", "option3"]},
        },
        "titledMulti": {
            "type": "array",
            "items": {
                "anyOf": [
                    {"const": "option1", "title": "First Option"},
                    {"const": "option2", "title": "Second Option"},
                    {"const": "option3", "title": "Third Option"},
                ]
            },
        },
    },
    "required": ["untitledSingle", "titledSingle", "legacyEnum", "untitledMulti", "titledMulti"],
}


@dataclass
class Profile:
    username: Annotated[str, "Your user name"]
    color: Color
    sizes: list[Size]
    nickname: Optional[str]
    email: Annotated[Optional[str], {"format": "email"}] = None
    tags: set[Color] = field(default_factory=set)
    birthday: Optional[datetime.date] = None
    level: int = field(default=1, metadata={"description": "How good", "title": "Level"})
    picked: Annotated[Color, {Color.RED: "Red!", "green": "Green!"}] = Color.GREEN


class ProfileTD(TypedDict, total=False):
    color: typing.Required[Color]
    note: Optional[str]
    count: int


class RequiredOptionalTD(TypedDict):
    maybe: Optional[int]


@dataclass
class Inner:
    x: int


@dataclass
class NestedDC:
    inner: Inner


@dataclass
class DictField:
    data: dict[str, int]


@dataclass
class FreeList:
    xs: list[int]


@dataclass
class UnionField:
    x: int | str


@dataclass
class IntLiteral:
    x: Literal[1, 2]


@dataclass
class IntEnumField:
    x: Number


@dataclass
class BadFormat:
    ip: Annotated[str, {"format": "ipv4"}]


@dataclass
class OptionalEnumList:
    xs: list[Optional[Color]]


class NestedTD(TypedDict):
    inner: DefaultsTD


@dataclass
class WithExtras:
    code: Annotated[str, {"minLength": 3, "maxLength": 5}, "A code"]
    when: datetime.datetime
    ident: uuid.UUID
    flag: Annotated[bool, "On?"] = False
    hidden: int = field(default=0, init=False)


if pydantic is not None:

    class DefaultsModel(pydantic.BaseModel):
        name: str = "John Doe"
        age: int = 30
        score: float = 95.5
        status: Literal["active", "inactive", "pending"] = "active"
        verified: bool = True

    class ProfileModel(pydantic.BaseModel):
        username: str = pydantic.Field(description="Your user name", title="User")
        color: Color
        colors: list[Color] = []
        nickname: Optional[str]
        site: Optional[pydantic.AnyUrl] = None
        age: int = pydantic.Field(default=18, ge=0)
        choice: Annotated[Options, OPTION_TITLES] = "option1"

    class NestedModel(pydantic.BaseModel):
        inner: ProfileModel

    class DictModel(pydantic.BaseModel):
        data: dict[str, int]

    class ListModel(pydantic.BaseModel):
        xs: list[int]

    @pydantic.dataclasses.dataclass
    class PydanticDC:
        count: int
        label: str = "x"


def requested(schema: Any) -> dict[str, Any]:
    params, _ = elicitation_params("Please fill in", schema)
    assert params["message"] == "Please fill in"
    assert "mode" not in params  # form mode leaves "mode" out, for older clients
    assert set(params) == {"message", "requestedSchema"}
    return params["requestedSchema"]


def accept(schema: Any, content: Any) -> Any:
    _, decoder = elicitation_params("m", schema)
    result = decode_elicit_result({"action": "accept", "content": content}, decoder)
    assert result.accepted
    return result.data


# --- elicitation: requested schemas -----------------------------------------------------------------


def test_sep1034_defaults_dataclass() -> None:
    assert requested(Defaults) == SEP1034_SCHEMA


def test_sep1034_defaults_dict_verbatim() -> None:
    assert requested(SEP1034_SCHEMA) == SEP1034_SCHEMA


@needs_pydantic
def test_sep1034_defaults_pydantic() -> None:
    schema = requested(DefaultsModel)
    assert "required" not in schema
    for name, expected in SEP1034_SCHEMA["properties"].items():
        prop = schema["properties"][name]
        assert {k: v for k, v in prop.items() if k != "title"} == expected, name


def test_sep1330_enums_from_types() -> None:
    assert requested(Enums) == SEP1330_SCHEMA


def test_sep1330_enums_dict_verbatim_and_copied() -> None:
    original = copy.deepcopy(SEP1330_SCHEMA)
    params, decoder = elicitation_params("m", SEP1330_SCHEMA)
    assert params["requestedSchema"] == original
    params["requestedSchema"]["properties"].clear()
    assert SEP1330_SCHEMA == original  # the caller's dict is not shared
    data = decoder(
        {
            "untitledSingle": "option1",
            "titledSingle": "option2",
            "legacyEnum": "option3",
            "untitledMulti": ["option1", "option3"],
            "titledMulti": ["option2"],
        }
    )
    assert data["titledMulti"] == ["option2"]
    with pytest.raises(ValueError, match="'titledSingle'.*'nope' is not one of"):
        decoder({**data, "titledSingle": "nope"})
    with pytest.raises(ValueError, match="'titledMulti'.*'nope' is not one of"):
        decoder({**data, "titledMulti": ["option1", "nope"]})


def test_sep1330_enums_decode_from_types() -> None:
    data = accept(
        Enums,
        {
            "untitledSingle": "option1",
            "titledSingle": "option2",
            "legacyEnum": "option3",
            "untitledMulti": ["option1", "option3"],
            "titledMulti": [],
        },
    )
    assert data == Enums("option1", "option2", "option3", ["option1", "option3"], [])


def test_titles_on_list_items() -> None:
    @dataclass
    class ItemTitles:
        picks: list[Annotated[Options, OPTION_TITLES]]

    schema = requested(ItemTitles)
    assert schema["properties"]["picks"] == SEP1330_SCHEMA["properties"]["titledMulti"]


def test_profile_dataclass_schema() -> None:
    assert requested(Profile) == {
        "type": "object",
        "properties": {
            "username": {"type": "string", "description": "Your user name"},
            "color": {"type": "string", "enum": ["red", "green", "blue"]},
            "sizes": {"type": "array", "items": {"type": "string", "enum": ["s", "l"]}},
            "nickname": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "tags": {
                "type": "array",
                "items": {"type": "string", "enum": ["red", "green", "blue"]},
                "default": [],
            },
            "birthday": {"type": "string", "format": "date"},
            "level": {"type": "integer", "description": "How good", "title": "Level", "default": 1},
            "picked": {
                "type": "string",
                "oneOf": [
                    {"const": "red", "title": "Red!"},
                    {"const": "green", "title": "Green!"},
                    {"const": "blue", "title": "blue"},
                ],
                "default": "green",
            },
        },
        "required": ["username", "color", "sizes"],
    }


def test_profile_dataclass_decode() -> None:
    data = accept(
        Profile,
        {"username": "ann", "color": "red", "sizes": ["l", "s"], "tags": ["blue"], "birthday": "2000-02-29"},
    )
    assert data == Profile(
        username="ann",
        color=Color.RED,
        sizes=[Size.LARGE, Size.SMALL],
        nickname=None,  # Optional without default: absent -> None
        tags={Color.BLUE},
        birthday=datetime.date(2000, 2, 29),
    )
    assert isinstance(data.color, Color)
    assert data.level == 1 and data.picked is Color.GREEN  # defaults kept


def test_decode_ignores_unknown_keys_and_nulls() -> None:
    data = accept(Profile, {"username": "a", "color": "red", "sizes": [], "nickname": None, "bogus": 1})
    assert data.nickname is None and not hasattr(data, "bogus")


def test_extras_and_std_types() -> None:
    schema = requested(WithExtras)
    assert schema["properties"] == {
        "code": {"type": "string", "minLength": 3, "maxLength": 5, "description": "A code"},
        "when": {"type": "string", "format": "date-time"},
        "ident": {"type": "string"},
        "flag": {"type": "boolean", "description": "On?", "default": False},
    }
    assert schema["required"] == ["code", "when", "ident"]
    u = uuid.uuid4()
    data = accept(WithExtras, {"code": "abc", "when": "2024-05-06T07:08:09Z", "ident": str(u), "flag": True})
    assert data.when == datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    assert data.ident == u and data.flag is True and data.hidden == 0


def test_typeddict_schema_and_decode() -> None:
    assert requested(DefaultsTD) == {
        "type": "object",
        "properties": {
            k: {kk: vv for kk, vv in v.items() if kk != "default"}
            for k, v in SEP1034_SCHEMA["properties"].items()
        },
        "required": ["name", "age", "score", "status", "verified"],
    }
    assert requested(ProfileTD) == {
        "type": "object",
        "properties": {
            "color": {"type": "string", "enum": ["red", "green", "blue"]},
            "note": {"type": "string"},
            "count": {"type": "integer"},
        },
        "required": ["color"],
    }
    assert accept(ProfileTD, {"color": "blue", "count": 2.0}) == {"color": Color.BLUE, "count": 2}
    # a required key typed Optional is not required from the client, and is filled with None
    assert requested(RequiredOptionalTD) == {"type": "object", "properties": {"maybe": {"type": "integer"}}}
    assert accept(RequiredOptionalTD, {}) == {"maybe": None}


def test_float_fields_get_floats() -> None:
    data = accept(Defaults, {"name": "x", "age": 31.0, "score": 90, "status": "pending", "verified": False})
    assert data == Defaults("x", 31, 90.0, "pending", False)
    assert type(data.age) is int and type(data.score) is float


def test_no_schema_and_empty_answers() -> None:
    params, decoder = elicitation_params("Continue?")
    assert params == {"message": "Continue?", "requestedSchema": {"type": "object", "properties": {}}}
    result = decode_elicit_result({"action": "accept"}, decoder)
    assert result.accepted and result.data == {} and result.content is None
    assert decoder({"anything": 1}) == {"anything": 1}
    # a dataclass whose fields all have defaults accepts an empty answer
    assert accept(Defaults, {}) == Defaults()


@pytest.mark.parametrize(
    ("cls", "field_name"),
    [
        (NestedDC, "inner"),
        (DictField, "data"),
        (FreeList, "xs"),
        (UnionField, "x"),
        (IntLiteral, "x"),
        (IntEnumField, "x"),
        (BadFormat, "ip"),
        (OptionalEnumList, "xs"),
        (NestedTD, "inner"),
    ],
)
def test_rejects_non_flat_fields(cls: type, field_name: str) -> None:
    with pytest.raises(TypeError, match=f"field {field_name!r}.*flat primitive fields"):
        elicitation_params("m", cls)


def test_rejects_bad_schema_arguments() -> None:
    with pytest.raises(TypeError, match="object schema"):
        elicitation_params("m", {"type": "string"})
    with pytest.raises(TypeError, match="properties"):
        elicitation_params("m", {"type": "object", "properties": []})
    with pytest.raises(TypeError, match="required"):
        elicitation_params("m", {"type": "object", "properties": {}, "required": "x"})
    with pytest.raises(TypeError, match="dataclass, TypedDict or pydantic"):
        elicitation_params("m", int)
    with pytest.raises(TypeError, match="dataclass, TypedDict or pydantic"):
        elicitation_params("m", Defaults())
    with pytest.raises(TypeError, match="message"):
        elicitation_params(3, Defaults)  # type: ignore[call-overload]


def test_unresolvable_annotation_is_named() -> None:
    @dataclass
    class Local:
        x: "NoSuchType"  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(TypeError, match="cannot resolve the annotation of field 'x'"):
        elicitation_params("m", Local)


def test_schema_is_cached_but_params_are_fresh() -> None:
    a, _ = elicitation_params("m", Profile)
    b, _ = elicitation_params("m", Profile)
    assert a == b
    a["requestedSchema"]["properties"]["username"]["description"] = "changed"
    assert b["requestedSchema"]["properties"]["username"]["description"] == "Your user name"
    assert requested(Profile)["properties"]["username"]["description"] == "Your user name"


# --- elicitation: decoding ----------------------------------------------------------------------------


def test_decode_actions() -> None:
    _, decoder = elicitation_params("m", Defaults)
    declined = decode_elicit_result({"action": "decline"}, decoder)
    assert declined.declined and not declined.accepted and not declined.cancelled
    assert declined.data is None and declined.content is None
    cancelled = decode_elicit_result({"action": "cancel", "_meta": {"k": 1}}, decoder)
    assert cancelled.cancelled and cancelled.data is None and cancelled.meta == {"k": 1}
    accepted = decode_elicit_result({"action": "accept", "content": {"name": "Z"}}, decoder)
    assert accepted.data == Defaults(name="Z")
    assert accepted.content == {"name": "Z"}
    assert accepted.to_dict() == {"action": "accept", "content": {"name": "Z"}}


def test_decode_without_decoder_gives_content() -> None:
    result = decode_elicit_result({"action": "accept", "content": {"a": 1}})
    assert result.data == {"a": 1}
    assert decode_elicit_result({"action": "decline"}).data is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"action": "maybe"}, "unknown elicitation action 'maybe'"),
        ({}, "unknown elicitation action None"),
        ({"action": "accept", "content": [1]}, "content must be an object"),
        ("accept", "must be an object"),
    ],
)
def test_decode_rejects_malformed_results(raw: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_elicit_result(raw)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"color": "red", "sizes": []}, "missing the required field 'username'"),
        ({"username": None, "color": "red", "sizes": []}, "missing the required field 'username'"),
        ({"username": 5, "color": "red", "sizes": []}, "'username': expected a string, got int 5"),
        ({"username": "a", "color": "purple", "sizes": []}, "'color': 'purple' is not one of"),
        ({"username": "a", "color": "red", "sizes": "s"}, "'sizes': expected a list"),
        ({"username": "a", "color": "red", "sizes": ["xl"]}, "'sizes': 'xl' is not one of"),
        ({"username": "a", "color": "red", "sizes": [], "level": 1.5}, "'level': expected an integer"),
        ({"username": "a", "color": "red", "sizes": [], "level": True}, "'level': expected an integer"),
        ({"username": "a", "color": "red", "sizes": [], "birthday": "soon"}, "'birthday'"),
    ],
)
def test_decode_names_the_bad_field(content: dict[str, Any], message: str) -> None:
    _, decoder = elicitation_params("m", Profile)
    with pytest.raises(ValueError, match=message):
        decode_elicit_result({"action": "accept", "content": content}, decoder)


def test_decode_checks_types_of_raw_schemas() -> None:
    _, decoder = elicitation_params("m", SEP1034_SCHEMA)
    with pytest.raises(ValueError, match="'verified': expected a boolean"):
        decoder({"verified": "yes"})
    with pytest.raises(ValueError, match="'score': expected a number"):
        decoder({"score": "1"})
    assert decoder({"age": 3.0, "extra": "kept"}) == {"age": 3, "extra": "kept"}
    _, strict = elicitation_params("m", {**SEP1034_SCHEMA, "required": ["name"]})
    with pytest.raises(ValueError, match="required field 'name'"):
        strict({})


# --- elicitation: URL mode ----------------------------------------------------------------------------


def test_url_mode_params() -> None:
    params, decoder = elicitation_params(
        "Sign in", mode="url", url="https://auth.example.com/x", elicitation_id="e1"
    )
    assert params == {
        "mode": "url",
        "message": "Sign in",
        "url": "https://auth.example.com/x",
        "elicitationId": "e1",
    }
    result = decode_elicit_result({"action": "accept"}, decoder)
    assert result.accepted and result.data is None


def test_url_mode_fresh_ids() -> None:
    a, _ = elicitation_params("m", mode="url", url="https://a.example/")
    b, _ = elicitation_params("m", mode="url", url="https://a.example/")
    assert isinstance(a["elicitationId"], str) and len(a["elicitationId"]) >= 16
    assert a["elicitationId"] != b["elicitationId"]


def test_mode_argument_mistakes() -> None:
    with pytest.raises(ValueError, match="absolute url"):
        elicitation_params("m", mode="url")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="absolute url"):
        elicitation_params("m", mode="url", url="/relative")
    with pytest.raises(ValueError, match="no schema"):
        elicitation_params("m", Defaults, mode="url", url="https://a.example/")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="only for mode='url'"):
        elicitation_params("m", url="https://a.example/")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="only for mode='url'"):
        elicitation_params("m", elicitation_id="x")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="'form' or 'url'"):
        elicitation_params("m", mode="popup")  # type: ignore[call-overload]


# --- elicitation: pydantic -----------------------------------------------------------------------------


@needs_pydantic
def test_pydantic_schema() -> None:
    schema = requested(ProfileModel)
    props = schema["properties"]
    assert schema["type"] == "object" and set(schema) == {"type", "properties", "required"}
    assert schema["required"] == ["username", "color"]  # Optional `nickname` is not required
    assert props["username"] == {"type": "string", "description": "Your user name", "title": "User"}
    assert props["color"]["type"] == "string" and props["color"]["enum"] == ["red", "green", "blue"]
    assert props["colors"]["type"] == "array" and props["colors"]["items"]["enum"] == ["red", "green", "blue"]
    assert props["colors"]["default"] == []
    assert props["nickname"]["type"] == "string" and "anyOf" not in props["nickname"]
    assert props["site"]["format"] == "uri" and "default" not in props["site"]
    assert (
        props["age"]["type"] == "integer" and props["age"]["default"] == 18 and props["age"]["minimum"] == 0
    )
    assert props["choice"]["oneOf"][0] == {"const": "option1", "title": "First Option"}
    assert "enum" not in props["choice"]


@needs_pydantic
def test_pydantic_decode() -> None:
    data = accept(ProfileModel, {"username": "u", "color": "green", "colors": ["red"], "age": 40})
    assert isinstance(data, ProfileModel)
    assert (
        data.color is Color.GREEN and data.colors == [Color.RED] and data.nickname is None and data.age == 40
    )
    with pytest.raises(ValueError, match="'age'"):
        accept(ProfileModel, {"username": "u", "color": "green", "age": -1})  # pydantic's own constraint
    with pytest.raises(ValueError, match="required field 'color'"):
        accept(ProfileModel, {"username": "u"})


@needs_pydantic
def test_pydantic_sep1034() -> None:
    assert accept(DefaultsModel, {"age": 5}) == DefaultsModel(age=5)


@needs_pydantic
@pytest.mark.parametrize(
    ("model", "field_name"), [("NestedModel", "inner"), ("DictModel", "data"), ("ListModel", "xs")]
)
def test_pydantic_rejects_non_flat(model: str, field_name: str) -> None:
    with pytest.raises(TypeError, match=f"field {field_name!r}.*flat primitive fields"):
        elicitation_params("m", globals()[model])


@needs_pydantic
def test_pydantic_dataclass() -> None:
    assert requested(PydanticDC)["required"] == ["count"]
    assert accept(PydanticDC, {"count": 2}) == PydanticDC(count=2)


@needs_pydantic
def test_pydantic_types_inside_dataclasses() -> None:
    @dataclass
    class Site:
        url: pydantic.AnyUrl

    assert requested(Site)["properties"]["url"] == {"type": "string", "format": "uri", "minLength": 1}
    assert str(accept(Site, {"url": "https://example.com/"}).url) == "https://example.com/"


def test_module_does_not_import_pydantic() -> None:
    code = "import sys, oxmcp._client_requests, oxmcp.types; assert 'pydantic' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- ElicitResult ----------------------------------------------------------------------------------------


def test_elicit_result_type() -> None:
    result: ElicitResult[Defaults] = ElicitResult[Defaults](
        action="accept", content={"a": 1}, data=Defaults()
    )
    assert result.data == Defaults() and result.accepted
    assert result.to_dict() == {"action": "accept", "content": {"a": 1}}
    assert "data=Defaults(" in repr(result)
    assert result != ElicitResult(action="accept", content={"a": 1})  # data differs
    plain = ElicitResult.from_dict({"action": "accept", "content": {"a": 1}, "extra": True})
    assert plain.data == {"a": 1} and plain.to_dict() == {
        "action": "accept",
        "content": {"a": 1},
        "extra": True,
    }
    assert eval(repr(ElicitResult(action="decline")), vars(ox_types)) == ElicitResult(action="decline")
    with pytest.raises(ValueError, match="action"):
        ElicitResult(action="nope")
    with pytest.raises(TypeError, match="action"):
        ElicitResult()


# --- sampling ----------------------------------------------------------------------------------------------


def test_sampling_params_from_str() -> None:
    assert sampling_params("Hello", max_tokens=100) == {
        "messages": [{"role": "user", "content": {"type": "text", "text": "Hello"}}],
        "maxTokens": 100,
    }


def test_sampling_params_everything() -> None:
    tool = Tool(
        name="get_weather", input_schema={"type": "object", "properties": {"city": {"type": "string"}}}
    )
    params = sampling_params(
        [
            "What is the weather?",
            SamplingMessage(
                role="assistant",
                content=[TextContent(text="Checking."), ImageContent(data=b"\x00", mime_type="image/png")],
            ),
            {"role": "user", "content": {"type": "audio", "data": "AA==", "mimeType": "audio/wav"}},
            TextContent(text="bare block"),
            {"type": "text", "text": "bare dict block"},
            PromptMessage(role="assistant", content="from a prompt"),
        ],
        max_tokens=50,
        system_prompt="Be brief.",
        temperature=0.2,
        stop_sequences="STOP",
        model_preferences=["claude-3-sonnet", "claude"],
        include_context="none",
        metadata={"trace": 1},
        tools=[tool, {"name": "x", "inputSchema": {"type": "object"}}],
        tool_choice="auto",
    )
    assert params == {
        "messages": [
            {"role": "user", "content": {"type": "text", "text": "What is the weather?"}},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Checking."},
                    {"type": "image", "data": "AA==", "mimeType": "image/png"},
                ],
            },
            {"role": "user", "content": {"type": "audio", "data": "AA==", "mimeType": "audio/wav"}},
            {"role": "user", "content": {"type": "text", "text": "bare block"}},
            {"role": "user", "content": {"type": "text", "text": "bare dict block"}},
            {"role": "assistant", "content": {"type": "text", "text": "from a prompt"}},
        ],
        "maxTokens": 50,
        "systemPrompt": "Be brief.",
        "temperature": 0.2,
        "stopSequences": ["STOP"],
        "modelPreferences": {"hints": [{"name": "claude-3-sonnet"}, {"name": "claude"}]},
        "includeContext": "none",
        "metadata": {"trace": 1},
        "tools": [
            {
                "name": "get_weather",
                "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
            {"name": "x", "inputSchema": {"type": "object"}},
        ],
        "toolChoice": {"mode": "auto"},
    }


@pytest.mark.parametrize(
    ("prefs", "wire"),
    [
        ("claude", {"hints": [{"name": "claude"}]}),
        (
            ModelPreferences(hints=[ModelHint(name="a")], speed_priority=1),
            {"hints": [{"name": "a"}], "speedPriority": 1},
        ),
        (
            {"costPriority": 0.5, "intelligencePriority": 0.9},
            {"costPriority": 0.5, "intelligencePriority": 0.9},
        ),
        ({"hints": ["a", {"name": "b"}]}, {"hints": [{"name": "a"}, {"name": "b"}]}),
    ],
)
def test_sampling_model_preferences(prefs: Any, wire: dict[str, Any]) -> None:
    assert sampling_params("x", max_tokens=1, model_preferences=prefs)["modelPreferences"] == wire


def test_sampling_tool_loop() -> None:
    use = {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {"city": "Paris"}}
    answer = {"type": "tool_result", "toolUseId": "t1", "content": [TextContent(text="18C")]}
    params = sampling_params(
        ["Weather?", {"role": "assistant", "content": [use]}, {"role": "user", "content": [answer]}],
        max_tokens=10,
        tools=[{"name": "get_weather", "inputSchema": {"type": "object"}}],
        tool_choice={"mode": "required"},
    )
    assert params["messages"][1]["content"] == [use]
    assert params["messages"][2]["content"] == [
        {"type": "tool_result", "toolUseId": "t1", "content": [{"type": "text", "text": "18C"}]}
    ]
    assert params["toolChoice"] == {"mode": "required"}
    with pytest.raises(ValueError, match="mixes tool_result"):
        sampling_params(
            [{"role": "assistant", "content": use}, {"role": "user", "content": [answer, "and text"]}],
            max_tokens=1,
        )
    with pytest.raises(ValueError, match="no tool_use precedes"):
        sampling_params([{"role": "user", "content": answer}], max_tokens=1)
    with pytest.raises(ValueError, match="do not match"):
        sampling_params(
            [
                {"role": "assistant", "content": use},
                {"role": "user", "content": {**answer, "toolUseId": "t2"}},
            ],
            max_tokens=1,
        )
    with pytest.raises(ValueError, match="must answer the previous tool_use"):
        sampling_params([{"role": "assistant", "content": use}, "hello"], max_tokens=1)
    # an unanswered tool_use at the end is allowed (the client's model continues from it)
    assert len(sampling_params(["q", {"role": "assistant", "content": use}], max_tokens=1)["messages"]) == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"messages": [], "max_tokens": 1}, ValueError, "at least one message"),
        ({"messages": "x", "max_tokens": 0}, ValueError, "max_tokens"),
        ({"messages": "x", "max_tokens": True}, ValueError, "max_tokens"),
        ({"messages": "x", "max_tokens": 1, "include_context": "everything"}, ValueError, "include_context"),
        ({"messages": "x", "max_tokens": 1, "tool_choice": "sometimes"}, ValueError, "tool_choice"),
        ({"messages": "x", "max_tokens": 1, "temperature": "hot"}, TypeError, "temperature"),
        ({"messages": "x", "max_tokens": 1, "system_prompt": 1}, TypeError, "system_prompt"),
        ({"messages": "x", "max_tokens": 1, "stop_sequences": [1]}, TypeError, "stop_sequences"),
        ({"messages": "x", "max_tokens": 1, "model_preferences": 3}, TypeError, "model_preferences"),
        (
            {"messages": "x", "max_tokens": 1, "model_preferences": {"costPriority": 2}},
            ValueError,
            "costPriority",
        ),
        ({"messages": "x", "max_tokens": 1, "tools": [{"name": "no schema"}]}, TypeError, "inputSchema"),
        ({"messages": [{"role": "system", "content": "x"}], "max_tokens": 1}, ValueError, "role"),
        ({"messages": [3], "max_tokens": 1}, TypeError, "sampling message"),
        (
            {"messages": [ResourceLink(uri="a://b", name="n")], "max_tokens": 1},
            ValueError,
            "not allowed in a sampling message",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": {"type": "resource", "resource": {"uri": "a://b", "text": "x"}},
                    }
                ],
                "max_tokens": 1,
            },
            ValueError,
            "not allowed in a sampling message",
        ),
        (
            {"messages": [{"role": "user", "content": {"type": "tool_use", "id": "1"}}], "max_tokens": 1},
            ValueError,
            "'name'",
        ),
    ],
)
def test_sampling_params_errors(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    messages = kwargs.pop("messages")
    with pytest.raises(error, match=message):
        sampling_params(messages, **kwargs)


def test_decode_sampling_result_text() -> None:
    result = decode_sampling_result(
        {
            "role": "assistant",
            "content": {"type": "text", "text": "Paris"},
            "model": "claude-x",
            "stopReason": "endTurn",
        }
    )
    assert isinstance(result, CreateMessageResult)
    assert result.text == "Paris" and result.model == "claude-x" and result.stop_reason == "endTurn"
    assert result.stopReason == "endTurn" and result.tool_uses == []
    assert result.content_list == [TextContent(text="Paris")]
    assert result.to_dict()["content"] == {"type": "text", "text": "Paris"}


def test_decode_sampling_result_lists_and_tools() -> None:
    several = decode_sampling_result(
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            "model": "m",
        }
    )
    assert several.text == "ab"
    use = {"type": "tool_use", "id": "1", "name": "f", "input": {}}
    with_tool = decode_sampling_result(
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "calling"}, use],
            "model": "m",
            "stopReason": "toolUse",
        }
    )
    assert with_tool.text is None and with_tool.tool_uses == [use]
    image = decode_sampling_result(
        {
            "role": "assistant",
            "content": {"type": "image", "data": "AA==", "mimeType": "image/png"},
            "model": "m",
        }
    )
    assert image.text is None and isinstance(image.content, ImageContent)
    # unknown keys and block types from newer revisions survive
    newer = decode_sampling_result(
        {"role": "assistant", "content": {"type": "thinking", "x": 1}, "model": "m", "new": 1}
    )
    assert newer.content == {"type": "thinking", "x": 1} and newer.to_dict()["new"] == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"role": "assistant", "content": {"type": "text", "text": "x"}}, "model"),
        ({"role": "assistant", "model": "m"}, "content"),
        ({"role": "robot", "content": "x", "model": "m"}, "role"),
        (
            {
                "role": "assistant",
                "content": {"type": "resource_link", "uri": "a://", "name": "n"},
                "model": "m",
            },
            "not allowed",
        ),
        ([], "must be an object"),
    ],
)
def test_decode_sampling_result_errors(raw: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_sampling_result(raw)


# --- roots -------------------------------------------------------------------------------------------------


def test_roots() -> None:
    assert roots_params() == {}
    roots = decode_roots({"roots": [{"uri": "file:///home/a", "name": "Home"}, {"uri": "file:///tmp"}]})
    assert roots == [Root(uri="file:///home/a", name="Home"), Root(uri="file:///tmp")]
    assert roots[1].name is None
    assert decode_roots({"roots": []}) == []
    with pytest.raises(ValueError, match="'roots' list"):
        decode_roots({})
    with pytest.raises(ValueError, match="root 1.*uri"):
        decode_roots({"roots": [{"uri": "file:///"}, {"name": "x"}]})
    with pytest.raises(ValueError, match="root 0 must be an object"):
        decode_roots({"roots": ["file:///"]})


# --- capabilities ------------------------------------------------------------------------------------------

FORM = elicitation_params("m")[0]
URL = elicitation_params("m", mode="url", url="https://a.example/")[0]
SAMPLE = sampling_params("x", max_tokens=1)
SAMPLE_TOOLS = sampling_params("x", max_tokens=1, tools=[{"name": "t", "inputSchema": {"type": "object"}}])
SAMPLE_CHOICE = sampling_params("x", max_tokens=1, tool_choice="none")
SAMPLE_CONTEXT = sampling_params("x", max_tokens=1, include_context="thisServer")


def test_required_capability() -> None:
    assert required_capability(ELICITATION_CREATE, FORM) == {"elicitation": {}}
    assert required_capability(ELICITATION_CREATE, URL) == {"elicitation": {"url": {}}}
    assert required_capability(SAMPLING_CREATE_MESSAGE, SAMPLE) == {"sampling": {}}
    assert required_capability(SAMPLING_CREATE_MESSAGE, SAMPLE_TOOLS) == {"sampling": {"tools": {}}}
    assert required_capability(SAMPLING_CREATE_MESSAGE, SAMPLE_CHOICE) == {"sampling": {"tools": {}}}
    assert required_capability(SAMPLING_CREATE_MESSAGE, SAMPLE_CONTEXT) == {"sampling": {"context": {}}}
    assert required_capability(ROOTS_LIST, roots_params()) == {"roots": {}}
    assert required_capability("ping", {}) == {}


@pytest.mark.parametrize(
    ("caps", "method", "params", "ok"),
    [
        ({}, ELICITATION_CREATE, FORM, False),
        (None, ELICITATION_CREATE, FORM, False),
        ({"elicitation": {}}, ELICITATION_CREATE, FORM, True),
        ({"elicitation": {}}, ELICITATION_CREATE, URL, False),  # empty = form only
        ({"elicitation": {"form": {}}}, ELICITATION_CREATE, FORM, True),
        ({"elicitation": {"form": {}}}, ELICITATION_CREATE, URL, False),
        ({"elicitation": {"url": {}}}, ELICITATION_CREATE, URL, True),
        ({"elicitation": {"url": {}}}, ELICITATION_CREATE, FORM, False),
        ({"elicitation": {"form": {}, "url": {}}}, ELICITATION_CREATE, FORM, True),
        ({"elicitation": {"form": {}, "url": {}}}, ELICITATION_CREATE, URL, True),
        ({"elicitation": None}, ELICITATION_CREATE, FORM, False),
        ({"sampling": {}}, SAMPLING_CREATE_MESSAGE, SAMPLE, True),
        ({"roots": {}}, SAMPLING_CREATE_MESSAGE, SAMPLE, False),
        ({"sampling": {}}, SAMPLING_CREATE_MESSAGE, SAMPLE_TOOLS, False),
        ({"sampling": {"tools": {}}}, SAMPLING_CREATE_MESSAGE, SAMPLE_TOOLS, True),
        ({"sampling": {}}, SAMPLING_CREATE_MESSAGE, SAMPLE_CHOICE, False),
        ({"sampling": {"tools": {}}}, SAMPLING_CREATE_MESSAGE, SAMPLE_CHOICE, True),
        ({"sampling": {}}, SAMPLING_CREATE_MESSAGE, SAMPLE_CONTEXT, False),
        ({"sampling": {"context": {}}}, SAMPLING_CREATE_MESSAGE, SAMPLE_CONTEXT, True),
        ({"roots": {"listChanged": True}}, ROOTS_LIST, {}, True),
        ({"sampling": {}}, ROOTS_LIST, {}, False),
        ({}, "ping", {}, True),
    ],
)
def test_client_supports(caps: Any, method: str, params: dict[str, Any], ok: bool) -> None:
    assert client_supports(caps, method, params) is ok


# --- the new protocol types ------------------------------------------------------------------------------

ROUND_TRIPS: list[tuple[type[Any], dict[str, Any]]] = [
    (SamplingMessage, {"role": "user", "content": {"type": "text", "text": "x"}}),
    (
        SamplingMessage,
        {"role": "assistant", "content": [{"type": "audio", "data": "AA==", "mimeType": "audio/wav"}]},
    ),
    (
        SamplingMessage,
        {"role": "assistant", "content": {"type": "tool_use", "id": "1", "name": "f", "input": {"a": 1}}},
    ),
    (ModelHint, {"name": "claude"}),
    (
        ModelPreferences,
        {"hints": [{"name": "a"}], "costPriority": 0, "speedPriority": 0.5, "intelligencePriority": 1},
    ),
    (
        CreateMessageResult,
        {
            "role": "assistant",
            "content": {"type": "text", "text": "x"},
            "model": "m",
            "stopReason": "endTurn",
        },
    ),
    (Root, {"uri": "file:///x", "name": "X"}),
    (ElicitResult, {"action": "accept", "content": {"a": 1}}),
    (ElicitResult, {"action": "cancel"}),
    (Completion, {"values": ["a", "b"], "total": 10, "hasMore": True}),
]


@pytest.mark.parametrize(("cls", "wire"), ROUND_TRIPS)
def test_round_trip(cls: type[Any], wire: dict[str, Any]) -> None:
    obj = cls.from_dict(wire)
    assert obj.to_dict() == wire
    assert cls(**wire) == obj
    assert eval(repr(obj), vars(ox_types)) == obj
    assert cls.__doc__ and cls.__doc__.strip()


def test_new_types_exported() -> None:
    for name in (
        "SamplingMessage",
        "SamplingContent",
        "ModelHint",
        "ModelPreferences",
        "CreateMessageResult",
        "Root",
        "ElicitResult",
        "ElicitAction",
        "LoggingLevel",
        "LOGGING_LEVELS",
        "Completion",
    ):
        assert name in ox_types.__all__
        assert hasattr(ox_types, name)


def test_logging_levels() -> None:
    assert typing.get_args(LoggingLevel) == LOGGING_LEVELS
    assert LOGGING_LEVELS == ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")


def test_completion() -> None:
    assert Completion(values=["a"]).to_dict() == {"values": ["a"]}
    assert Completion(values=[], total=0, has_more=False).to_dict() == {
        "values": [],
        "total": 0,
        "hasMore": False,
    }
    assert Completion(values=[]).hasMore is None
    with pytest.raises(TypeError, match="values"):
        Completion()


def test_sampling_message_conversions() -> None:
    m = SamplingMessage(
        role="user", content=["a", {"type": "image", "data": b"\x01", "mime_type": "image/png"}]
    )
    assert m.content == [TextContent(text="a"), ImageContent(data="AQ==", mime_type="image/png")]
    assert m.text is None
    assert SamplingMessage(role="user", content=("a", "b")).text == "ab"
    assert isinstance(
        SamplingMessage(role="user", content=AudioContent(data="AA==", mimeType="audio/wav")).content,
        AudioContent,
    )
    with pytest.raises(ValueError, match="role"):
        SamplingMessage(role="system", content="x")
    with pytest.raises(ValueError, match="not allowed"):
        SamplingMessage(role="user", content=EmbeddedResource(resource={"uri": "a://b", "text": "x"}))
    with pytest.raises(ValueError, match="needs a 'type'"):
        SamplingMessage(role="user", content={"data": "x"})
    with pytest.raises(TypeError, match="content"):
        SamplingMessage(role="user")


@pytest.mark.parametrize("value", [-0.1, 1.5, "0.5", True])
def test_model_preferences_priorities(value: Any) -> None:
    with pytest.raises(ValueError, match="speedPriority"):
        ModelPreferences(speed_priority=value)


def test_dataclass_fields_unchanged() -> None:
    # decoding builds instances through the constructor: __post_init__ runs, init=False fields keep defaults
    @dataclass
    class Checked:
        n: int

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError("n must be >= 0")

    with pytest.raises(ValueError, match="n must be >= 0"):
        accept(Checked, {"n": -1})
    assert dataclasses.asdict(accept(Checked, {"n": 2})) == {"n": 2}


# --- interop: the official SDK's wire models accept what we build ----------------------------------------


@needs_pydantic
def test_params_validate_against_the_sdk_models() -> None:
    wire = pytest.importorskip("mcp_types._v2025_11_25")
    primitive = pydantic.TypeAdapter(wire.PrimitiveSchemaDefinition)
    schemas: list[Any] = [Defaults, Enums, Profile, ProfileTD, WithExtras, SEP1330_SCHEMA, None]
    schemas += [ProfileModel, DefaultsModel]
    for schema in schemas:
        params, _ = elicitation_params("m", schema)
        wire.ElicitRequestFormParams.model_validate(params)
        for prop in params["requestedSchema"]["properties"].values():
            primitive.validate_python(prop)
    url, _ = elicitation_params("m", mode="url", url="https://a.example/")
    wire.ElicitRequestURLParams.model_validate(url)
    use = {"type": "tool_use", "id": "t1", "name": "f", "input": {}}
    answer = {"type": "tool_result", "toolUseId": "t1", "content": [TextContent(text="ok")]}
    params = sampling_params(
        ["q", {"role": "assistant", "content": [use]}, {"role": "user", "content": [answer]}],
        max_tokens=10,
        system_prompt="s",
        temperature=0.5,
        stop_sequences=["x"],
        model_preferences=ModelPreferences(hints=["claude"], cost_priority=0.2),
        include_context="none",
        metadata={"a": 1},
        tools=[Tool(name="f", input_schema={"type": "object"})],
        tool_choice="auto",
    )
    wire.CreateMessageRequestParams.model_validate(params)
