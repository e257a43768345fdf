"""A tool annotated ``-> Any`` (or a union with ``Any``) may return content objects, which go out as
content without structured content: it advertises no output schema, since it could not honour one (the
official client raises on a result that lacks the structured content its tool's schema promises).

Registration asks `analyze_function` for ``strict=True``, which applies this rule; without it (as
tests/test_schema.py calls it) ``Any`` is still wrapped as ``{"result": ...}``."""

from typing import Any, Optional, TypedDict, Union

import pytest
from oxmcp import McpServer
from oxmcp.schema import analyze_function, output_schema
from oxmcp.testing import MockMcpClient
from oxmcp.types import ImageContent, TextContent


class Row(TypedDict):
    id: int


@pytest.mark.parametrize("hint", [Any, Optional[Any], Union[int, Any], Union[Any, TextContent]])
def test_any_gives_no_output_schema(hint: Any) -> None:
    assert output_schema(hint, strict=True) == (None, False)

    def tool() -> hint:  # type: ignore[valid-type]
        pass

    spec = analyze_function(tool, strict=True)
    assert spec.output_schema is None
    assert spec.wraps_result is False


@pytest.mark.parametrize(
    ("hint", "wraps"),
    [(dict, False), (dict[str, Any], False), (Row, False), (int, True), (list[Any], True)],
)
def test_other_annotations_keep_theirs(hint: Any, wraps: bool) -> None:
    schema, wrapped = output_schema(hint, strict=True)
    assert schema is not None and schema["type"] == "object"
    assert wrapped is wraps


@pytest.mark.asyncio
async def test_a_tool_returning_content_under_any_advertises_no_schema() -> None:
    server = McpServer("any-output")

    @server.tool()
    def picture(kind: str) -> Any:
        if kind == "image":
            return ImageContent(data="AAAA", mime_type="image/png")
        return TextContent(text="a text")

    @server.tool()
    def record() -> dict:
        return {"id": 1}

    assert analyze_function(picture, strict=True).output_schema is None
    client = MockMcpClient(server)
    tools = {t.name: t.to_dict() for t in await client.list_tools()}
    assert "outputSchema" not in tools["picture"]
    assert tools["record"]["outputSchema"] == {"type": "object"}

    result = await client.call_tool_result("picture", {"kind": "image"})
    assert result.structured_content is None
    assert [c.type for c in result.content] == ["image"]
    assert await client.call_tool("picture", {"kind": "text"}) == "a text"
    assert await client.call_tool("record") == {"id": 1}
