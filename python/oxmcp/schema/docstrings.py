"""Docstring parsing: the description of a function or class, and the descriptions of its parameters.

Google (``Args:``), NumPy (``Parameters`` + ``----------``) and Sphinx (``:param x:``) styles are
understood; the parameter, returns and raises sections are removed from the description (the parameter
descriptions go into the input schema instead).
"""

from __future__ import annotations

import inspect
import re

_GOOGLE_PARAMS = {
    "args",
    "arguments",
    "parameters",
    "params",
    "keyword args",
    "keyword arguments",
    "kwargs",
    "other parameters",
}
_GOOGLE_DROP = {"returns", "return", "yields", "yield", "raises", "raise", "exceptions", "throws"}
_SECTION_RE = re.compile(r"^(\s*)([A-Za-z][A-Za-z ]*?)\s*:\s*$")
_NUMPY_RULE_RE = re.compile(r"^\s*-{3,}\s*$")
_GOOGLE_ENTRY_RE = re.compile(r"^\*{0,2}([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_ENTRY_RE = re.compile(r"^\*{0,2}([A-Za-z_]\w*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*)\s*(?::.*)?$")
_SPHINX_RE = re.compile(r"^\s*:(\w+)([^:]*):\s*(.*)$")
_SPHINX_PARAM = {"param", "parameter", "arg", "argument", "key", "keyword"}
_SPHINX_DROP = {
    "type",
    "returns",
    "return",
    "rtype",
    "raises",
    "raise",
    "except",
    "exception",
    "yields",
    "yield",
}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(parts: list[str]) -> str:
    return " ".join(p.strip() for p in parts if p.strip())


def _block(lines: list[str], start: int, base: int) -> int:
    """The end index of the block of lines after `start` indented deeper than `base` (or blank)."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _google_entries(body: list[str], params: dict[str, str]) -> None:
    indents = [_indent(line) for line in body if line.strip()]
    if not indents:
        return
    base = min(indents)
    name: str | None = None
    parts: list[str] = []
    for line in body:
        if line.strip() and _indent(line) == base:
            if name is not None:
                params.setdefault(name, _join(parts))
            m = _GOOGLE_ENTRY_RE.match(line.strip())
            name, parts = (m.group(1), [m.group(2)]) if m else (None, [])
        elif name is not None:
            parts.append(line)
    if name is not None:
        params.setdefault(name, _join(parts))


def _numpy_entries(body: list[str], params: dict[str, str]) -> None:
    indents = [_indent(line) for line in body if line.strip()]
    if not indents:
        return
    base = min(indents)
    names: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        for n in names:
            params.setdefault(n, _join(parts))

    for line in body:
        if line.strip() and _indent(line) == base:
            flush()
            m = _NUMPY_ENTRY_RE.match(line.strip())
            names = [n.strip().lstrip("*") for n in m.group(1).split(",")] if m else []
            parts = []
        else:
            parts.append(line)
    flush()


def parse_docstring(doc: str | None) -> tuple[str | None, dict[str, str]]:
    """Split a docstring into (description, {param: description}).

    Google (``Args:``), NumPy (``Parameters`` + ``----------``) and Sphinx (``:param x:``) styles are
    understood. The description keeps everything except the parameter, returns/yields and raises
    sections; it is None when nothing is left.
    """
    if not doc or not doc.strip():
        return None, {}
    lines = inspect.cleandoc(doc).splitlines()
    params: dict[str, str] = {}
    kept: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip().lower()
        # NumPy: a header line followed by a rule of dashes
        if i + 1 < n and stripped and _NUMPY_RULE_RE.match(lines[i + 1]) and not _NUMPY_RULE_RE.match(line):
            title = stripped.rstrip(":")
            if title in _GOOGLE_PARAMS or title in _GOOGLE_DROP or title in ("receives", "warns"):
                j = i + 2
                while j < n and not (j + 1 < n and lines[j].strip() and _NUMPY_RULE_RE.match(lines[j + 1])):
                    j += 1
                if title in _GOOGLE_PARAMS:
                    _numpy_entries(lines[i + 2 : j], params)
                i = j
                continue
        # Google: "Args:" followed by an indented block
        m = _SECTION_RE.match(line)
        if m is not None:
            title = m.group(2).strip().lower()
            if title in _GOOGLE_PARAMS or title in _GOOGLE_DROP:
                end = _block(lines, i + 1, _indent(line))
                if title in _GOOGLE_PARAMS:
                    _google_entries(lines[i + 1 : end], params)
                i = end
                continue
        # Sphinx: ":param name: text" with indented continuation lines
        s = _SPHINX_RE.match(line)
        if s is not None and (s.group(1) in _SPHINX_PARAM or s.group(1) in _SPHINX_DROP):
            end = _block(lines, i + 1, _indent(line))
            if s.group(1) in _SPHINX_PARAM:
                words = s.group(2).split()
                if words:
                    params.setdefault(words[-1].lstrip("*"), _join([s.group(3), *lines[i + 1 : end]]))
            i = end
            continue
        kept.append(line)
        i += 1
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return (text or None), params
