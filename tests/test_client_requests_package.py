"""oxmcp._client_requests split by request family: the names `Context` and the tests use stay importable
from the package, and its modules use only the public helpers of the schema package."""

from __future__ import annotations

import ast
import pathlib

import pytest
from oxmcp import _client_requests

PACKAGE = pathlib.Path(_client_requests.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))


def test_the_package_exports_what_context_and_the_tests_use() -> None:
    for name in (
        "ELICITATION_CREATE",
        "ROOTS_LIST",
        "SAMPLING_CREATE_MESSAGE",
        "Decoder",
        "client_supports",
        "decode_elicit_result",
        "decode_roots",
        "decode_sampling_result",
        "elicitation_params",
        "required_capability",
        "roots_params",
        "sampling_params",
    ):
        assert name in _client_requests.__all__
        assert getattr(_client_requests, name) is not None


@pytest.mark.parametrize("module", MODULES)
def test_only_public_schema_helpers_are_used(module: str) -> None:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and "schema" in (node.module or ""):
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{module} imports private schema names {private}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            private = node.attr.startswith("_") and not node.attr.endswith("__")
            if "schema" in node.value.id and private:
                raise AssertionError(f"{module} uses {node.value.id}.{node.attr}")


@pytest.mark.parametrize("module", MODULES)
def test_every_module_is_under_600_lines(module: str) -> None:
    assert len((PACKAGE / f"{module}.py").read_text().splitlines()) < 600
