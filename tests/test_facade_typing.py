"""Every decorator of `McpServer` keeps the decorated function's type: ``mypy --strict`` reports no
"Untyped decorator" and sees the original signature (skipped when mypy is not installed)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy")

PYTHON_DIR = Path(__file__).resolve().parent.parent / "python"

USER_CODE = """
from oxmcp import McpServer
from oxmcp.types import Prompt, Resource

server = McpServer("typed")


@server.tool()
async def add(a: int, b: int) -> int:
    return a + b


@server.tool
def bare(a: int) -> int:
    return a


@server.tool("named", description="d")
def named(a: int) -> int:
    return a


@server.resource("config://app")
def config() -> str:
    return "{}"


@server.prompt()
def review(code: str) -> str:
    return code


@server.prompt
def bare_prompt(code: str) -> str:
    return code


@server.prompt("code-review", description="d")
async def code_review(language: str = "python") -> str:
    return language


@server.list_resources()
async def resources() -> list[Resource]:
    return []


@server.list_prompts()
async def prompts() -> list[Prompt]:
    return []


@server.completion()
async def complete(ref: object, argument: object, context: object) -> list[str] | None:
    return None


@server.error_handler()
def on_error(exc: BaseException) -> str | None:
    return None


n: int = bare(1) + named(2)
s: str = review("x") + bare_prompt("y") + config()
reveal_type(add)
reveal_type(code_review)
"""


def test_decorators_keep_the_function_type(tmp_path: Path) -> None:
    user = tmp_path / "user_server.py"
    user.write_text(textwrap.dedent(USER_CODE))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--follow-imports=silent",
            str(user),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"MYPYPATH": str(PYTHON_DIR), "PATH": ""},
        timeout=300,
    )
    out = run.stdout + run.stderr
    assert "Untyped decorator" not in out, out
    assert re.search(r"def \(a: (builtins\.)?int, b: (builtins\.)?int\) -> typing\.Coroutine", out), out
    assert re.search(r"def \(language: (builtins\.)?str =\) -> typing\.Coroutine", out), out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert errors == [], out
