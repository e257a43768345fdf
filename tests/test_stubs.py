"""The hand-written `_core.pyi` must describe the native module exactly: same classes, same public
methods and properties (pydantic-core checks its stub the same way)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import oxmcp._core as core

STUB = Path(__file__).resolve().parent.parent / "python" / "oxmcp" / "_core.pyi"


def _stub_classes() -> dict[str, set[str]]:
    tree = ast.parse(STUB.read_text())
    out: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            out[node.name] = {
                n.name for n in node.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
            } | {
                n.target.id
                for n in node.body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            }
    return out


def _runtime_classes() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, obj in vars(core).items():
        if inspect.isclass(obj) and obj.__module__.startswith("oxmcp"):
            out[name] = {m for m in dir(obj) if not m.startswith("_")}
    return out


def test_stub_lists_every_class_and_member() -> None:
    assert _stub_classes() == _runtime_classes()


def test_stub_declares_the_version() -> None:
    tree = ast.parse(STUB.read_text())
    names = {
        t.target.id for t in tree.body if isinstance(t, ast.AnnAssign) and isinstance(t.target, ast.Name)
    }
    assert "__version__" in names
    assert isinstance(core.__version__, str) and core.__version__
