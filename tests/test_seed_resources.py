"""Seed section 2 (resource server): examples/resource_server.py in process and over stdio."""

from __future__ import annotations

import json

import pytest
from oxmcp.testing import MockMcpClient

APP_CONFIG = {"app_name": "My Application", "version": "1.0.0", "features": ["auth", "api", "database"]}
LISTED = {
    "uri": "config://app",
    "name": "Application Configuration",
    "description": "Main application configuration",
    "mimeType": "application/json",
}


EXAMPLE = "resource_server"  # the `example` and `client` fixtures (conftest) load it


@pytest.mark.asyncio
async def test_list_resources_is_the_override(client):
    resources = await client.list_resources()
    assert [r.to_dict() for r in resources] == [LISTED]
    assert (await client.request("resources/list"))["resources"] == [LISTED]


@pytest.mark.asyncio
async def test_read_config(client):
    contents = await client.read_resource("config://app")
    assert len(contents) == 1
    assert contents[0].uri == "config://app"
    assert contents[0].text == json.dumps(APP_CONFIG, indent=2)
    assert json.loads(contents[0].text) == APP_CONFIG


@pytest.mark.asyncio
async def test_read_unknown_resource_is_an_error(client):
    from oxmcp import McpError

    with pytest.raises(McpError) as exc_info:
        await client.read_resource("config://nope")
    assert exc_info.value.code in (-32002, -32602)


@pytest.mark.asyncio
async def test_modern_era(example):
    client = MockMcpClient(example.server, protocol_version="2026-07-28")
    result = await client.request("resources/read", {"uri": "config://app"})
    assert result["resultType"] == "complete"
    assert json.loads(result["contents"][0]["text"]) == APP_CONFIG
    assert (await client.request("resources/list"))["resources"] == [LISTED]


def test_over_stdio(stdio_example):
    srv = stdio_example()
    init = srv.initialize()
    assert init["serverInfo"]["name"] == "resource-server"
    assert "resources" in init["capabilities"]
    assert srv.result("resources/list", {})["resources"] == [LISTED]
    contents = srv.result("resources/read", {"uri": "config://app"})["contents"]
    assert contents[0]["uri"] == "config://app"
    assert contents[0]["text"] == json.dumps(APP_CONFIG, indent=2)
