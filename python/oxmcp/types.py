"""Protocol value types: the objects users build and return (`TextContent`, `Resource`, `Prompt`, ...).

These are small, dependency-free classes (no pydantic). Each one:

* is built with keywords, using either the wire (camelCase) name or its snake_case alias:
  ``Resource(uri="config://app", name="cfg", mimeType="application/json")`` and
  ``Resource(uri="config://app", name="cfg", mime_type="application/json")`` are the same object;
  ``meta=`` (or ``_meta=``) is the wire ``_meta`` field;
* reads back by both names (``tool.inputSchema`` and ``tool.input_schema``);
* converts nested values given as dicts (``Prompt(arguments=[{"name": "x"}])``,
  ``PromptMessage(role="user", content="plain text")``, ``EmbeddedResource(resource={...})``);
  a pydantic model from the official SDK (anything with ``model_dump``) is accepted wherever a nested
  object is, and converted through its JSON dump;
* has ``to_dict()`` (the wire JSON: camelCase keys, ``None`` fields left out, nested objects converted),
  a classmethod ``from_dict(d)``, ``__eq__`` and a readable ``__repr__``.

A missing required field or an unknown keyword raises `TypeError` naming it; a wrong ``type`` literal on
a content block, or a wrong ``role``, raises `ValueError`. ``from_dict`` is lenient about unknown keys:
it keeps them, and ``to_dict()`` writes them back unchanged (so fields from newer protocol revisions
survive a round trip). ``bytes`` given for ``data``/``blob`` are base64-encoded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from ._core import MAX_VALUE_DEPTH
from .exceptions import ErrorCode, McpError

if TYPE_CHECKING:
    from typing_extensions import Self  # noqa: UP035  (Python 3.10 has no typing.Self)

__all__ = [
    "CompletionArgument",
    "CompletionContext",
    "PromptReference",
    "ResourceTemplateReference",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "LOGGING_LEVELS",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "Annotations",
    "AudioContent",
    "BlobResourceContents",
    "CallToolResult",
    "Completion",
    "ContentBlock",
    "CreateMessageResult",
    "ElicitAction",
    "ElicitResult",
    "EmbeddedResource",
    "ErrorCode",
    "GetPromptResult",
    "Icon",
    "ImageContent",
    "LoggingLevel",
    "McpError",
    "ModelHint",
    "ModelPreferences",
    "Prompt",
    "PromptArgument",
    "PromptMessage",
    "Resource",
    "ResourceContents",
    "ResourceLink",
    "ResourceTemplate",
    "Role",
    "Root",
    "SamplingContent",
    "SamplingMessage",
    "TextContent",
    "TextResourceContents",
    "Tool",
    "ToolAnnotations",
]

PARSE_ERROR = ErrorCode.PARSE_ERROR
INVALID_REQUEST = ErrorCode.INVALID_REQUEST
METHOD_NOT_FOUND = ErrorCode.METHOD_NOT_FOUND
INVALID_PARAMS = ErrorCode.INVALID_PARAMS
INTERNAL_ERROR = ErrorCode.INTERNAL_ERROR

Role = Literal["user", "assistant"]

LoggingLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
"""The severity of a log message (RFC 5424 syslog levels), least severe first."""

LOGGING_LEVELS: tuple[LoggingLevel, ...] = (
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
)
"""Every `LoggingLevel`, least severe first (``LOGGING_LEVELS.index(level)`` orders them)."""

ElicitAction = Literal["accept", "decline", "cancel"]

_M = TypeVar("_M", bound="_Model")
_Converter = Callable[[Any], Any]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class _Field:
    """One field of a model: its Python (snake_case) name, its wire name and how values are converted."""

    __slots__ = ("convert", "default", "name", "required", "wire")

    def __init__(
        self,
        name: str,
        *,
        wire: str | None = None,
        required: bool = False,
        default: Any = None,
        convert: _Converter | None = None,
    ) -> None:
        self.name = name
        self.wire = wire if wire is not None else _camel(name)
        self.required = required
        self.default = default
        self.convert = convert


def _alias_property(name: str) -> property:
    def fget(self: Any) -> Any:
        return getattr(self, name)

    def fset(self: Any, value: Any) -> None:
        setattr(self, name, value)

    return property(fget, fset, doc=f"Alias of ``{name}``.")


def _wire(value: Any) -> Any:
    if isinstance(value, _Model):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    return value


def to_wire(value: Any, _depth: int = 0) -> Any:
    """A value as it goes on the wire: our types (anything with ``to_dict``) as dicts, lists and
    tuples item by item, anything else as it is. For what users hand the server (definition
    fields, list-override items, completion values). Lists nested deeper than the core's depth
    bound are left as they are: the core's converter then refuses them, naming the path (or the
    cycle)."""
    if isinstance(value, (list, tuple)):
        if _depth >= MAX_VALUE_DEPTH:
            return value
        items = [to_wire(v, _depth + 1) for v in value]
        if isinstance(value, list) and all(a is b for a, b in zip(items, value, strict=True)):
            return value  # unchanged: the same list, so a list that holds itself stays a cycle
        return items
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


class _Model:
    """Base of every protocol value type (internal)."""

    __slots__ = ("_extra",)

    _fields: ClassVar[tuple[_Field, ...]] = ()
    _keys: ClassVar[dict[str, _Field]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        keys: dict[str, _Field] = {}
        for f in cls._fields:
            keys[f.name] = f
            keys[f.wire] = f
            if f.wire != f.name and f.wire.isidentifier() and not f.wire.startswith("_"):
                setattr(cls, f.wire, _alias_property(f.name))
        cls._keys = keys

    def __init__(self, **kwargs: Any) -> None:
        self._build(kwargs, strict=True)

    def _build(self, values: Mapping[str, Any], *, strict: bool) -> None:
        cls_name = type(self).__name__
        given: dict[str, Any] = {}
        extra: dict[str, Any] | None = None
        for key, value in values.items():
            f = self._keys.get(key)
            if f is None:
                if strict:
                    raise TypeError(f"{cls_name}() got an unexpected keyword argument {key!r}")
                if extra is None:
                    extra = {}
                extra[key] = value
                continue
            if f.name in given:
                raise TypeError(f"{cls_name}() got field {f.wire!r} twice (as {f.name!r} and {f.wire!r})")
            given[f.name] = value
        missing = [f.wire for f in self._fields if f.required and given.get(f.name) is None]
        if missing:
            names = ", ".join(repr(m) for m in missing)
            raise TypeError(f"{cls_name}() missing required field{'s' if len(missing) > 1 else ''}: {names}")
        for f in self._fields:
            value = given.get(f.name)
            if value is None:
                value = f.default
            elif f.convert is not None:
                value = f.convert(value)
            object.__setattr__(self, f.name, value)
        self._extra = extra
        self._check()

    def _check(self) -> None:
        """Validate literal fields after construction (overridden where needed)."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Self:
        """Build from a wire dict (camelCase or snake_case keys). Unknown keys are kept and re-emitted."""
        if isinstance(d, cls):
            return d
        if not isinstance(d, Mapping):
            raise TypeError(f"{cls.__name__}.from_dict() expects a mapping, got {type(d).__name__}")
        obj = cls.__new__(cls)
        obj._build(d, strict=False)
        return obj

    def to_dict(self) -> dict[str, Any]:
        """The wire JSON object: camelCase keys, ``None`` fields omitted, nested objects converted."""
        out: dict[str, Any] = {}
        for f in self._fields:
            value = getattr(self, f.name)
            if value is not None:
                out[f.wire] = _wire(value)
        if self._extra:
            for key, value in self._extra.items():
                if key not in out:
                    out[key] = _wire(value)
        return out

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Model)
        return all(getattr(self, f.name) == getattr(other, f.name) for f in self._fields) and (
            (self._extra or None) == (other._extra or None)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        parts = [
            f"{f.wire if f.wire.isidentifier() else f.name}={getattr(self, f.name)!r}"
            for f in self._fields
            if getattr(self, f.name) is not None
        ]
        if self._extra:
            parts.append(f"extra={self._extra!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


# ---------------------------------------------------------------------------------------------------
# converters


def _model_dump(value: Any) -> Any:
    """A foreign (pydantic) model as its wire dict; anything else unchanged."""
    dump = getattr(value, "model_dump", None)
    if dump is not None and not isinstance(value, Mapping):
        return dump(by_alias=True, exclude_none=True, mode="json")
    return value


def _obj(cls: type[_M]) -> _Converter:
    def convert(value: Any) -> _M:
        if isinstance(value, cls):
            return value
        value = _model_dump(value)
        if isinstance(value, Mapping):
            return cls.from_dict(value)
        raise TypeError(f"expected {cls.__name__} or a dict, got {type(value).__name__}")

    return convert


def _list_of(item: _Converter) -> _Converter:
    def convert(value: Any) -> list[Any]:
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return [item(v) for v in value]

    return convert


def _str(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _b64(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        import base64

        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a base64 str or bytes, got {type(value).__name__}")


def _content(value: Any) -> ContentBlock:
    """A content block from a content object, a wire dict, or a plain str (a text block)."""
    if isinstance(value, _CONTENT_TYPES):
        return value
    if isinstance(value, str):
        return TextContent(text=value)
    value = _model_dump(value)
    if isinstance(value, Mapping):
        kind = value.get("type", "text" if "text" in value else None)
        cls = _CONTENT_BY_TYPE.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise ValueError(f"unknown content block type {kind!r}")
        return cls.from_dict(value)
    raise TypeError(f"expected a content block, a dict or a str, got {type(value).__name__}")


def _resource_contents(value: Any) -> ResourceContents:
    if isinstance(value, (TextResourceContents, BlobResourceContents)):
        return value
    value = _model_dump(value)
    if isinstance(value, Mapping):
        if "blob" in value:
            return BlobResourceContents.from_dict(value)
        if "text" in value:
            return TextResourceContents.from_dict(value)
        raise ValueError("resource contents need a 'text' or a 'blob' field")
    raise TypeError(
        f"expected TextResourceContents, BlobResourceContents or a dict, got {type(value).__name__}"
    )


def _message(value: Any) -> PromptMessage:
    if isinstance(value, PromptMessage):
        return value
    if isinstance(value, (str, *_CONTENT_TYPES)):
        return PromptMessage(role="user", content=value)
    value = _model_dump(value)
    if isinstance(value, Mapping):
        return PromptMessage.from_dict(value)
    role, content = getattr(value, "role", None), getattr(value, "content", None)
    if role is not None and content is not None:
        return PromptMessage(role=role, content=content)
    raise TypeError(f"expected a PromptMessage, a dict or a str, got {type(value).__name__}")


def _content_list(value: Any) -> list[ContentBlock]:
    if isinstance(value, (str, Mapping, _Model)):
        return [_content(value)]
    return _list_of(_content)(value)


_META = _Field("meta", wire="_meta")


def _type_field(literal: str) -> _Field:
    return _Field("type", default=literal)


class _Content(_Model):
    """Base of the content blocks: checks the ``type`` literal."""

    __slots__ = ()
    _type: ClassVar[str] = ""

    def _check(self) -> None:
        if getattr(self, "type", None) != self._type:
            raise ValueError(f"{type(self).__name__}.type must be {self._type!r}, got {self.type!r}")  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------------
# the types


class Annotations(_Model):
    """Hints on a content block or resource: ``audience`` (list of roles), ``priority`` (0..1),
    ``lastModified`` (ISO 8601)."""

    __slots__ = ("audience", "last_modified", "priority")
    _fields = (_Field("audience", convert=_list_of(_str)), _Field("priority"), _Field("last_modified"))

    audience: list[Role] | None
    priority: float | None
    last_modified: str | None
    if TYPE_CHECKING:
        lastModified: str | None


_annotations = _Field("annotations", convert=_obj(Annotations))


class Icon(_Model):
    """An icon for a tool, resource, template, prompt or implementation: ``src`` (https: or data: URI),
    ``mimeType``, ``sizes`` (e.g. ``["48x48"]``), ``theme`` (``"light"`` or ``"dark"``)."""

    __slots__ = ("mime_type", "sizes", "src", "theme")
    _fields = (
        _Field("src", required=True, convert=_str),
        _Field("mime_type"),
        _Field("sizes", convert=_list_of(_str)),
        _Field("theme"),
    )

    src: str
    mime_type: str | None
    sizes: list[str] | None
    theme: Literal["light", "dark"] | None
    if TYPE_CHECKING:
        mimeType: str | None


_icons = _Field("icons", convert=_list_of(_obj(Icon)))


class ToolAnnotations(_Model):
    """Behaviour hints for a tool (all optional, all untrusted by clients): ``title``, ``readOnlyHint``,
    ``destructiveHint``, ``idempotentHint``, ``openWorldHint``."""

    __slots__ = ("destructive_hint", "idempotent_hint", "open_world_hint", "read_only_hint", "title")
    _fields = (
        _Field("title"),
        _Field("read_only_hint"),
        _Field("destructive_hint"),
        _Field("idempotent_hint"),
        _Field("open_world_hint"),
    )

    title: str | None
    read_only_hint: bool | None
    destructive_hint: bool | None
    idempotent_hint: bool | None
    open_world_hint: bool | None
    if TYPE_CHECKING:
        readOnlyHint: bool | None
        destructiveHint: bool | None
        idempotentHint: bool | None
        openWorldHint: bool | None


class Tool(_Model):
    """A tool definition as listed by ``tools/list``: ``name``, ``inputSchema`` (required), ``title``,
    ``description``, ``outputSchema``, ``annotations`` (`ToolAnnotations` or dict), ``icons``,
    ``execution``, ``meta``."""

    __slots__ = (
        "annotations",
        "description",
        "execution",
        "icons",
        "input_schema",
        "meta",
        "name",
        "output_schema",
        "title",
    )
    _fields = (
        _Field("name", required=True),
        _Field("title"),
        _Field("description"),
        _Field("input_schema", required=True, convert=dict),
        _Field("output_schema", convert=dict),
        _Field("annotations", convert=_obj(ToolAnnotations)),
        _icons,
        _Field("execution", convert=dict),
        _META,
    )

    name: str
    title: str | None
    description: str | None
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    annotations: ToolAnnotations | None
    icons: list[Icon] | None
    execution: dict[str, Any] | None
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        inputSchema: dict[str, Any]
        outputSchema: dict[str, Any] | None


class TextContent(_Content):
    """A text content block: ``TextContent(type="text", text="...")`` (``type`` may be left out)."""

    __slots__ = ("annotations", "meta", "text", "type")
    _type = "text"
    _fields = (_type_field("text"), _Field("text", required=True), _annotations, _META)

    type: Literal["text"]
    text: str
    annotations: Annotations | None
    meta: dict[str, Any] | None


def _media_fields(kind: str) -> tuple[_Field, ...]:
    """Fields of a base64 media block (image, audio)."""
    return (
        _type_field(kind),
        _Field("data", required=True, convert=_b64),
        _Field("mime_type", required=True),
        _annotations,
        _META,
    )


class ImageContent(_Content):
    """An image content block: ``data`` (base64 str, or bytes which are encoded) and ``mimeType``."""

    __slots__ = ("annotations", "data", "meta", "mime_type", "type")
    _type = "image"
    _fields = _media_fields("image")

    type: Literal["image"]
    data: str
    mime_type: str
    annotations: Annotations | None
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        mimeType: str


class AudioContent(_Content):
    """An audio content block: ``data`` (base64 str, or bytes which are encoded) and ``mimeType``."""

    __slots__ = ("annotations", "data", "meta", "mime_type", "type")
    _type = "audio"
    _fields = _media_fields("audio")

    type: Literal["audio"]
    data: str
    mime_type: str
    annotations: Annotations | None
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        mimeType: str


class TextResourceContents(_Model):
    """The text contents of a resource: ``uri``, ``mimeType``, ``text``.

    ``uri`` may be left out when the object is returned from a resource function: the server fills in
    the URI that was read.
    """

    __slots__ = ("meta", "mime_type", "text", "uri")
    _fields = (_Field("uri", convert=_str), _Field("mime_type"), _Field("text", required=True), _META)

    uri: str | None
    mime_type: str | None
    text: str
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        mimeType: str | None


class BlobResourceContents(_Model):
    """The binary contents of a resource: ``uri``, ``mimeType``, ``blob`` (base64 str, or bytes which are
    encoded). ``uri`` may be left out when returned from a resource function (the server fills it in)."""

    __slots__ = ("blob", "meta", "mime_type", "uri")
    _fields = (
        _Field("uri", convert=_str),
        _Field("mime_type"),
        _Field("blob", required=True, convert=_b64),
        _META,
    )

    uri: str | None
    mime_type: str | None
    blob: str
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        mimeType: str | None


ResourceContents = TextResourceContents | BlobResourceContents


class EmbeddedResource(_Content):
    """A resource embedded in a tool result or prompt message: ``resource`` is a `TextResourceContents`
    or `BlobResourceContents` (or a dict with ``text`` or ``blob``)."""

    __slots__ = ("annotations", "meta", "resource", "type")
    _type = "resource"
    _fields = (
        _type_field("resource"),
        _Field("resource", required=True, convert=_resource_contents),
        _annotations,
        _META,
    )

    type: Literal["resource"]
    resource: ResourceContents
    annotations: Annotations | None
    meta: dict[str, Any] | None


_RESOURCE_FIELDS = (
    _Field("uri", required=True, convert=_str),
    _Field("name", required=True),
    _Field("title"),
    _Field("description"),
    _Field("mime_type"),
    _Field("size"),
    _icons,
    _annotations,
    _META,
)
_RESOURCE_SLOTS = ("uri", "name", "title", "description", "mime_type", "size", "icons", "annotations", "meta")


class ResourceLink(_Content):
    """A link to a resource inside a tool result (``type="resource_link"``): the `Resource` fields
    ``uri``, ``name``, ``title``, ``description``, ``mimeType``, ``size``, ``icons``, ``annotations``."""

    __slots__ = ("type", *_RESOURCE_SLOTS)
    _type = "resource_link"
    _fields = (_type_field("resource_link"), *_RESOURCE_FIELDS)

    type: Literal["resource_link"]
    uri: str
    name: str
    title: str | None
    description: str | None
    mime_type: str | None
    size: int | None
    icons: list[Icon] | None
    annotations: Annotations | None
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        mimeType: str | None


ContentBlock = TextContent | ImageContent | AudioContent | ResourceLink | EmbeddedResource
_CONTENT_TYPES: tuple[type[_Content], ...] = (
    TextContent,
    ImageContent,
    AudioContent,
    ResourceLink,
    EmbeddedResource,
)
_CONTENT_BY_TYPE: dict[str, type[_Content]] = {c._type: c for c in _CONTENT_TYPES}


class Resource(_Model):
    """A resource as listed by ``resources/list``: ``uri`` and ``name`` (required), ``title``,
    ``description``, ``mimeType``, ``size`` (bytes), ``icons``, ``annotations``, ``meta``."""

    __slots__ = _RESOURCE_SLOTS
    _fields = _RESOURCE_FIELDS

    uri: str
    name: str
    title: str | None
    description: str | None
    mime_type: str | None
    size: int | None
    icons: list[Icon] | None
    annotations: Annotations | None
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        mimeType: str | None


class ResourceTemplate(_Model):
    """A parameterised resource (RFC 6570 URI template) as listed by ``resources/templates/list``:
    ``uriTemplate`` and ``name`` (required), ``title``, ``description``, ``mimeType``, ``icons``,
    ``annotations``, ``meta``."""

    __slots__ = ("annotations", "description", "icons", "meta", "mime_type", "name", "title", "uri_template")
    _fields = (
        _Field("uri_template", required=True, convert=_str),
        _Field("name", required=True),
        _Field("title"),
        _Field("description"),
        _Field("mime_type"),
        _icons,
        _annotations,
        _META,
    )

    uri_template: str
    name: str
    title: str | None
    description: str | None
    mime_type: str | None
    icons: list[Icon] | None
    annotations: Annotations | None
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        uriTemplate: str
        mimeType: str | None


class PromptArgument(_Model):
    """An argument of a prompt: ``name`` (required), ``title``, ``description``, ``required``."""

    __slots__ = ("description", "name", "required", "title")
    _fields = (_Field("name", required=True), _Field("title"), _Field("description"), _Field("required"))

    name: str
    title: str | None
    description: str | None
    required: bool | None


class Prompt(_Model):
    """A prompt as listed by ``prompts/list``: ``name`` (required), ``title``, ``description``,
    ``arguments`` (`PromptArgument` objects or dicts), ``icons``, ``meta``."""

    __slots__ = ("arguments", "description", "icons", "meta", "name", "title")
    _fields = (
        _Field("name", required=True),
        _Field("title"),
        _Field("description"),
        _Field("arguments", convert=_list_of(_obj(PromptArgument))),
        _icons,
        _META,
    )

    name: str
    title: str | None
    description: str | None
    arguments: list[PromptArgument] | None
    icons: list[Icon] | None
    meta: dict[str, Any] | None


class PromptMessage(_Model):
    """One message of a rendered prompt: ``role`` (``"user"`` or ``"assistant"``) and ``content``, a content
    block; a plain str becomes a `TextContent`, a dict is converted by its ``type``."""

    __slots__ = ("content", "role")
    _fields = (_Field("role", required=True), _Field("content", required=True, convert=_content))

    role: Role
    content: ContentBlock

    def _check(self) -> None:
        if self.role not in ("user", "assistant"):
            raise ValueError(f"PromptMessage.role must be 'user' or 'assistant', got {self.role!r}")


class GetPromptResult(_Model):
    """The result of ``prompts/get``: ``messages`` (`PromptMessage` objects or dicts; a str or a content
    block is a user message) and an optional ``description``."""

    __slots__ = ("description", "messages", "meta")
    _fields = (_Field("description"), _Field("messages", required=True, convert=_list_of(_message)), _META)

    description: str | None
    messages: list[PromptMessage]
    meta: dict[str, Any] | None


class CallToolResult(_Model):
    """A complete tool result, returned as is: ``content`` (content blocks, dicts or str; a single block is
    accepted too), ``structuredContent`` (any JSON value), ``isError`` (default False, always sent)."""

    __slots__ = ("content", "is_error", "meta", "structured_content")
    _fields = (
        _Field("content", required=True, convert=_content_list),
        _Field("structured_content"),
        _Field("is_error", default=False, convert=bool),
        _META,
    )

    content: list[ContentBlock]
    structured_content: Any
    is_error: bool
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        structuredContent: Any
        isError: bool


# ---------------------------------------------------------------------------------------------------
# server -> client requests: sampling, roots, elicitation; completion results

_SAMPLING_CONTENT_TYPES: tuple[type[_Content], ...] = (TextContent, ImageContent, AudioContent)
_SAMPLING_DICT_BLOCKS: dict[str, tuple[str, ...]] = {
    "tool_use": ("id", "name", "input"),
    "tool_result": ("toolUseId", "content"),
}

SamplingContent = TextContent | ImageContent | AudioContent | dict[str, Any]
"""One block of a sampling message: text, image or audio (objects), or a ``tool_use`` / ``tool_result``
block, kept as its wire dict."""


def _sampling_block(value: Any) -> SamplingContent:
    """A sampling content block from a content object, a wire dict or a plain str (a text block).

    ``tool_use`` and ``tool_result`` blocks (and block types this module does not know) stay dicts;
    resource blocks are not allowed in sampling messages."""
    if isinstance(value, _SAMPLING_CONTENT_TYPES):
        return value
    if isinstance(value, _CONTENT_TYPES):
        raise ValueError(
            f"{type(value).__name__} is not allowed in a sampling message "
            "(only text, image, audio, tool_use and tool_result blocks)"
        )
    if isinstance(value, str):
        return TextContent(text=value)
    value = _model_dump(value)
    if isinstance(value, Mapping):
        kind = value.get("type", "text" if "text" in value else None)
        if kind in ("text", "image", "audio"):
            return _CONTENT_BY_TYPE[kind].from_dict(value)
        if kind in ("resource", "resource_link"):
            raise ValueError(
                f"a {kind!r} block is not allowed in a sampling message "
                "(only text, image, audio, tool_use and tool_result blocks)"
            )
        if not isinstance(kind, str):
            raise ValueError("a sampling content block needs a 'type'")
        missing = [k for k in _SAMPLING_DICT_BLOCKS.get(kind, ()) if k not in value]
        if missing:
            raise ValueError(f"a {kind!r} block needs {', '.join(repr(m) for m in missing)}")
        return dict(value)
    raise TypeError(f"expected a content block, a dict or a str, got {type(value).__name__}")


def _sampling_content(value: Any) -> SamplingContent | list[SamplingContent]:
    if isinstance(value, (list, tuple)):
        return [_sampling_block(v) for v in value]
    return _sampling_block(value)


class _SamplingContentMixin:
    """Helpers shared by `SamplingMessage` and `CreateMessageResult` (both have ``content``)."""

    __slots__ = ()
    content: SamplingContent | list[SamplingContent]

    @property
    def content_list(self) -> list[SamplingContent]:
        """``content`` as a list (a single block becomes a list of one)."""
        content = self.content
        return list(content) if isinstance(content, list) else [content]

    @property
    def text(self) -> str | None:
        """The text of the content: a single text block's text, or the texts of a list made only of text
        blocks joined together; None when there is any other kind of block (or no block at all)."""
        blocks = self.content_list
        if not blocks or not all(isinstance(b, TextContent) for b in blocks):
            return None
        return "".join(b.text for b in blocks)  # type: ignore[union-attr]

    @property
    def tool_uses(self) -> list[dict[str, Any]]:
        """The ``tool_use`` blocks of the content (wire dicts with ``id``, ``name``, ``input``)."""
        return [b for b in self.content_list if isinstance(b, dict) and b.get("type") == "tool_use"]


def _check_role(obj: Any) -> None:
    if obj.role not in ("user", "assistant"):
        raise ValueError(f"{type(obj).__name__}.role must be 'user' or 'assistant', got {obj.role!r}")


class SamplingMessage(_SamplingContentMixin, _Model):
    """One message of a ``sampling/createMessage`` request: ``role`` (``"user"`` or ``"assistant"``) and
    ``content``, a single block or a list of blocks. Blocks are `TextContent`, `ImageContent`,
    `AudioContent` (or their dicts; a plain str is a text block), or ``tool_use`` / ``tool_result`` dicts,
    which are kept as dicts. ``.text`` is the text of a text-only message (else None)."""

    __slots__ = ("content", "meta", "role")
    _fields = (
        _Field("role", required=True),
        _Field("content", required=True, convert=_sampling_content),
        _META,
    )

    role: Role
    content: SamplingContent | list[SamplingContent]
    meta: dict[str, Any] | None

    def _check(self) -> None:
        _check_role(self)


class ModelHint(_Model):
    """A hint for the client's model choice: ``name``, matched by clients as a substring of a model name
    (``"claude"``, ``"sonnet"``, ...)."""

    __slots__ = ("name",)
    _fields = (_Field("name", convert=_str),)

    name: str | None


def _hint(value: Any) -> ModelHint:
    if isinstance(value, str):
        return ModelHint(name=value)
    return _obj(ModelHint)(value)


def _hints(value: Any) -> list[ModelHint]:
    if isinstance(value, (str, Mapping, ModelHint)):
        return [_hint(value)]
    return _list_of(_hint)(value)


class ModelPreferences(_Model):
    """The server's advisory model preferences for sampling: ``hints`` (`ModelHint` objects, dicts or plain
    model-name strings, in order of preference), ``costPriority``, ``speedPriority`` and
    ``intelligencePriority`` (each 0..1)."""

    __slots__ = ("cost_priority", "hints", "intelligence_priority", "speed_priority")
    _fields = (
        _Field("hints", convert=_hints),
        _Field("cost_priority"),
        _Field("speed_priority"),
        _Field("intelligence_priority"),
    )

    hints: list[ModelHint] | None
    cost_priority: float | None
    speed_priority: float | None
    intelligence_priority: float | None
    if TYPE_CHECKING:
        costPriority: float | None
        speedPriority: float | None
        intelligencePriority: float | None

    def _check(self) -> None:
        for f in self._fields[1:]:
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"ModelPreferences.{f.wire} must be a number from 0 to 1, got {value!r}")


class CreateMessageResult(_SamplingContentMixin, _Model):
    """The client's answer to ``sampling/createMessage``: ``role``, ``content`` (a single block or a list,
    as in `SamplingMessage`), ``model`` (the model that answered) and ``stopReason`` (``"endTurn"``,
    ``"stopSequence"``, ``"maxTokens"``, ``"toolUse"`` or a provider-specific string).

    ``.text`` is the answer's text when it is text only (else None); ``.tool_uses`` lists its ``tool_use``
    blocks; ``.content_list`` is ``content`` as a list."""

    __slots__ = ("content", "meta", "model", "role", "stop_reason")
    _fields = (
        _Field("role", required=True),
        _Field("content", required=True, convert=_sampling_content),
        _Field("model", required=True, convert=_str),
        _Field("stop_reason"),
        _META,
    )

    role: Role
    content: SamplingContent | list[SamplingContent]
    model: str
    stop_reason: str | None
    meta: dict[str, Any] | None
    if TYPE_CHECKING:
        stopReason: str | None

    def _check(self) -> None:
        _check_role(self)


class Root(_Model):
    """A root the client exposes (from ``roots/list``): ``uri`` (a ``file://`` URI) and an optional
    ``name``."""

    __slots__ = ("meta", "name", "uri")
    _fields = (_Field("uri", required=True, convert=_str), _Field("name"), _META)

    uri: str
    name: str | None
    meta: dict[str, Any] | None


_T = TypeVar("_T")
_ELICIT_ACTIONS = ("accept", "decline", "cancel")


class ElicitResult(_Model, Generic[_T]):
    """The user's answer to an elicitation: ``action`` (``"accept"``, ``"decline"`` or ``"cancel"``),
    ``content`` (the raw form data the client sent, on accept in form mode) and ``data``, the content
    decoded into the requested type (a dataclass or pydantic instance, a dict...; None unless accepted).

    ``accepted`` / ``declined`` / ``cancelled`` test the action. ``to_dict()`` is the wire ``ElicitResult``
    (``action``, ``content``?); ``data`` is not part of it. Built without ``data`` (e.g. by ``from_dict``),
    ``data`` is ``content`` when accepted."""

    __slots__ = ("action", "content", "data", "meta")
    _fields = (_Field("action", required=True), _Field("content", convert=dict), _META)

    action: ElicitAction
    content: dict[str, Any] | None
    data: _T | None
    meta: dict[str, Any] | None

    def __init__(self, *, data: _T | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data is not None:
            self.data = data

    def _check(self) -> None:
        if self.action not in _ELICIT_ACTIONS:
            raise ValueError(
                f"ElicitResult.action must be 'accept', 'decline' or 'cancel', got {self.action!r}"
            )
        self.data = self.content if self.action == "accept" else None  # type: ignore[assignment]

    @property
    def accepted(self) -> bool:
        """The user submitted the form (or agreed to open the URL)."""
        return self.action == "accept"

    @property
    def declined(self) -> bool:
        """The user explicitly declined."""
        return self.action == "decline"

    @property
    def cancelled(self) -> bool:
        """The user dismissed the request without choosing."""
        return self.action == "cancel"

    def __eq__(self, other: object) -> bool:
        result = super().__eq__(other)
        if result is not True:
            return result
        assert isinstance(other, ElicitResult)
        return bool(self.data == other.data)

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.data is not None and self.data != self.content:
            text = f"{text[:-1]}{', ' if text[-2] != '(' else ''}data={self.data!r})"
        return text


class Completion(_Model):
    """The ``completion`` object of a ``completion/complete`` result: ``values`` (at most 100 suggestions),
    ``total`` (how many exist, when known) and ``hasMore``."""

    __slots__ = ("has_more", "total", "values")
    _fields = (_Field("values", required=True, convert=_list_of(_str)), _Field("total"), _Field("has_more"))

    values: list[str]
    total: int | None
    has_more: bool | None
    if TYPE_CHECKING:
        hasMore: bool | None


# What a ``@server.completion()`` function receives (defined beside the code that builds them).
from oxmcp._completion import (  # noqa: E402
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)
