"""The API reference at /api/v1/docs: server-rendered pages built from the OpenAPI
document (ADR 0024), instead of django-ninja's Swagger UI, which failed axe (contrast,
nested interactive controls, no main landmark, no language) and had no viewport for
phones. /api/v1/docs lists every operation by tag; /api/v1/docs?tag=aid shows one tag's
operations with their parameters, request body and responses, then the schemas they use,
each with its fields; every schema name links to it. The raw document stays at
/api/v1/openapi.json. No script, nothing from a CDN.

The document is read once per process (building it takes seconds and it only changes
with the code); the page's own words are translated, the API's descriptions are English
and marked so (lang="en").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
SCHEMA_REF = "#/components/schemas/"


@dataclass
class Field:
    name: str
    type: SafeString
    required: bool
    description: SafeString
    where: str = ""  # a parameter's place: path, query, header, cookie


@dataclass
class Response:
    statuses: list[tuple[str, str]]  # (code, description): those answering with one type
    type: SafeString


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: list[SafeString]
    parameters: list[Field]
    body: SafeString | None
    body_required: bool
    responses: list[Response]


@dataclass
class Group:
    tag: str
    anchor: str
    operations: list[Operation] = field(default_factory=list)
    schema_names: set[str] = field(default_factory=set)  # used by its operations, nested too


@dataclass
class SchemaDoc:
    name: str
    anchor: str
    description: list[SafeString]
    fields: list[Field]
    type: SafeString


@dataclass
class Reference:
    title: str
    version: str
    description: list[SafeString]
    groups: list[Group]
    schemas: dict[str, SchemaDoc]

    def group(self, tag: str) -> Group | None:
        return next((g for g in self.groups if g.tag == tag), None)

    def schemas_of(self, group: Group) -> list[SchemaDoc]:
        return [self.schemas[name] for name in sorted(group.schema_names)]


def schema_anchor(name: str) -> str:
    return "schema-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def inline_markup(text: str) -> SafeString:
    """The little Markdown the descriptions use: `code` and *emphasis*, escaped."""
    html = escape(text)
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    html = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", html)
    return mark_safe(html)  # escaped above; only our own tags added


def paragraphs(text: str | None) -> list[SafeString]:
    blocks = re.split(r"\n\s*\n", (text or "").strip())
    return [inline_markup(" ".join(block.split())) for block in blocks if block.strip()]


def _constraints(schema: dict) -> list[str]:
    words = []
    for key, template in (
        ("minLength", "min. length {}"),
        ("maxLength", "max. length {}"),
        ("minimum", "≥ {}"),
        ("exclusiveMinimum", "> {}"),
        ("maximum", "≤ {}"),
        ("exclusiveMaximum", "< {}"),
        ("minItems", "min. {} items"),
        ("maxItems", "max. {} items"),
        ("pattern", "pattern {}"),
    ):
        if key in schema:
            words.append(template.format(schema[key]))
    return words


def type_html(schema: dict | None) -> SafeString:
    """A schema as a short phrase: a link for a named schema, "array of …", "… or null",
    a format in brackets, an enumeration's values, and the limits."""
    if not schema:
        return mark_safe("any")
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(SCHEMA_REF)
        return format_html('<a href="#{}"><code>{}</code></a>', schema_anchor(name), name)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return SafeString(" or ".join(type_html(option) for option in schema[key]))
    if "allOf" in schema:
        return SafeString(" and ".join(type_html(option) for option in schema["allOf"]))
    kind = schema.get("type", "object" if "properties" in schema else "any")
    if isinstance(kind, list):
        return SafeString(" or ".join(type_html({**schema, "type": one}) for one in kind))
    if kind == "array":
        text = format_html("array of {}", type_html(schema.get("items")))
    elif "enum" in schema:
        values = format_html_join(", ", "<code>{}</code>", ((v,) for v in schema["enum"]))
        text = format_html("{} ({})", kind, values)
    elif "const" in schema:
        text = format_html("{} <code>{}</code>", kind, schema["const"])
    elif schema.get("format"):
        text = format_html("{} ({})", kind, schema["format"])
    else:
        text = escape(kind)
    extra = _constraints(schema)
    if extra:
        text = format_html('{} <span class="muted">{}</span>', text, ", ".join(extra))
    return SafeString(text)


def _fields(schema: dict) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(
            name=name,
            type=type_html(prop),
            required=name in required,
            description=inline_markup(prop.get("description", "")),
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def _media_type(content: dict) -> SafeString | None:
    if not content:
        return None
    media, body = next(iter(content.items()))
    if media == "application/json":
        return type_html(body.get("schema"))
    return format_html("<code>{}</code>: {}", media, type_html(body.get("schema")))


def _operation(path: str, method: str, op: dict) -> Operation:
    parameters = [
        Field(
            name=p["name"],
            type=type_html(p.get("schema")),
            required=bool(p.get("required")),
            description=inline_markup(
                p.get("description") or p.get("schema", {}).get("description", "")
            ),
            where=p.get("in", ""),
        )
        for p in op.get("parameters", [])
    ]
    body = op.get("requestBody") or {}
    responses: dict[str, Response] = {}  # the error codes share one line: "400, 401, …: Error"
    for status, answer in op.get("responses", {}).items():
        kind = _media_type(answer.get("content", {})) or SafeString("")
        line = responses.setdefault(str(kind), Response([], kind))
        line.statuses.append((status, answer.get("description", "")))
    return Operation(
        method=method.upper(),
        path=path,
        anchor=slugify(op.get("operationId") or f"{method}-{path}"),
        summary=op.get("summary", ""),
        description=paragraphs(op.get("description")),
        parameters=parameters,
        body=_media_type(body.get("content", {})),
        body_required=bool(body.get("required")),
        responses=list(responses.values()),
    )


def _refs(node: Any) -> set[str]:
    """The names of the schemas a part of the document refers to (not following them)."""
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(SCHEMA_REF)} if "$ref" in node else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node)) if node else set()
    return set()


def _closure(names: set[str], components: dict) -> set[str]:
    """`names` with every schema they use, however deep."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in components:
            continue
        seen.add(name)
        todo.extend(_refs(components[name]))
    return seen


def build(document: dict[str, Any]) -> Reference:
    """The reference's content from an OpenAPI document."""
    components = document.get("components", {}).get("schemas", {})
    groups: dict[str, Group] = {}
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            tag = (op.get("tags") or ["other"])[0]
            group = groups.setdefault(tag, Group(tag, "tag-" + slugify(tag)))
            group.operations.append(_operation(path, method, op))
            group.schema_names |= _closure(_refs(op), components)
    schemas = {
        name: SchemaDoc(
            name=name,
            anchor=schema_anchor(name),
            description=paragraphs(schema.get("description")),
            fields=_fields(schema),
            type=type_html({k: v for k, v in schema.items() if k not in ("title", "properties")})
            if "properties" not in schema
            else mark_safe("object"),
        )
        for name, schema in sorted(components.items())
    }
    info = document.get("info", {})
    return Reference(
        title=info.get("title", ""),
        version=info.get("version", ""),
        description=paragraphs(info.get("description")),
        groups=list(groups.values()),
        schemas=schemas,
    )


class ApiReference(DocsBase):
    """django-ninja's docs hook: serves the reference page at the API's docs URL."""

    template = "core/api_reference.html"

    def __init__(self) -> None:
        self._built: dict[tuple, Reference] = {}

    def reference(self, api: NinjaAPI, path_params: dict) -> Reference:
        key = tuple(sorted(path_params.items()))
        if key not in self._built:
            self._built[key] = build(api.get_openapi_schema(path_params=path_params))
        return self._built[key]

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        """Without `?tag=`: the contents (every operation, by tag); with it: that tag's
        operations in full and the schemas they use."""
        reference = self.reference(api, kwargs)
        tag = request.GET.get("tag")
        group = reference.group(tag) if tag else None
        if tag and group is None:
            raise Http404("There is no such part of the API.")
        context = {
            "reference": reference,
            "group": group,
            "schemas": reference.schemas_of(group) if group else [],
            "openapi_url": self.get_openapi_url(api, kwargs),
        }
        return render(request, self.template, context)
