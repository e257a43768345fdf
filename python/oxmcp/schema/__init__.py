"""Type hints -> JSON Schema, per-parameter converters and docstring parsing.

`analyze_function` reads a user function once, at registration, and returns a `FunctionSpec`: the input
schema (which the Rust core validates arguments against), the output schema derived from the return
annotation, and converters that turn already-validated JSON values into the annotated Python types
(dataclasses, Enums, tuples, datetimes, pydantic models, ...). Parameters of plain JSON types get no
converter, so the common call costs nothing here.

Schemas are "LLM friendly": nested types are inlined (no ``$ref``/``$defs``), descriptions come from
``Annotated[...]`` metadata or from the docstring (Google, NumPy or Sphinx style), and the docstring's
parameter sections are removed from the tool description.

Import cost is kept small: pydantic is never imported here; a type is treated as a pydantic model only
when ``pydantic`` is already in ``sys.modules``. ``datetime``, ``uuid``, ``decimal`` and ``pathlib`` types
are likewise recognised only once their module has been imported (a user who annotates with them has).

The modules, each importing only those above it:

* `hints`: what kind of type a hint names (union, TypedDict, pydantic model, datetime...);
* `metadata`: what ``Annotated[...]`` metadata adds to a schema (descriptions, constraints);
* `docstrings`: `parse_docstring`;
* `json_schema`: `type_to_schema`, and parameter defaults as JSON;
* `converters`: `make_converter`, validated JSON -> the annotated Python type;
* `output`: `output_schema`, a tool's structured-output schema from its return annotation;
* `function`: `analyze_function` and its `FunctionSpec`;
* `text_arguments`: `prompt_arguments_schema`, `template_variables_schema`, the schemas that prompt
  arguments and resource-template variables (which arrive as text) are validated against.
"""

from __future__ import annotations

from .converters import make_converter
from .docstrings import parse_docstring
from .function import FunctionSpec, analyze_function
from .json_schema import type_to_schema
from .output import output_schema
from .text_arguments import prompt_arguments_schema, template_variables_schema

__all__ = [
    "FunctionSpec",
    "analyze_function",
    "make_converter",
    "output_schema",
    "parse_docstring",
    "prompt_arguments_schema",
    "template_variables_schema",
    "type_to_schema",
]
