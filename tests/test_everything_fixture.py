"""The conformance fixture (examples/everything.py) in process: every tool, resource and prompt returns
exactly what the conformance scenarios require, on both protocol eras."""

from __future__ import annotations

import base64
import io
import json
import struct
import wave
import zlib

import pytest
from _support.eras import LEGACY, MODERN
from conftest import load_example
from oxmcp import McpError, ToolError
from oxmcp.testing import MockMcpClient

ERAS = [LEGACY, MODERN]

TOOLS = [
    "test_simple_text",
    "test_image_content",
    "test_audio_content",
    "test_embedded_resource",
    "test_multiple_content_types",
    "test_error_handling",
    "test_tool_with_logging",
    "test_tool_with_progress",
    "test_sampling",
    "test_elicitation",
    "test_elicitation_sep1034_defaults",
    "test_elicitation_sep1330_enums",
    "json_schema_2020_12_tool",
    "test_x_mcp_header",
    "test_missing_capability",
    "test_streaming_elicitation",
    "test_logging_tool",
    "test_trigger_tool_change",
    "test_trigger_prompt_change",
]
PROMPTS = [
    "test_simple_prompt",
    "test_prompt_with_arguments",
    "test_prompt_with_embedded_resource",
    "test_prompt_with_image",
]


EXAMPLE = "everything"  # the `example` fixture (conftest) loads it; `client` is this module's own


def example_module():
    return load_example(EXAMPLE)


@pytest.fixture(params=ERAS)
def client(request, example):
    return MockMcpClient(example.server, protocol_version=request.param)


def _png_pixels(data: bytes) -> tuple[int, int]:
    """Checks the PNG's signature, chunk CRCs and image data; returns (width, height)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        chunks[kind] = body
        pos += 12 + length
    assert set(chunks) == {b"IHDR", b"IDAT", b"IEND"}
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 2)  # 8-bit RGB
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)
    return width, height


def test_png_is_a_real_image(example):
    assert _png_pixels(base64.b64decode(example.PNG_BASE64, validate=True)) == (1, 1)


def test_wav_is_real_audio(example):
    with wave.open(io.BytesIO(base64.b64decode(example.WAV_BASE64, validate=True))) as w:
        assert w.getnchannels() == 1
        assert w.getframerate() == 8000
        assert w.getnframes() > 0


# -- tools -------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_tools_list(client):
    tools = (await client.request("tools/list"))["tools"]
    # The fixture lists these first, in this order (the tasks and input-required tools follow).
    assert [t["name"] for t in tools][: len(TOOLS)] == TOOLS
    for tool in tools:
        assert tool["description"]
        assert "outputSchema" not in tool or tool["outputSchema"]["type"] == "object"
    for tool in tools[:6]:
        assert tool["inputSchema"] == {"type": "object", "properties": {}}
    by_name = {t["name"]: t for t in tools}
    # Kept verbatim (json-schema-2020-12 scenario).
    assert by_name["json_schema_2020_12_tool"]["inputSchema"] == example_module().JSON_SCHEMA_2020_12
    assert by_name["test_x_mcp_header"]["inputSchema"]["properties"]["region"]["x-mcp-header"] == "Region"


@pytest.mark.asyncio
async def test_simple_text(client):
    result = await client.request("tools/call", {"name": "test_simple_text", "arguments": {}})
    assert result["content"] == [{"type": "text", "text": "This is a simple text response for testing."}]
    assert not result.get("isError")
    assert "structuredContent" not in result


@pytest.mark.asyncio
async def test_simple_text_without_arguments(client):
    # the suite's tools-call-simple-text sends no "arguments" at all
    result = await client.request("tools/call", {"name": "test_simple_text"})
    assert result["content"][0]["text"] == "This is a simple text response for testing."


@pytest.mark.asyncio
async def test_image_content(client, example):
    result = await client.request("tools/call", {"name": "test_image_content", "arguments": {}})
    assert result["content"] == [{"type": "image", "data": example.PNG_BASE64, "mimeType": "image/png"}]


@pytest.mark.asyncio
async def test_audio_content(client, example):
    result = await client.request("tools/call", {"name": "test_audio_content", "arguments": {}})
    assert result["content"] == [{"type": "audio", "data": example.WAV_BASE64, "mimeType": "audio/wav"}]


@pytest.mark.asyncio
async def test_embedded_resource(client):
    result = await client.request("tools/call", {"name": "test_embedded_resource", "arguments": {}})
    assert result["content"] == [
        {
            "type": "resource",
            "resource": {
                "uri": "test://embedded-resource",
                "mimeType": "text/plain",
                "text": "This is an embedded resource content.",
            },
        }
    ]


@pytest.mark.asyncio
async def test_multiple_content_types(client, example):
    result = await client.request("tools/call", {"name": "test_multiple_content_types", "arguments": {}})
    text, image, resource = result["content"]
    assert text == {"type": "text", "text": "Multiple content types test:"}
    assert image == {"type": "image", "data": example.PNG_BASE64, "mimeType": "image/png"}
    assert resource["type"] == "resource"
    assert resource["resource"]["uri"] == "test://mixed-content-resource"
    assert resource["resource"]["mimeType"] == "application/json"
    assert json.loads(resource["resource"]["text"]) == {"test": "data", "value": 123}


@pytest.mark.asyncio
async def test_error_handling_is_an_error_result(client):
    result = await client.request("tools/call", {"name": "test_error_handling", "arguments": {}})
    assert result["isError"] is True
    assert result["content"][0]["type"] == "text"
    assert "This tool intentionally returns an error for testing" in result["content"][0]["text"]
    with pytest.raises(ToolError):
        await client.call_tool("test_error_handling")


# -- resources ---------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_resources_list(client):
    resources = (await client.request("resources/list"))["resources"]
    assert [(r["uri"], r["mimeType"]) for r in resources] == [
        ("test://static-text", "text/plain"),
        ("test://static-binary", "image/png"),
        ("test://watched-resource", "text/plain"),
    ]
    assert all(r["name"] and r["description"] for r in resources)
    templates = (await client.request("resources/templates/list"))["resourceTemplates"]
    assert [(t["uriTemplate"], t["mimeType"]) for t in templates] == [
        ("test://template/{id}/data", "application/json")
    ]
    assert templates[0]["name"]


@pytest.mark.asyncio
async def test_read_static_text(client):
    result = await client.request("resources/read", {"uri": "test://static-text"})
    assert result["contents"] == [
        {
            "uri": "test://static-text",
            "mimeType": "text/plain",
            "text": "This is the content of the static text resource.",
        }
    ]


@pytest.mark.asyncio
async def test_read_static_binary(client, example):
    result = await client.request("resources/read", {"uri": "test://static-binary"})
    assert result["contents"] == [
        {"uri": "test://static-binary", "mimeType": "image/png", "blob": example.PNG_BASE64}
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize("id_", ["123", "abc-42"])
async def test_read_template(client, id_):
    uri = f"test://template/{id_}/data"
    (content,) = (await client.request("resources/read", {"uri": uri}))["contents"]
    assert content["uri"] == uri
    assert content["mimeType"] == "application/json"
    assert json.loads(content["text"]) == {"id": id_, "templateTest": True, "data": f"Data for ID: {id_}"}


@pytest.mark.asyncio
async def test_read_unknown_resource_is_an_error(client):
    uri = "test://nonexistent-resource-for-conformance-testing"
    with pytest.raises(McpError) as info:
        await client.request("resources/read", {"uri": uri})
    if client.is_modern:  # SEP-2164: -32602 with the uri in data
        assert info.value.code == -32602
        assert info.value.data["uri"] == uri


@pytest.mark.asyncio
async def test_modern_era_has_caching_hints(example):
    client = MockMcpClient(example.server, protocol_version="2026-07-28")
    for method, params in [
        ("tools/list", {}),
        ("prompts/list", {}),
        ("resources/list", {}),
        ("resources/templates/list", {}),
        ("resources/read", {"uri": "test://static-text"}),
    ]:
        result = await client.request(method, params)
        assert isinstance(result["ttlMs"], int) and result["ttlMs"] >= 0, method
        assert result["cacheScope"] in ("public", "private"), method


# -- prompts -----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_prompts_list(client):
    prompts = {p["name"]: p for p in (await client.request("prompts/list"))["prompts"]}
    assert [p for p in prompts if p in PROMPTS] == PROMPTS
    assert all(p["description"] for p in prompts.values())
    assert "arguments" not in prompts["test_simple_prompt"]
    assert "arguments" not in prompts["test_prompt_with_image"]
    assert prompts["test_prompt_with_arguments"]["arguments"] == [
        {"name": "arg1", "description": "First test argument", "required": True},
        {"name": "arg2", "description": "Second test argument", "required": True},
    ]
    assert prompts["test_prompt_with_embedded_resource"]["arguments"] == [
        {"name": "resourceUri", "description": "URI of the resource to embed", "required": True}
    ]


@pytest.mark.asyncio
async def test_simple_prompt(client):
    result = await client.get_prompt("test_simple_prompt")
    assert [m.to_dict() for m in result.messages] == [
        {"role": "user", "content": {"type": "text", "text": "This is a simple prompt for testing."}}
    ]


@pytest.mark.asyncio
async def test_prompt_with_arguments(client):
    result = await client.get_prompt("test_prompt_with_arguments", {"arg1": "hello", "arg2": "world"})
    assert [m.to_dict() for m in result.messages] == [
        {
            "role": "user",
            "content": {"type": "text", "text": "Prompt with arguments: arg1='hello', arg2='world'"},
        }
    ]


@pytest.mark.asyncio
async def test_prompt_with_arguments_requires_them(client):
    with pytest.raises(McpError) as info:
        await client.get_prompt("test_prompt_with_arguments", {"arg1": "hello"})
    assert info.value.code == -32602


@pytest.mark.asyncio
async def test_prompt_with_embedded_resource(client):
    result = await client.get_prompt(
        "test_prompt_with_embedded_resource", {"resourceUri": "test://example-resource"}
    )
    assert [m.to_dict() for m in result.messages] == [
        {
            "role": "user",
            "content": {
                "type": "resource",
                "resource": {
                    "uri": "test://example-resource",
                    "mimeType": "text/plain",
                    "text": "Embedded resource content for testing.",
                },
            },
        },
        {"role": "user", "content": {"type": "text", "text": "Please process the embedded resource above."}},
    ]


@pytest.mark.asyncio
async def test_prompt_with_image(client, example):
    result = await client.get_prompt("test_prompt_with_image")
    assert [m.to_dict() for m in result.messages] == [
        {"role": "user", "content": {"type": "image", "data": example.PNG_BASE64, "mimeType": "image/png"}},
        {"role": "user", "content": {"type": "text", "text": "Please analyze the image above."}},
    ]


# -- the command line --------------------------------------------------------------------------------


def test_main_serves_http_on_mcp(example, monkeypatch):
    calls = []
    monkeypatch.setattr(example.server, "run", lambda **kw: calls.append(kw))
    example.main(["--port", "4321"])
    example.main(["--port", "4322", "--host", "::1"])
    assert calls == [
        {"transport": "http", "host": "127.0.0.1", "port": 4321, "path": "/mcp"},
        {"transport": "http", "host": "::1", "port": 4322, "path": "/mcp"},
    ]
