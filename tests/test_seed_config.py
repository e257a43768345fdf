"""Seed "Configuration and Environment": examples/config_env.py and examples/config_file.py."""

from __future__ import annotations

import json

import pytest
from conftest import EXITED, load_example
from oxmcp.testing import MockMcpClient

ENV_VARS = ("SERVER_NAME", "DEBUG", "API_KEY", "DATABASE_URL", "MAX_CONNECTIONS")


@pytest.fixture
def clean_env(monkeypatch):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@pytest.mark.asyncio
async def test_env_defaults(clean_env):
    module = load_example("config_env")
    assert module.config == module.ServerConfig(
        name="default-server", debug=False, api_key="", database_url="", max_connections=100
    )
    client = MockMcpClient(module.server)
    assert await client.list_tools() == []
    assert client.server_info["name"] == "default-server"


@pytest.mark.asyncio
async def test_env_values(clean_env):
    clean_env.setenv("SERVER_NAME", "env-server")
    clean_env.setenv("DEBUG", "TRUE")
    clean_env.setenv("MAX_CONNECTIONS", "7")
    clean_env.setenv("DATABASE_URL", "sqlite:///x.db")
    module = load_example("config_env")
    assert module.config.debug is True
    assert module.config.max_connections == 7
    assert module.config.database_url == "sqlite:///x.db"
    assert module.server.name == "env-server"
    client = MockMcpClient(module.server)
    await client.ping()
    assert client.server_info == {"name": "env-server", "version": "0.1.0"}


def test_env_over_stdio(stdio_server, example_path):
    srv = stdio_server(example_path("config_env"), env={"SERVER_NAME": "stdio-env-server"})
    assert srv.initialize()["serverInfo"]["name"] == "stdio-env-server"
    assert srv.result("tools/list", {})["tools"] == []
    srv.close_stdin()
    assert srv.wait() in EXITED


@pytest.mark.asyncio
async def test_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_example("config_file").server.name == "default-server"
    (tmp_path / "server_config.json").write_text(json.dumps({"name": "file-server", "other": 1}))
    module = load_example("config_file")
    assert module.config == {"name": "file-server", "other": 1}
    assert module.load_config(str(tmp_path / "missing.json")) == {}
    client = MockMcpClient(module.server)
    await client.ping()
    assert client.server_info["name"] == "file-server"


def test_config_file_over_stdio(stdio_server, example_path, tmp_path):
    (tmp_path / "server_config.json").write_text(json.dumps({"name": "stdio-file-server"}))
    srv = stdio_server(example_path("config_file"), cwd=tmp_path)
    assert srv.initialize("2024-11-05")["serverInfo"]["name"] == "stdio-file-server"
