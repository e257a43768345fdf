"""Seed section 3 (prompt server): examples/prompt_server.py in process and over stdio."""

from __future__ import annotations

import pytest

LISTED = {
    "name": "code-review",
    "description": "Generate code review prompts",
    "arguments": [
        {"name": "language", "description": "Programming language", "required": False},
        {"name": "style", "description": "Code style guidelines", "required": False},
    ],
}


EXAMPLE = "prompt_server"  # the `example` and `client` fixtures (conftest) load it


@pytest.mark.asyncio
async def test_list_prompts_is_the_override(client):
    assert [p.to_dict() for p in await client.list_prompts()] == [LISTED]
    assert (await client.request("prompts/list"))["prompts"] == [LISTED]


@pytest.mark.asyncio
async def test_code_review_defaults(client):
    result = await client.get_prompt("code-review")
    assert len(result.messages) == 1
    message = result.messages[0]
    assert message.role == "user"
    assert message.content.type == "text"
    assert "python" in message.content.text
    assert "standard style guidelines" in message.content.text
    assert message.content.text.endswith("specific suggestions for improvement.")


@pytest.mark.asyncio
async def test_code_review_arguments(client):
    result = await client.get_prompt("code-review", {"language": "rust", "style": "clippy"})
    text = result.messages[0].content.text
    assert text.startswith("Please review the following rust code following clippy style guidelines:")
    assert "python" not in text


@pytest.mark.asyncio
async def test_unknown_prompt(client):
    from oxmcp import McpError

    with pytest.raises(McpError) as exc_info:
        await client.get_prompt("nope")
    assert exc_info.value.code == -32602


def test_over_stdio(stdio_example):
    srv = stdio_example()
    init = srv.initialize("2024-11-05")
    assert "prompts" in init["capabilities"]
    assert srv.result("prompts/list", {})["prompts"] == [LISTED]
    result = srv.result("prompts/get", {"name": "code-review", "arguments": {"language": "go"}})
    [message] = result["messages"]
    assert message["role"] == "user"
    assert message["content"]["type"] == "text"
    assert "following go code following standard style" in message["content"]["text"]
