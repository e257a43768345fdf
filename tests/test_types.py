"""oxmcp.types: wire and snake_case names, conversion of nested values, to_dict/from_dict."""

from __future__ import annotations

import base64
import copy
import pickle
from typing import Any

import pytest
from oxmcp import exceptions
from oxmcp.types import (
    INVALID_PARAMS,
    Annotations,
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    GetPromptResult,
    Icon,
    ImageContent,
    McpError,
    Prompt,
    PromptArgument,
    PromptMessage,
    Resource,
    ResourceLink,
    ResourceTemplate,
    TextContent,
    TextResourceContents,
    Tool,
    ToolAnnotations,
)

# --- the seed's snippets ----------------------------------------------------------------------------


def test_seed_text_content() -> None:
    c = TextContent(type="text", text='{"a": 1}')
    assert c.type == "text"
    assert c.text == '{"a": 1}'
    assert c.to_dict() == {"type": "text", "text": '{"a": 1}'}


def test_seed_resource() -> None:
    r = Resource(
        uri="config://app",
        name="Application Configuration",
        description="Main application configuration",
        mimeType="application/json",
    )
    assert r.mimeType == "application/json"
    assert r.mime_type == "application/json"
    assert r.to_dict() == {
        "uri": "config://app",
        "name": "Application Configuration",
        "description": "Main application configuration",
        "mimeType": "application/json",
    }


def test_seed_prompt_with_dict_arguments() -> None:
    p = Prompt(
        name="code-review",
        description="Generate code review prompts",
        arguments=[
            {"name": "language", "description": "Programming language", "required": False},
            {"name": "style", "description": "Code style guidelines", "required": False},
        ],
    )
    assert p.arguments is not None
    assert all(isinstance(a, PromptArgument) for a in p.arguments)
    assert p.arguments[0].name == "language"
    assert p.arguments[1].required is False
    assert p.to_dict()["arguments"][1] == {
        "name": "style",
        "description": "Code style guidelines",
        "required": False,
    }


def test_seed_prompt_message_with_plain_string() -> None:
    m = PromptMessage(role="user", content="Please review")
    assert isinstance(m.content, TextContent)
    assert m.content.text == "Please review"
    assert m.to_dict() == {"role": "user", "content": {"type": "text", "text": "Please review"}}


def test_seed_mcp_error_reexported() -> None:
    assert McpError is exceptions.McpError
    err = McpError(code=-32600, message="Division by zero is not allowed", data={"a": 1, "b": 0})
    assert err.code == -32600
    assert "Division by zero" in err.message
    assert INVALID_PARAMS == -32602


# --- snake_case / camelCase aliases -----------------------------------------------------------------

ALIASES: list[tuple[type[Any], dict[str, Any], str, str, Any]] = [
    (Resource, {"uri": "a://b", "name": "n"}, "mimeType", "mime_type", "text/plain"),
    (ResourceLink, {"uri": "a://b", "name": "n"}, "mimeType", "mime_type", "text/plain"),
    (ResourceTemplate, {"name": "n"}, "uriTemplate", "uri_template", "a://{x}"),
    (ResourceTemplate, {"name": "n", "uriTemplate": "a://{x}"}, "mimeType", "mime_type", "text/plain"),
    (Tool, {"name": "t"}, "inputSchema", "input_schema", {"type": "object"}),
    (
        Tool,
        {"name": "t", "inputSchema": {"type": "object"}},
        "outputSchema",
        "output_schema",
        {"type": "object"},
    ),
    (ImageContent, {"data": "AA=="}, "mimeType", "mime_type", "image/png"),
    (AudioContent, {"data": "AA=="}, "mimeType", "mime_type", "audio/wav"),
    (TextResourceContents, {"uri": "a://b", "text": "x"}, "mimeType", "mime_type", "text/plain"),
    (BlobResourceContents, {"uri": "a://b", "blob": "AA=="}, "mimeType", "mime_type", "a/b"),
    (Icon, {"src": "https://x/i.png"}, "mimeType", "mime_type", "image/png"),
    (CallToolResult, {"content": []}, "structuredContent", "structured_content", {"a": 1}),
    (CallToolResult, {"content": []}, "isError", "is_error", True),
    (Annotations, {}, "lastModified", "last_modified", "2025-01-01T00:00:00Z"),
    (ToolAnnotations, {}, "readOnlyHint", "read_only_hint", True),
    (ToolAnnotations, {}, "destructiveHint", "destructive_hint", False),
    (ToolAnnotations, {}, "idempotentHint", "idempotent_hint", True),
    (ToolAnnotations, {}, "openWorldHint", "open_world_hint", False),
]


@pytest.mark.parametrize(("cls", "base", "wire", "snake", "value"), ALIASES)
def test_aliases(cls: type[Any], base: dict[str, Any], wire: str, snake: str, value: Any) -> None:
    by_wire = cls(**base, **{wire: value})
    by_snake = cls(**base, **{snake: value})
    assert by_wire == by_snake
    assert getattr(by_wire, wire) == value
    assert getattr(by_wire, snake) == value
    assert by_wire.to_dict()[wire] == value
    assert snake not in by_wire.to_dict() or snake == wire
    # from_dict accepts both spellings too
    assert cls.from_dict({**base, snake: value}) == by_wire


@pytest.mark.parametrize(("cls", "base", "wire", "snake", "value"), ALIASES)
def test_alias_given_twice_is_an_error(
    cls: type[Any], base: dict[str, Any], wire: str, snake: str, value: Any
) -> None:
    with pytest.raises(TypeError, match=wire):
        cls(**base, **{wire: value, snake: value})


def test_alias_attribute_is_settable() -> None:
    r = Resource(uri="a://b", name="n")
    r.mimeType = "text/markdown"
    assert r.mime_type == "text/markdown"
    r.mime_type = "text/html"
    assert r.to_dict()["mimeType"] == "text/html"


@pytest.mark.parametrize("key", ["meta", "_meta"])
def test_meta_field(key: str) -> None:
    c = TextContent(text="x", **{key: {"k": 1}})
    assert c.meta == {"k": 1}
    assert c.to_dict() == {"type": "text", "text": "x", "_meta": {"k": 1}}
    assert TextContent.from_dict({"text": "x", "_meta": {"k": 1}}) == c


# --- content blocks: type literals ------------------------------------------------------------------

CONTENT_BLOCKS: list[tuple[type[Any], dict[str, Any], str]] = [
    (TextContent, {"text": "x"}, "text"),
    (ImageContent, {"data": "AA==", "mimeType": "image/png"}, "image"),
    (AudioContent, {"data": "AA==", "mimeType": "audio/wav"}, "audio"),
    (EmbeddedResource, {"resource": {"uri": "a://b", "text": "x"}}, "resource"),
    (ResourceLink, {"uri": "a://b", "name": "n"}, "resource_link"),
]


@pytest.mark.parametrize(("cls", "kwargs", "literal"), CONTENT_BLOCKS)
def test_content_type_defaults(cls: type[Any], kwargs: dict[str, Any], literal: str) -> None:
    block = cls(**kwargs)
    assert block.type == literal
    assert block.to_dict()["type"] == literal
    assert cls(type=literal, **kwargs) == block


@pytest.mark.parametrize(("cls", "kwargs", "literal"), CONTENT_BLOCKS)
def test_content_wrong_type_is_value_error(cls: type[Any], kwargs: dict[str, Any], literal: str) -> None:
    with pytest.raises(ValueError, match=literal):
        cls(type="bogus", **kwargs)
    with pytest.raises(ValueError):
        cls.from_dict({**kwargs, "type": "bogus"})


@pytest.mark.parametrize(("cls", "kwargs", "literal"), CONTENT_BLOCKS)
def test_content_round_trip(cls: type[Any], kwargs: dict[str, Any], literal: str) -> None:
    block = cls(**kwargs, annotations={"audience": ["user"], "priority": 0.5})
    d = block.to_dict()
    assert d["annotations"] == {"audience": ["user"], "priority": 0.5}
    assert isinstance(block.annotations, Annotations)
    assert cls.from_dict(d) == block
    assert cls.from_dict(d).to_dict() == d


def test_image_and_blob_bytes_are_base64_encoded() -> None:
    raw = b"\x89PNG\x00\xff"
    encoded = base64.b64encode(raw).decode()
    assert ImageContent(data=raw, mimeType="image/png").data == encoded
    assert AudioContent(data=bytearray(raw), mime_type="audio/wav").data == encoded
    assert BlobResourceContents(uri="a://b", blob=memoryview(raw)).blob == encoded
    with pytest.raises(TypeError):
        ImageContent(data=12, mimeType="image/png")


# --- required / unknown fields ----------------------------------------------------------------------

REQUIRED: list[tuple[type[Any], dict[str, Any], str]] = [
    (Tool, {"inputSchema": {}}, "name"),
    (Tool, {"name": "t"}, "inputSchema"),
    (TextContent, {}, "text"),
    (ImageContent, {"data": "AA=="}, "mimeType"),
    (ImageContent, {"mimeType": "image/png"}, "data"),
    (AudioContent, {"data": "AA=="}, "mimeType"),
    (EmbeddedResource, {}, "resource"),
    (ResourceLink, {"name": "n"}, "uri"),
    (Resource, {"name": "n"}, "uri"),
    (Resource, {"uri": "a://b"}, "name"),
    (ResourceTemplate, {"name": "n"}, "uriTemplate"),
    (TextResourceContents, {"uri": "a://b"}, "text"),
    (BlobResourceContents, {"uri": "a://b"}, "blob"),
    (Prompt, {}, "name"),
    (PromptArgument, {}, "name"),
    (PromptMessage, {"content": "x"}, "role"),
    (PromptMessage, {"role": "user"}, "content"),
    (GetPromptResult, {}, "messages"),
    (CallToolResult, {}, "content"),
    (Icon, {}, "src"),
]


@pytest.mark.parametrize(("cls", "kwargs", "missing"), REQUIRED)
def test_missing_required_field(cls: type[Any], kwargs: dict[str, Any], missing: str) -> None:
    with pytest.raises(TypeError, match=missing):
        cls(**kwargs)
    with pytest.raises(TypeError, match=missing):
        cls.from_dict(kwargs)


def test_required_field_given_as_none_is_missing() -> None:
    with pytest.raises(TypeError, match="uri"):
        Resource(uri=None, name="n")


@pytest.mark.parametrize("cls", [TextContent, Resource, Tool, Prompt, PromptMessage, CallToolResult, Icon])
def test_unknown_keyword(cls: type[Any]) -> None:
    with pytest.raises(TypeError, match="bogus_field"):
        cls(bogus_field=1)


def test_positional_arguments_rejected() -> None:
    with pytest.raises(TypeError):
        TextContent("hello")  # type: ignore[call-arg]


def test_from_dict_keeps_unknown_keys() -> None:
    d = {"name": "t", "inputSchema": {"type": "object"}, "x-vendor": {"a": 1}}
    tool = Tool.from_dict(d)
    assert tool.to_dict() == d
    assert tool != Tool(name="t", inputSchema={"type": "object"})
    assert "x-vendor" in repr(tool)


def test_from_dict_rejects_non_mapping() -> None:
    with pytest.raises(TypeError):
        Tool.from_dict([1, 2])  # type: ignore[arg-type]


def test_from_dict_returns_instance_unchanged() -> None:
    c = TextContent(text="x")
    assert TextContent.from_dict(c) is c  # type: ignore[arg-type]


# --- nested conversion ------------------------------------------------------------------------------


def test_prompt_message_content_dict_and_objects() -> None:
    assert PromptMessage(role="assistant", content={"type": "text", "text": "hi"}).content == TextContent(
        text="hi"
    )
    img = PromptMessage(role="user", content={"type": "image", "data": "AA==", "mimeType": "image/png"})
    assert isinstance(img.content, ImageContent)
    audio = PromptMessage(role="user", content={"type": "audio", "data": "AA==", "mimeType": "audio/wav"})
    assert isinstance(audio.content, AudioContent)
    link = PromptMessage(role="user", content={"type": "resource_link", "uri": "a://b", "name": "n"})
    assert isinstance(link.content, ResourceLink)
    emb = PromptMessage(
        role="user", content={"type": "resource", "resource": {"uri": "a://b", "blob": "AA=="}}
    )
    assert isinstance(emb.content, EmbeddedResource)
    assert isinstance(emb.content.resource, BlobResourceContents)
    # a dict without "type" but with "text" is a text block
    assert PromptMessage(role="user", content={"text": "t"}).content == TextContent(text="t")
    obj = TextContent(text="same")
    assert PromptMessage(role="user", content=obj).content is obj


def test_prompt_message_bad_content() -> None:
    with pytest.raises(ValueError, match="unknown content block type"):
        PromptMessage(role="user", content={"type": "video"})
    with pytest.raises(TypeError):
        PromptMessage(role="user", content=42)


def test_prompt_message_role_is_checked() -> None:
    with pytest.raises(ValueError, match="role"):
        PromptMessage(role="system", content="x")


def test_embedded_resource_from_dicts() -> None:
    text = EmbeddedResource(resource={"uri": "a://b", "mimeType": "text/plain", "text": "hello"})
    assert isinstance(text.resource, TextResourceContents)
    assert text.resource.mimeType == "text/plain"
    assert text.to_dict() == {
        "type": "resource",
        "resource": {"uri": "a://b", "mimeType": "text/plain", "text": "hello"},
    }
    blob = EmbeddedResource(resource={"uri": "a://b", "blob": b"\x00"})
    assert isinstance(blob.resource, BlobResourceContents)
    assert blob.resource.blob == "AA=="
    with pytest.raises(ValueError, match="text"):
        EmbeddedResource(resource={"uri": "a://b"})
    with pytest.raises(TypeError):
        EmbeddedResource(resource="nope")


def test_tool_nested_objects() -> None:
    tool = Tool(
        name="calc",
        title="Calculator",
        description="adds",
        input_schema={"type": "object", "properties": {"a": {"type": "number"}}},
        output_schema={"type": "object"},
        annotations={"title": "Calc", "readOnlyHint": True},
        icons=[{"src": "https://x/i.png", "sizes": ["48x48"], "theme": "dark"}],
        execution={"taskSupport": "optional"},
        meta={"k": "v"},
    )
    assert isinstance(tool.annotations, ToolAnnotations)
    assert tool.annotations.readOnlyHint is True
    assert tool.icons is not None and isinstance(tool.icons[0], Icon)
    d = tool.to_dict()
    assert d == {
        "name": "calc",
        "title": "Calculator",
        "description": "adds",
        "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}}},
        "outputSchema": {"type": "object"},
        "annotations": {"title": "Calc", "readOnlyHint": True},
        "icons": [{"src": "https://x/i.png", "sizes": ["48x48"], "theme": "dark"}],
        "execution": {"taskSupport": "optional"},
        "_meta": {"k": "v"},
    }
    assert Tool.from_dict(d) == tool
    assert tool.inputSchema is tool.input_schema


def test_nested_wrong_kind_is_type_error() -> None:
    with pytest.raises(TypeError):
        Tool(name="t", inputSchema={}, annotations=3)
    with pytest.raises(TypeError):
        Prompt(name="p", arguments="language")
    with pytest.raises(TypeError):
        Prompt(name="p", arguments={"name": "x"})


def test_resource_template_and_link_and_resource() -> None:
    t = ResourceTemplate(uri_template="users://{id}", name="user", icons=[Icon(src="data:,x")])
    assert t.uriTemplate == "users://{id}"
    assert t.to_dict() == {"uriTemplate": "users://{id}", "name": "user", "icons": [{"src": "data:,x"}]}
    link = ResourceLink(uri="file:///a", name="a", size=10, title="A")
    assert link.to_dict() == {
        "type": "resource_link",
        "uri": "file:///a",
        "name": "a",
        "title": "A",
        "size": 10,
    }
    res = Resource(uri="file:///a", name="a", size=10, annotations=Annotations(priority=1.0))
    assert Resource.from_dict(res.to_dict()) == res


def test_uri_is_converted_to_str() -> None:
    class Url:
        def __str__(self) -> str:
            return "https://example.com/"

    assert Resource(uri=Url(), name="n").uri == "https://example.com/"


def test_get_prompt_result_messages() -> None:
    r = GetPromptResult(
        description="d",
        messages=["hi", {"role": "assistant", "content": "ok"}, PromptMessage(role="user", content="x")],
    )
    assert all(isinstance(m, PromptMessage) for m in r.messages)
    assert r.messages[0].role == "user"
    assert r.to_dict() == {
        "description": "d",
        "messages": [
            {"role": "user", "content": {"type": "text", "text": "hi"}},
            {"role": "assistant", "content": {"type": "text", "text": "ok"}},
            {"role": "user", "content": {"type": "text", "text": "x"}},
        ],
    }
    assert GetPromptResult.from_dict(r.to_dict()) == r


def test_get_prompt_result_duck_typed_message() -> None:
    class Msg:
        role = "assistant"
        content = "from an object"

    r = GetPromptResult(messages=[Msg(), ImageContent(data="AA==", mimeType="image/png")])
    assert r.messages[0] == PromptMessage(role="assistant", content="from an object")
    assert r.messages[1].role == "user"
    assert isinstance(r.messages[1].content, ImageContent)
    with pytest.raises(TypeError):
        GetPromptResult(messages=[3])


def test_call_tool_result() -> None:
    r = CallToolResult(content=[TextContent(text="a"), {"type": "text", "text": "b"}, "c"])
    assert [c.text for c in r.content] == ["a", "b", "c"]  # type: ignore[union-attr]
    assert r.isError is False
    assert r.to_dict() == {
        "content": [
            {"type": "text", "text": "a"},
            {"type": "text", "text": "b"},
            {"type": "text", "text": "c"},
        ],
        "isError": False,
    }
    single = CallToolResult(content=TextContent(text="one"), structuredContent={"x": 1}, isError=True)
    assert single.to_dict() == {
        "content": [{"type": "text", "text": "one"}],
        "structuredContent": {"x": 1},
        "isError": True,
    }
    assert CallToolResult.from_dict(single.to_dict()) == single
    assert CallToolResult(content="plain").content == [TextContent(text="plain")]


def test_annotations_audience_must_be_a_list() -> None:
    assert Annotations(audience=("user", "assistant")).audience == ["user", "assistant"]
    with pytest.raises(TypeError):
        Annotations(audience="user")


def test_foreign_pydantic_models_are_converted() -> None:
    mcp_types = pytest.importorskip("mcp.types")
    sdk_text = mcp_types.TextContent(type="text", text="from sdk")
    assert PromptMessage(role="user", content=sdk_text).content == TextContent(text="from sdk")
    sdk_arg = mcp_types.PromptArgument(name="x", required=True)
    assert Prompt(name="p", arguments=[sdk_arg]).arguments == [PromptArgument(name="x", required=True)]


# --- equality, repr, copy ---------------------------------------------------------------------------


def test_equality_and_hash() -> None:
    assert TextContent(text="a") == TextContent(text="a")
    assert TextContent(text="a") != TextContent(text="b")
    assert TextContent(text="a") != {"type": "text", "text": "a"}
    assert Resource(uri="a://b", name="n") != ResourceLink(uri="a://b", name="n")
    with pytest.raises(TypeError):
        hash(TextContent(text="a"))


def test_repr_is_readable() -> None:
    r = repr(Resource(uri="config://app", name="cfg", mime_type="application/json"))
    assert r == "Resource(uri='config://app', name='cfg', mimeType='application/json')"
    assert repr(TextContent(text="x")) == "TextContent(type='text', text='x')"


def test_copy_and_pickle() -> None:
    tool = Tool(name="t", inputSchema={"type": "object"}, annotations={"readOnlyHint": True})
    assert copy.deepcopy(tool) == tool
    assert copy.copy(tool) == tool
    assert pickle.loads(pickle.dumps(tool)) == tool


def test_to_dict_omits_none_and_returns_fresh_dicts() -> None:
    schema = {"type": "object", "properties": {}}
    tool = Tool(name="t", inputSchema=schema, description=None)
    d = tool.to_dict()
    assert d == {"name": "t", "inputSchema": {"type": "object", "properties": {}}}
    d["inputSchema"]["properties"]["x"] = 1
    assert tool.inputSchema == {"type": "object", "properties": {}}


ROUND_TRIPS: list[tuple[type[Any], dict[str, Any]]] = [
    (Tool, {"name": "t", "inputSchema": {"type": "object"}, "annotations": {"openWorldHint": False}}),
    (ToolAnnotations, {"title": "x", "destructiveHint": True, "idempotentHint": False}),
    (Icon, {"src": "https://a/b.svg", "mimeType": "image/svg+xml", "sizes": ["any"], "theme": "light"}),
    (TextContent, {"type": "text", "text": "t", "_meta": {"a": 1}}),
    (ImageContent, {"type": "image", "data": "AA==", "mimeType": "image/png"}),
    (AudioContent, {"type": "audio", "data": "AA==", "mimeType": "audio/wav"}),
    (EmbeddedResource, {"type": "resource", "resource": {"uri": "a://b", "text": "x"}}),
    (ResourceLink, {"type": "resource_link", "uri": "a://b", "name": "n", "mimeType": "text/plain"}),
    (TextResourceContents, {"uri": "a://b", "mimeType": "text/plain", "text": "x"}),
    (BlobResourceContents, {"uri": "a://b", "mimeType": "a/b", "blob": "AA=="}),
    (Resource, {"uri": "a://b", "name": "n", "title": "T", "size": 3, "icons": [{"src": "data:,"}]}),
    (ResourceTemplate, {"uriTemplate": "a://{x}", "name": "n", "description": "d"}),
    (Prompt, {"name": "p", "title": "P", "arguments": [{"name": "a", "title": "A", "required": True}]}),
    (PromptArgument, {"name": "a", "description": "d", "required": False}),
    (PromptMessage, {"role": "assistant", "content": {"type": "text", "text": "x"}}),
    (
        GetPromptResult,
        {"description": "d", "messages": [{"role": "user", "content": {"type": "text", "text": "x"}}]},
    ),
    (
        CallToolResult,
        {"content": [{"type": "text", "text": "x"}], "structuredContent": [1], "isError": False},
    ),
    (Annotations, {"audience": ["assistant"], "priority": 0.1, "lastModified": "2025-01-01T00:00:00Z"}),
]


@pytest.mark.parametrize(("cls", "wire"), ROUND_TRIPS)
def test_round_trip(cls: type[Any], wire: dict[str, Any]) -> None:
    obj = cls.from_dict(wire)
    assert obj.to_dict() == wire
    assert cls(**wire) == obj
    assert eval(repr(obj), vars(__import__("oxmcp.types", fromlist=["x"]))) == obj


@pytest.mark.parametrize("cls", [cls for cls, _ in ROUND_TRIPS])
def test_every_class_has_a_docstring(cls: type[Any]) -> None:
    assert cls.__doc__ and cls.__doc__.strip()
