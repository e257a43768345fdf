"""oxmcp.schema as a package of modules by job: the public face keeps its names, the modules import each
other in one direction only, none reaches into a sibling's private names, and each stays small."""

from __future__ import annotations

import ast
import pathlib

import oxmcp.schema
import pytest

PACKAGE = pathlib.Path(oxmcp.schema.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def sibling_imports(module: str) -> list[tuple[str, list[str]]]:
    """``(sibling, names)`` for each ``from .sibling import names`` of a module of the package."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            out.append((node.module or "", [a.name for a in node.names]))
    return out


def test_public_names_keep_their_import_path() -> None:
    from oxmcp.schema import (  # noqa: F401  (the import is the test)
        FunctionSpec,
        analyze_function,
        make_converter,
        output_schema,
        parse_docstring,
        type_to_schema,
    )

    assert set(oxmcp.schema.__all__) >= {
        "FunctionSpec",
        "analyze_function",
        "make_converter",
        "output_schema",
        "parse_docstring",
        "type_to_schema",
    }
    for name in oxmcp.schema.__all__:
        assert getattr(oxmcp.schema, name) is not None
    assert oxmcp.schema.__doc__


def test_the_modules_import_each_other_without_a_circle() -> None:
    graph = {m: {sibling for sibling, _ in sibling_imports(m)} for m in MODULES}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import circle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for dep in graph[module]:
            visit(dep, (*path, module))
        done.add(module)

    for module in MODULES:
        visit(module, ())


@pytest.mark.parametrize("module", MODULES)
def test_no_module_imports_a_siblings_private_name(module: str) -> None:
    for sibling, names in sibling_imports(module):
        private = [n for n in names if n.startswith("_")]
        assert not private, f"{module} imports private {private} from {sibling}"


@pytest.mark.parametrize("module", ["__init__", *MODULES])
def test_every_module_is_under_600_lines(module: str) -> None:
    assert len((PACKAGE / f"{module}.py").read_text().splitlines()) < 600
