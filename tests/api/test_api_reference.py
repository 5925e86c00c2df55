"""The API reference at /api/v1/docs (ADR 0024): built from the OpenAPI document, every
operation listed by tag, each tag's page with the schemas its operations use, links that
lead somewhere, the document's text escaped, nothing loaded from elsewhere."""

from __future__ import annotations

import functools
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client

from kindred.api.reference import build, type_html

METHODS = {"get", "post", "put", "patch", "delete"}


@functools.cache
def document() -> dict:
    return Client().get("/api/v1/openapi.json").json()


class Page(HTMLParser):
    """The ids, the in-page links and the scripts and stylesheets of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: list[str] = []
        self.anchors: set[str] = set()
        self.assets: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        href = attrs.get("href") or ""
        if tag == "a" and "#" in href:
            self.anchors.add(href.split("#", 1)[1])
        if tag == "script" or (tag == "link" and attrs.get("rel") == "stylesheet"):
            self.assets.append(attrs.get("src") or attrs.get("href") or "inline")


def page(url: str) -> tuple[str, Page]:
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return html, Page(html)


def test_the_contents_list_every_operation_by_tag_and_link_the_document(db):
    operations = [
        (method.upper(), path, op["tags"][0])
        for path, item in document()["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]
    html, parsed = page("/api/v1/docs")
    assert html.count('<li><a href="?tag=') == len(operations)
    for method, path, tag in operations:
        assert f'{method}</span> <code class="api-path">{path}</code>' in html
        assert f'href="?tag={tag}"' in html
    assert 'href="/api/v1/openapi.json"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert all(asset.startswith("/static/") for asset in parsed.assets), parsed.assets


def test_a_tags_page_has_its_operations_and_every_schema_they_use(db):
    html, parsed = page("/api/v1/docs?tag=households")
    ops = [
        path
        for path, item in document()["paths"].items()
        for method, op in item.items()
        if method in METHODS and op["tags"][0] == "households"
    ]
    assert html.count('<article class="card api-op" aria-labelledby="kindred_') == len(ops)
    # Every in-page link (operation to schema, schema to schema) has its target, once.
    assert parsed.anchors <= set(parsed.ids), parsed.anchors - set(parsed.ids)
    assert len(parsed.ids) == len(set(parsed.ids))
    assert "schema-HouseholdOut" in parsed.ids and "schema-Error" in parsed.ids
    assert "schema-ReceiptOut" not in parsed.ids  # another tag's


def test_an_unknown_tag_is_404(db):
    assert Client().get("/api/v1/docs?tag=nothing").status_code == 404


def test_the_documents_text_is_escaped_and_its_little_markdown_rendered(rf):
    reference = build(
        {
            "info": {"title": "T", "version": "1", "description": "Use `a<b>` *here*."},
            "paths": {
                "/x": {
                    "get": {
                        "tags": ["t"],
                        "operationId": "x",
                        "summary": "<script>alert(1)</script>",
                        "parameters": [{"in": "query", "name": "q", "description": "<b>`q`</b>"}],
                        "responses": {"200": {"description": "OK"}},
                    }
                }
            },
            "components": {"schemas": {}},
        }
    )
    assert str(reference.description[0]) == "Use <code>a&lt;b&gt;</code> <em>here</em>."
    request = rf.get("/api/v1/docs?tag=t")
    request.user = AnonymousUser()
    group = reference.group("t")
    html = render_to_string(
        "core/api_reference.html",
        {"reference": reference, "group": group, "schemas": [], "openapi_url": "/o.json"},
        request=request,
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "&lt;b&gt;<code>q</code>&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("schema", "phrase"),
    [
        ({"$ref": "#/components/schemas/PersonOut"}, '<a href="#schema-PersonOut">'),
        ({"type": "array", "items": {"type": "integer"}}, "array of integer"),
        (
            {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
            "string (date) or null",
        ),
        ({"type": "string", "enum": ["a", "b"]}, "string (<code>a</code>, <code>b</code>)"),
        ({"type": "integer", "minimum": 1, "maximum": 200}, "≥ 1, ≤ 200"),
        ({"type": "string", "maxLength": 40}, "max. length 40"),
    ],
)
def test_schemas_read_as_short_phrases(schema, phrase):
    assert phrase in str(type_html(schema))
