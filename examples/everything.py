"""The conformance fixture: every tool, resource and prompt the official MCP conformance suite calls
that oxmcp supports today, written with the public oxmcp API only.

    python examples/everything.py --port 3001 [--host 127.0.0.1]

serves ``http://HOST:PORT/mcp`` over Streamable HTTP (both protocol eras on one endpoint).
``conformance/run.py`` starts it and runs the suite against it; see conformance/README.md.

The same functions serve both protocol eras: in a handshake-era session ``ctx.elicit`` and
``ctx.sample`` are requests to the client; on the stateless wire they become input-required results
that the client answers by retrying.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Annotated, Literal

from oxmcp import Context, ErrorCode, McpError, McpServer
from oxmcp.types import (
    AudioContent,
    CompletionArgument,
    EmbeddedResource,
    ImageContent,
    PromptMessage,
    PromptReference,
    ResourceTemplateReference,
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


@server.tool()
async def test_tool_with_logging(ctx: Context) -> str:
    """Logs three messages while it runs."""
    await ctx.info("Tool execution started")
    await asyncio.sleep(0.05)
    await ctx.info("Tool processing data")
    await asyncio.sleep(0.05)
    await ctx.info("Tool execution completed")
    return "Logging test completed"


@server.tool()
async def test_tool_with_progress(ctx: Context) -> str:
    """Reports progress 0, 50 and 100 of 100."""
    for step in (0, 50, 100):
        await ctx.report_progress(step, 100, f"step {step}")
        if step < 100:
            await asyncio.sleep(0.05)
    return "Progress test completed"


@server.tool()
async def test_sampling(prompt: str, ctx: Context) -> str:
    """Asks the client's model to answer a prompt.

    Args:
        prompt: The prompt to send to the model
    """
    answer = await ctx.sample(prompt, max_tokens=100)
    return f"LLM response: {answer.text}"


@server.tool()
async def test_elicitation(message: str, ctx: Context) -> str:
    """Asks the user for a username and an email address.

    Args:
        message: The message to show the user
    """
    schema = {
        "type": "object",
        "properties": {
            "username": {"type": "string", "description": "User's response"},
            "email": {"type": "string", "description": "User's email address"},
        },
        "required": ["username", "email"],
    }
    answer = await ctx.elicit(message, schema)
    if answer.action != "accept":
        return f"User {answer.action}ed the request"
    return f"User provided: {json.dumps(answer.data, sort_keys=True)}"


@dataclass
class Defaults:
    """An elicitation form whose fields all have defaults (SEP-1034)."""

    name: str = "John Doe"
    age: int = 30
    score: float = 95.5
    status: Literal["active", "inactive", "pending"] = "active"
    verified: bool = True


@server.tool()
async def test_elicitation_sep1034_defaults(ctx: Context) -> str:
    """Asks for a form whose fields have default values."""
    answer = await ctx.elicit("Please review your profile", Defaults)
    return f"Elicitation {answer.action}: {answer.data}"


ENUM_FORM = {
    "type": "object",
    "properties": {
        "untitledSingle": {"type": "string", "enum": ["option1", "option2", "option3"]},
        "titledSingle": {
            "type": "string",
            "oneOf": [
                {"const": "value1", "title": "First Option"},
                {"const": "value2", "title": "Second Option"},
                {"const": "value3", "title": "Third Option"},
            ],
        },
        "legacyEnum": {
            "type": "string",
            "enum": ["opt1", "opt2", "opt3"],
            "enumNames": ["Option One", "Option Two", "Option Three"],
        },
        "untitledMulti": {
            "type": "array",
            "items": {"type": "string", "enum": ["option1", "option2", "option3"]},
        },
        "titledMulti": {
            "type": "array",
            "items": {
                "anyOf": [
                    {"const": "value1", "title": "First Choice"},
                    {"const": "value2", "title": "Second Choice"},
                    {"const": "value3", "title": "Third Choice"},
                ]
            },
        },
    },
}


@server.tool()
async def test_elicitation_sep1330_enums(ctx: Context) -> str:
    """Asks for a form with every kind of enum field (SEP-1330)."""
    answer = await ctx.elicit("Please choose", ENUM_FORM)
    return f"Elicitation {answer.action}: {json.dumps(answer.data, sort_keys=True)}"


JSON_SCHEMA_2020_12 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        }
    },
    "properties": {
        "name": {"type": "string"},
        "address": {"$ref": "#/$defs/address"},
        "contactMethod": {"type": "string", "enum": ["phone", "email"]},
        "phone": {"type": "string"},
        "email": {"type": "string"},
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": False,
}


@server.tool(input_schema=JSON_SCHEMA_2020_12)
def json_schema_2020_12_tool(**arguments: object) -> str:
    """A tool whose hand-written JSON Schema 2020-12 input schema is kept verbatim."""
    return f"Received: {json.dumps(arguments, sort_keys=True)}"


@server.tool()
def test_x_mcp_header(region: Annotated[str, {"x-mcp-header": "Region"}, "Where to run"]) -> str:
    """Echoes a parameter that clients mirror into the Mcp-Param-Region header."""
    return f"Region: {region}"


# -- the stateless wire (2026-07-28) ---------------------------------------------------------------


@server.tool()
async def test_missing_capability(ctx: Context) -> str:
    """Needs sampling: a client that did not declare it gets -32021."""
    answer = await ctx.sample("Say hello", max_tokens=10)
    return answer.text or ""


@server.tool()
async def test_streaming_elicitation(ctx: Context) -> str:
    """Asks the user a question (on the stateless wire: an input-required result)."""
    answer = await ctx.elicit(
        "What is your name?", {"type": "object", "properties": {"name": {"type": "string"}}}
    )
    return f"Hello, {(answer.data or {}).get('name', 'stranger')}!"


@server.tool()
async def test_logging_tool(ctx: Context) -> str:
    """Logs at three levels; the client sees only what its requested log level lets through."""
    await ctx.debug("debug message")
    await ctx.info("info message")
    await ctx.warning("warning message")
    return "Logged three messages"


async def _temporary() -> str:
    """A short-lived entry, added and removed to announce a list change."""
    return "temporary"


@server.tool()
def test_trigger_tool_change() -> str:
    """Adds and removes a tool: listening clients hear tools/list_changed (twice)."""
    server.add_tool(_temporary, "test_temporary_tool")
    server.remove_tool("test_temporary_tool")
    return "Tool list changed"


@server.tool()
def test_trigger_prompt_change() -> str:
    """Adds and removes a prompt: listening clients hear prompts/list_changed (twice)."""
    server.add_prompt(_temporary, "test_temporary_prompt")
    server.remove_prompt("test_temporary_prompt")
    return "Prompt list changed"


NAME_FORM = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
CONFIRM_FORM = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}


@server.tool()
async def test_input_required_result_elicitation(ctx: Context) -> str:
    """Asks for the user's name, then greets them."""
    answer = await ctx.elicit("What is your name?", NAME_FORM, key="user_name")
    return f"Hello, {answer.data['name']}!" if answer.accepted else f"User {answer.action}ed"


@server.tool()
async def test_input_required_result_sampling(ctx: Context) -> str:
    """Asks the client's model a question."""
    answer = await ctx.sample("What is the capital of France?", max_tokens=100, key="capital_question")
    return f"The model says: {answer.text}"


@server.tool()
async def test_input_required_result_list_roots(ctx: Context) -> str:
    """Lists the client's roots."""
    roots = await ctx.list_roots(key="client_roots")
    return "Roots: " + ", ".join(root.uri for root in roots)


@server.tool()
async def test_input_required_result_request_state(ctx: Context) -> str:
    """Keeps state across rounds in the signed requestState."""
    state = ctx.carried_state or {"marker": "state-ok", "round": 1}
    ctx.carry(state)
    answer = await ctx.elicit("Confirm?", CONFIRM_FORM, key="confirm")
    return f"{state['marker']}: confirmed={answer.data['ok']}"


@server.tool()
async def test_input_required_result_multiple_inputs(ctx: Context) -> str:
    """Asks three questions at once."""
    name, greeting, roots = await asyncio.gather(
        ctx.elicit("What is your name?", NAME_FORM, key="user_name"),
        ctx.sample("Write a greeting", max_tokens=50, key="greeting"),
        ctx.list_roots(key="client_roots"),
    )
    return f"{greeting.text} {name.data['name']} ({len(roots)} roots)"


@server.tool()
async def test_input_required_result_multi_round(ctx: Context) -> str:
    """Asks one question, then a second one that depends on it."""
    name = await ctx.elicit("What is your name?", NAME_FORM, key="step1")
    color_form = {"type": "object", "properties": {"color": {"type": "string"}}, "required": ["color"]}
    color = await ctx.elicit(f"{name.data['name']}, what is your favourite colour?", color_form, key="step2")
    return f"{name.data['name']} likes {color.data['color']}"


@server.tool()
async def test_input_required_result_tampered_state(ctx: Context) -> str:
    """A request whose requestState the client must not alter."""
    answer = await ctx.elicit("Confirm?", CONFIRM_FORM, key="confirm")
    return f"confirmed={answer.data['ok']}"


@server.tool()
async def test_input_required_result_capabilities(ctx: Context) -> str:
    """Asks the user if the client can, else the client's model."""
    if "elicitation" in ctx.client_capabilities:
        answer = await ctx.elicit("What is your name?", NAME_FORM, key="user_name")
        return f"Hello, {answer.data['name']}!"
    reply = await ctx.sample("Pick a name", max_tokens=20, key="name_question")
    return f"Hello, {reply.text}!"


@server.prompt()
async def test_input_required_result_prompt(ctx: Context) -> str:
    """A prompt that asks the user for context first."""
    form = {"type": "object", "properties": {"context": {"type": "string"}}, "required": ["context"]}
    answer = await ctx.elicit("What context should the prompt use?", form, key="user_context")
    return f"Use this context: {answer.data['context']}"


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


@server.resource("test://watched-resource", name="watched-resource", mime_type="text/plain")
def watched_resource() -> str:
    """A resource clients may subscribe to."""
    return "Watched resource content."


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


@server.completion()
def complete(
    ref: PromptReference | ResourceTemplateReference, argument: CompletionArgument, context: object
) -> list[str]:
    """Suggests values for prompt arguments and template variables."""
    candidates = {"arg1": ["test", "testing", "tested"], "arg2": ["alpha", "beta"], "id": ["123", "456"]}
    return [v for v in candidates.get(argument.name, []) if v.startswith(argument.value)]


# -- tasks (io.modelcontextprotocol/tasks extension) -----------------------------------------------


@server.tool()
def greet(name: str) -> str:
    """Greets someone. A plain tool: never a task, whatever the client asks."""
    return f"Hello, {name}!"


@server.tool(task=True)
async def slow_compute(seconds: float, label: str = "") -> str:
    """Works for `seconds`, then reports. A task for clients that can do tasks; cancellable."""
    await asyncio.sleep(seconds)
    return f"Computed {label or 'result'} in {seconds:g} s"


@server.tool(task="required")
async def failing_job() -> str:
    """Only runs as a task; fails after about a second (a tool error: the task completes, isError)."""
    await asyncio.sleep(1.0)
    raise RuntimeError("the job failed")


@server.tool(task=True)
async def protocol_error_job() -> str:
    """A task whose function fails with a JSON-RPC error: the task ends `failed`."""
    await asyncio.sleep(0.2)
    raise McpError(ErrorCode.INTERNAL_ERROR, "the job could not reach its backend")


CONFIRM_DELETE_FORM = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean", "description": "Delete the file?"}},
    "required": ["confirm"],
}


@server.tool(task=True)
async def confirm_delete(filename: str, ctx: Context) -> str:
    """Asks the user to confirm (the task waits in `input_required`), then deletes (pretends to)."""
    answer = await ctx.elicit(f"Delete {filename}?", CONFIRM_DELETE_FORM, key="confirm")
    if answer.accepted and (answer.data or {}).get("confirm"):
        return f"Deleted {filename}"
    return f"Kept {filename}"


@server.tool(task=True)
async def multi_input(ctx: Context) -> str:
    """Asks two questions at once: the task waits for both answers."""
    name, confirm = await asyncio.gather(
        ctx.elicit("What is your name?", NAME_FORM, key="name"),
        ctx.elicit("Go ahead?", CONFIRM_DELETE_FORM, key="confirm"),
    )
    who = (name.data or {}).get("name", "stranger")
    go = bool((confirm.data or {}).get("confirm"))
    return f"{who} said {'yes' if go else 'no'}"


@server.tool(task="required", task_start="manual")
async def test_tool_with_task(ctx: Context) -> str:
    """Asks for the user's name synchronously (input-required rounds), then becomes a task."""
    answer = await ctx.elicit("What is your name?", NAME_FORM, key="user_name")
    name = (answer.data or {}).get("name", "stranger") if answer.accepted else "stranger"
    await ctx.start_task()
    await asyncio.sleep(0.3)
    return f"Hello, {name}! (the task finished)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="oxmcp conformance fixture (Streamable HTTP on /mcp)")
    parser.add_argument("--port", type=int, default=3001, help="port to listen on (default 3001)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    args = parser.parse_args(argv)
    server.run(transport="http", host=args.host, port=args.port, path="/mcp")


if __name__ == "__main__":
    main()
