"""oxmcp._results: the slow path turning return values into protocol JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import pathlib
import uuid
from typing import Any

import pytest
from oxmcp._results import json_text, prompt_result, resource_contents, to_jsonable, tool_result
from oxmcp.types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    GetPromptResult,
    ImageContent,
    PromptMessage,
    ResourceLink,
    TextContent,
    TextResourceContents,
)


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 2


@dataclasses.dataclass
class Point:
    x: int
    y: int
    when: dt.date | None = None


def text(t: str) -> dict[str, Any]:
    return {"type": "text", "text": t}


# --- JSON helpers -----------------------------------------------------------------------------------


def test_json_text_is_compact_and_unicode() -> None:
    assert json_text({"a": [1, "é"]}) == '{"a":[1,"é"]}'


def test_json_default_handles_special_types() -> None:
    value = {
        "when": dt.datetime(2024, 1, 2, 3, 4, 5),
        "day": dt.date(2024, 1, 2),
        "at": dt.time(1, 2),
        "uid": uuid.UUID(int=1),
        "amount": decimal.Decimal("1.5"),
        "path": pathlib.PurePosixPath("/a/b"),
        "color": Color.RED,
        "point": Point(1, 2),
        "raw": b"\x00\x01",
        "tags": {"x"},
        "block": TextContent(text="t"),
        "span": dt.timedelta(seconds=90),
    }
    expected = {
        "when": "2024-01-02T03:04:05",
        "day": "2024-01-02",
        "at": "01:02:00",
        "uid": "00000000-0000-0000-0000-000000000001",
        "amount": 1.5,
        "path": "/a/b",
        "color": "red",
        "point": {"x": 1, "y": 2, "when": None},
        "raw": "AAE=",
        "tags": ["x"],
        "block": {"type": "text", "text": "t"},
        "span": 90.0,
    }
    assert json.loads(json_text(value)) == expected
    assert to_jsonable(value) == expected


def test_to_jsonable_keys_and_nesting() -> None:
    assert to_jsonable({1: "a", Color.RED: (1, 2), None: [Level.HIGH], 2.5: {}}) == {
        "1": "a",
        "red": [1, 2],
        "null": [2],
        "2.5": {},
    }
    assert to_jsonable({True: 1}) == {"true": 1}
    assert to_jsonable({dt.date(2024, 1, 1): 1}) == {"2024-01-01": 1}


def test_to_jsonable_pydantic() -> None:
    pydantic = pytest.importorskip("pydantic")

    class M(pydantic.BaseModel):
        a: int
        when: dt.date

    assert to_jsonable([M(a=1, when=dt.date(2024, 1, 1))]) == [{"a": 1, "when": "2024-01-01"}]


# --- tool_result ------------------------------------------------------------------------------------


def test_call_tool_result_object_passes_through() -> None:
    r = CallToolResult(content=[TextContent(text="x")], structuredContent={"a": 1}, isError=True)
    assert tool_result(r, False) == r.to_dict()
    assert tool_result(r, True) == r.to_dict()


def test_call_tool_result_shaped_dict_is_data() -> None:
    shaped = {"content": [{"type": "text", "text": "x"}], "isError": True}
    out = tool_result(shaped, False)
    assert out["structuredContent"] == shaped
    assert out["content"] == [text(json_text(shaped))]


@pytest.mark.parametrize(
    "block",
    [
        TextContent(text="hi"),
        ImageContent(data="AA==", mimeType="image/png"),
        AudioContent(data="AA==", mimeType="audio/wav"),
        ResourceLink(uri="file:///a", name="a"),
        EmbeddedResource(resource={"uri": "a://b", "text": "x"}),
    ],
)
def test_single_content_block(block: Any) -> None:
    assert tool_result(block, False) == {"content": [block.to_dict()]}


def test_list_and_tuple_of_content_blocks() -> None:
    blocks = [TextContent(text="a"), ImageContent(data="AA==", mimeType="image/png")]
    expected = {"content": [b.to_dict() for b in blocks]}
    assert tool_result(blocks, False) == expected
    assert tool_result(tuple(blocks), False) == expected


def test_mixed_list_keeps_blocks_and_renders_the_rest_as_text() -> None:
    out = tool_result([TextContent(text="a"), "b", {"c": 1}, Point(1, 2)], False)
    assert out == {
        "content": [text("a"), text("b"), text('{"c":1}'), text('{"x":1,"y":2,"when":null}')],
    }


def test_mixed_list_with_wrapped_result_keeps_structured_content() -> None:
    out = tool_result([TextContent(text="a"), 1], True)
    assert out["content"] == [text("a"), text("1")]
    assert out["structuredContent"] == {"result": [{"type": "text", "text": "a"}, 1]}


def test_official_sdk_content_model_is_content() -> None:
    mcp_types = pytest.importorskip("mcp.types")
    block = mcp_types.TextContent(type="text", text="sdk")
    assert tool_result(block, False) == {"content": [text("sdk")]}


def test_image_helper_objects_are_content() -> None:
    class Image:
        def to_image_content(self) -> ImageContent:
            return ImageContent(data="AA==", mimeType="image/png")

    assert tool_result(Image(), False) == {
        "content": [{"type": "image", "data": "AA==", "mimeType": "image/png"}]
    }


def test_dict_is_structured() -> None:
    assert tool_result({"status": "ok", "n": 1}, False) == {
        "content": [text('{"status":"ok","n":1}')],
        "structuredContent": {"status": "ok", "n": 1},
    }


def test_dataclass_is_structured() -> None:
    p = Point(1, 2, dt.date(2024, 1, 2))
    assert tool_result(p, False) == {
        "content": [text('{"x":1,"y":2,"when":"2024-01-02"}')],
        "structuredContent": {"x": 1, "y": 2, "when": "2024-01-02"},
    }


def test_pydantic_model_is_structured() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Out(pydantic.BaseModel):
        total: int
        label: str = "é"

    assert tool_result(Out(total=3), False) == {
        "content": [text('{"total":3,"label":"é"}')],
        "structuredContent": {"total": 3, "label": "é"},
    }


def test_wraps_result() -> None:
    assert tool_result(5, True) == {"content": [text("5")], "structuredContent": {"result": 5}}
    assert tool_result("hi", True) == {"content": [text("hi")], "structuredContent": {"result": "hi"}}
    assert tool_result(None, True) == {"content": [], "structuredContent": {"result": None}}
    assert tool_result({"a": 1}, True) == {
        "content": [text('{"a":1}')],
        "structuredContent": {"result": {"a": 1}},
    }
    assert tool_result(Point(1, 2), True)["structuredContent"] == {"result": {"x": 1, "y": 2, "when": None}}


def test_enum_becomes_its_value() -> None:
    assert tool_result(Color.RED, False) == {"content": [text("red")]}
    assert tool_result(Level.HIGH, False) == {"content": [text("2")]}
    assert tool_result(Color.RED, True) == {"content": [text("red")], "structuredContent": {"result": "red"}}


def test_tuple_and_set_become_lists() -> None:
    assert tool_result((1, "a"), True) == {
        "content": [text('[1,"a"]')],
        "structuredContent": {"result": [1, "a"]},
    }
    assert tool_result({3}, True) == {"content": [text("[3]")], "structuredContent": {"result": [3]}}
    assert tool_result(frozenset({Color.RED}), False) == {"content": [text('["red"]')]}


def test_datetime_becomes_isoformat() -> None:
    when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert tool_result(when, False) == {"content": [text("2024-01-02T03:04:05+00:00")]}
    assert tool_result(when, True)["structuredContent"] == {"result": "2024-01-02T03:04:05+00:00"}


def test_scalars_and_none() -> None:
    assert tool_result("plain", False) == {"content": [text("plain")]}
    assert tool_result(None, False) == {"content": []}
    assert tool_result(True, False) == {"content": [text("true")]}
    assert tool_result(1.5, False) == {"content": [text("1.5")]}
    assert tool_result([1, 2], False) == {"content": [text("[1,2]")]}
    assert tool_result([], False) == {"content": [text("[]")]}
    assert tool_result(decimal.Decimal("2.5"), False) == {"content": [text("2.5")]}
    assert tool_result(uuid.UUID(int=0), False) == {"content": [text("00000000-0000-0000-0000-000000000000")]}
    assert tool_result(b"\x00", False) == {"content": [text("AA==")]}


def test_anything_else_is_an_error_naming_its_type_not_its_str() -> None:
    class Thing:
        def __str__(self) -> str:
            return "a thing"

    with pytest.raises(TypeError, match=r"^result: cannot convert value of type '.*Thing' to JSON$"):
        tool_result(Thing(), False)
    with pytest.raises(TypeError, match=r"^result\.x\[1\]: cannot convert value of type"):
        to_jsonable({"x": [1, Thing()]})


# --- resource_contents ------------------------------------------------------------------------------

URI = "res://x"


def test_resource_str() -> None:
    assert resource_contents("hello", URI, None) == [{"uri": URI, "mimeType": "text/plain", "text": "hello"}]
    assert resource_contents("# h", URI, "text/markdown") == [
        {"uri": URI, "mimeType": "text/markdown", "text": "# h"}
    ]


def test_resource_bytes() -> None:
    assert resource_contents(b"\x00\x01", URI, None) == [
        {"uri": URI, "mimeType": "application/octet-stream", "blob": "AAE="}
    ]
    assert resource_contents(bytearray(b"\x00"), URI, "image/png") == [
        {"uri": URI, "mimeType": "image/png", "blob": "AA=="}
    ]


def test_resource_text_content_seed() -> None:
    config = {"app_name": "My Application", "features": ["auth"]}
    value = TextContent(type="text", text=json.dumps(config, indent=2))
    assert resource_contents(value, "config://app", None) == [
        {"uri": "config://app", "mimeType": "text/plain", "text": json.dumps(config, indent=2)}
    ]
    assert resource_contents(value, "config://app", "application/json")[0]["mimeType"] == "application/json"


def test_resource_image_and_audio_content() -> None:
    assert resource_contents(ImageContent(data="AA==", mimeType="image/png"), URI, None) == [
        {"uri": URI, "mimeType": "image/png", "blob": "AA=="}
    ]
    assert resource_contents(AudioContent(data="AA==", mimeType="audio/wav"), URI, None) == [
        {"uri": URI, "mimeType": "audio/wav", "blob": "AA=="}
    ]


def test_resource_dict_and_list_are_json() -> None:
    out = resource_contents({"a": 1, "b": "é"}, URI, None)
    assert out[0]["mimeType"] == "application/json"
    assert json.loads(out[0]["text"]) == {"a": 1, "b": "é"}
    assert "é" in out[0]["text"]
    out = resource_contents([1, 2], URI, "application/vnd.x+json")
    assert out == [{"uri": URI, "mimeType": "application/vnd.x+json", "text": json.dumps([1, 2], indent=2)}]
    out = resource_contents(Point(1, 2), URI, None)
    assert json.loads(out[0]["text"]) == {"x": 1, "y": 2, "when": None}
    assert out[0]["mimeType"] == "application/json"


def test_resource_contents_objects_fill_uri() -> None:
    text_obj = TextResourceContents(text="t", mimeType="text/csv")
    assert resource_contents(text_obj, URI, None) == [{"uri": URI, "mimeType": "text/csv", "text": "t"}]
    blob_obj = BlobResourceContents(blob=b"\x00")
    assert resource_contents(blob_obj, URI, None) == [{"uri": URI, "blob": "AA=="}]
    own_uri = TextResourceContents(uri="res://other", text="t")
    assert resource_contents(own_uri, URI, None) == [{"uri": "res://other", "text": "t"}]


def test_resource_embedded_resource() -> None:
    emb = EmbeddedResource(resource={"text": "x", "mimeType": "text/plain"})
    assert resource_contents(emb, URI, None) == [{"uri": URI, "mimeType": "text/plain", "text": "x"}]


def test_resource_list_of_items_is_concatenated() -> None:
    value = [
        TextResourceContents(uri="res://x/1", text="one"),
        BlobResourceContents(uri="res://x/2", blob="AA=="),
        TextContent(text="three"),
        "four",
        b"\x01",
    ]
    assert resource_contents(value, URI, None) == [
        {"uri": "res://x/1", "text": "one"},
        {"uri": "res://x/2", "blob": "AA=="},
        {"uri": URI, "mimeType": "text/plain", "text": "three"},
        {"uri": URI, "mimeType": "text/plain", "text": "four"},
        {"uri": URI, "mimeType": "application/octet-stream", "blob": "AQ=="},
    ]


def test_resource_list_of_plain_strings_is_json() -> None:
    assert resource_contents(["a", "b"], URI, None)[0]["text"] == json.dumps(["a", "b"], indent=2)


def test_resource_other_values() -> None:
    assert resource_contents(42, URI, None) == [{"uri": URI, "mimeType": "text/plain", "text": "42"}]
    assert resource_contents(Color.RED, URI, None) == [{"uri": URI, "mimeType": "text/plain", "text": "red"}]
    assert resource_contents(dt.date(2024, 1, 2), URI, None)[0]["text"] == "2024-01-02"


def test_resource_link_and_sdk_content() -> None:
    link = ResourceLink(uri="file:///a", name="a")
    out = resource_contents(link, URI, None)
    assert out[0]["mimeType"] == "application/json"
    assert json.loads(out[0]["text"]) == link.to_dict()
    mcp_types = pytest.importorskip("mcp.types")
    sdk = mcp_types.TextContent(type="text", text="sdk")
    assert resource_contents(sdk, URI, None) == [{"uri": URI, "mimeType": "text/plain", "text": "sdk"}]
    img = mcp_types.ImageContent(type="image", data="AA==", mime_type="image/png")
    assert resource_contents(img, URI, None) == [{"uri": URI, "mimeType": "image/png", "blob": "AA=="}]


# --- prompt_result ----------------------------------------------------------------------------------


def user(t: str) -> dict[str, Any]:
    return {"role": "user", "content": text(t)}


def test_prompt_str() -> None:
    assert prompt_result("Review this", "desc") == {"description": "desc", "messages": [user("Review this")]}
    assert prompt_result("x", None) == {"messages": [user("x")]}


def test_prompt_message_seed() -> None:
    msg = PromptMessage(role="user", content="Please review the following python code")
    assert prompt_result(msg, "Generate a code review prompt.") == {
        "description": "Generate a code review prompt.",
        "messages": [user("Please review the following python code")],
    }


def test_prompt_dict_with_role_and_content() -> None:
    assert prompt_result({"role": "assistant", "content": text("ok")}, None) == {
        "messages": [{"role": "assistant", "content": text("ok")}]
    }
    # a plain str content becomes a text block
    assert prompt_result({"role": "assistant", "content": "ok"}, None) == {
        "messages": [{"role": "assistant", "content": text("ok")}]
    }


def test_prompt_list_of_messages() -> None:
    value = [
        "first",
        PromptMessage(role="assistant", content="second"),
        {"role": "user", "content": "third"},
        ImageContent(data="AA==", mimeType="image/png"),
    ]
    assert prompt_result(value, None)["messages"] == [
        user("first"),
        {"role": "assistant", "content": text("second")},
        user("third"),
        {"role": "user", "content": {"type": "image", "data": "AA==", "mimeType": "image/png"}},
    ]
    assert prompt_result(tuple(value), None) == prompt_result(value, None)


def test_prompt_get_prompt_result_as_is() -> None:
    r = GetPromptResult(description="own", messages=["hi"])
    assert prompt_result(r, "ignored") == r.to_dict()
    no_desc = GetPromptResult(messages=["hi"])
    assert prompt_result(no_desc, "decorator") == no_desc.to_dict()


def test_prompt_result_shaped_dict() -> None:
    value = {"messages": [{"role": "user", "content": "hi"}]}
    assert prompt_result(value, "d") == {"description": "d", "messages": [user("hi")]}
    assert prompt_result({"description": "own", "messages": []}, "d") == {
        "description": "own",
        "messages": [],
    }


def test_prompt_duck_typed_message_objects() -> None:
    class Message:
        def __init__(self, role: str, content: Any) -> None:
            self.role = role
            self.content = content

    assert prompt_result([Message("assistant", "hello")], None) == {
        "messages": [{"role": "assistant", "content": text("hello")}]
    }
    mcp_types = pytest.importorskip("mcp.types")
    sdk_msg = mcp_types.PromptMessage(role="user", content=mcp_types.TextContent(type="text", text="sdk"))
    assert prompt_result(sdk_msg, None) == {"messages": [user("sdk")]}


def test_prompt_other_values() -> None:
    assert prompt_result(None, None) == {"messages": []}
    assert prompt_result({"a": 1}, None) == {"messages": [user('{"a":1}')]}
    assert prompt_result(42, None) == {"messages": [user("42")]}


def test_prompt_bad_role_is_rejected() -> None:
    with pytest.raises(ValueError, match="role"):
        prompt_result({"role": "system", "content": "x"}, None)
