"""The conformance fixture: every tool, resource and prompt the official MCP conformance suite calls
that oxmcp supports today, written with the public oxmcp API only.

    python examples/everything.py --port 3001 [--host 127.0.0.1]

serves ``http://HOST:PORT/mcp`` over Streamable HTTP (both protocol eras on one endpoint).
``conformance/run.py`` starts it and runs the suite against it; see conformance/README.md.

Left out until oxmcp supports them (the baseline, conformance/baseline.yml, lists the scenarios that
need them): logging and progress notifications, sampling, elicitation, subscriptions, completion,
``logging/setLevel``, raw input schemas, input-required results, listen streams and tasks.
"""

from __future__ import annotations

import argparse
import base64
import json

from oxmcp import McpServer
from oxmcp.types import (
    AudioContent,
    EmbeddedResource,
    ImageContent,
    PromptMessage,
    TextContent,
    TextResourceContents,
)

# A 1x1 red pixel (PNG, 69 bytes).
PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AAAAMBAQD3A0FDAAAAAElFTkSuQmCC"
# One millisecond of silence: 8 samples, 8-bit mono PCM at 8 kHz (WAV, 52 bytes).
WAV_BASE64 = "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA=="

server = McpServer(
    "oxmcp-conformance-everything",
    "1.0.0",
    instructions="The tools, resources and prompts the MCP conformance suite calls.",
)


def _image() -> ImageContent:
    return ImageContent(data=PNG_BASE64, mime_type="image/png")


# -- tools -------------------------------------------------------------------------------------------


@server.tool()
def test_simple_text() -> str:
    """Returns a simple text response."""
    return "This is a simple text response for testing."


@server.tool()
def test_image_content() -> ImageContent:
    """Returns a 1x1 PNG image."""
    return _image()


@server.tool()
def test_audio_content() -> AudioContent:
    """Returns a tiny WAV audio clip."""
    return AudioContent(data=WAV_BASE64, mime_type="audio/wav")


@server.tool()
def test_embedded_resource() -> EmbeddedResource:
    """Returns an embedded text resource."""
    return EmbeddedResource(
        resource=TextResourceContents(
            uri="test://embedded-resource",
            mime_type="text/plain",
            text="This is an embedded resource content.",
        )
    )


@server.tool()
def test_multiple_content_types() -> list[TextContent | ImageContent | EmbeddedResource]:
    """Returns text, an image and an embedded JSON resource in one result."""
    return [
        TextContent(text="Multiple content types test:"),
        _image(),
        EmbeddedResource(
            resource=TextResourceContents(
                uri="test://mixed-content-resource",
                mime_type="application/json",
                text=json.dumps({"test": "data", "value": 123}, separators=(",", ":")),
            )
        ),
    ]


@server.tool()
def test_error_handling() -> str:
    """Always fails: the result has isError set and the error message as text."""
    raise RuntimeError("This tool intentionally returns an error for testing")


# -- resources ---------------------------------------------------------------------------------------


@server.resource("test://static-text", name="static-text", mime_type="text/plain")
def static_text() -> str:
    """A static text resource."""
    return "This is the content of the static text resource."


@server.resource("test://static-binary", name="static-binary", mime_type="image/png")
def static_binary() -> bytes:
    """A static binary resource (a 1x1 PNG image)."""
    return base64.b64decode(PNG_BASE64)


@server.resource("test://template/{id}/data", name="template-data", mime_type="application/json")
def template_data(id: str) -> str:
    """Data for an id, as JSON."""
    return json.dumps({"id": id, "templateTest": True, "data": f"Data for ID: {id}"}, separators=(",", ":"))


# -- prompts -----------------------------------------------------------------------------------------


@server.prompt()
def test_simple_prompt() -> str:
    """A simple prompt without arguments."""
    return "This is a simple prompt for testing."


@server.prompt()
def test_prompt_with_arguments(arg1: str, arg2: str) -> str:
    """A prompt with two required arguments.

    Args:
        arg1: First test argument
        arg2: Second test argument
    """
    return f"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"


@server.prompt()
def test_prompt_with_embedded_resource(resourceUri: str) -> list[PromptMessage]:  # camelCase: the wire name
    """A prompt that embeds a text resource.

    Args:
        resourceUri: URI of the resource to embed
    """
    return [
        PromptMessage(
            role="user",
            content=EmbeddedResource(
                resource=TextResourceContents(
                    uri=resourceUri, mime_type="text/plain", text="Embedded resource content for testing."
                )
            ),
        ),
        PromptMessage(role="user", content="Please process the embedded resource above."),
    ]


@server.prompt()
def test_prompt_with_image() -> list[PromptMessage]:
    """A prompt with an image."""
    return [
        PromptMessage(role="user", content=_image()),
        PromptMessage(role="user", content="Please analyze the image above."),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="oxmcp conformance fixture (Streamable HTTP on /mcp)")
    parser.add_argument("--port", type=int, default=3001, help="port to listen on (default 3001)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    args = parser.parse_args(argv)
    server.run(transport="http", host=args.host, port=args.port, path="/mcp")


if __name__ == "__main__":
    main()
