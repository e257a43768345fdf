"""``date``, ``datetime``, ``time`` and ``UUID`` parameters carry a JSON Schema ``format``, so the Rust core
can check the text before Python runs; the converter then builds the Python value."""

import datetime as dt
import uuid
from typing import Any, Optional

import pytest
from oxmcp.schema import analyze_function, type_to_schema

FORMATS = [
    (dt.date, "date"),
    (dt.datetime, "date-time"),
    (dt.time, "time"),
    (uuid.UUID, "uuid"),
]


@pytest.mark.parametrize(("hint", "fmt"), FORMATS)
def test_the_type_has_its_format(hint: Any, fmt: str) -> None:
    assert type_to_schema(hint) == {"type": "string", "format": fmt}


@pytest.mark.parametrize(("hint", "fmt"), FORMATS)
@pytest.mark.parametrize("kind", ["tool", "prompt", "resource"])
def test_a_parameter_has_the_format(hint: Any, fmt: str, kind: str) -> None:
    def fn(when: hint, maybe: Optional[hint] = None, many: list[hint] | None = None) -> str:  # type: ignore[valid-type]
        return "x"

    props = analyze_function(fn, kind=kind).input_schema["properties"]
    assert props["when"] == {"type": "string", "format": fmt}
    assert {"type": "string", "format": fmt} in props["maybe"]["anyOf"]
    array = next(arm for arm in props["many"]["anyOf"] if arm.get("type") == "array")
    assert array["items"] == {"type": "string", "format": fmt}


@pytest.mark.parametrize(
    ("hint", "text", "value"),
    [
        (dt.date, "2026-12-02", dt.date(2026, 12, 2)),
        (dt.datetime, "2026-12-02T10:30:00Z", dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.timezone.utc)),
        (dt.time, "10:30:00", dt.time(10, 30)),
        (uuid.UUID, "12345678-1234-5678-1234-567812345678", uuid.UUID("12345678123456781234567812345678")),
    ],
)
def test_the_converter_builds_the_value(hint: Any, text: str, value: Any) -> None:
    def fn(when: hint) -> str:  # type: ignore[valid-type]
        return "x"

    assert analyze_function(fn).converters["when"](text) == value
