"""The OpenAPI description is valid and lists every endpoint the API serves."""

from __future__ import annotations

import functools
import re
from collections import defaultdict

from django.test import Client
from ninja import Schema
from openapi_spec_validator import validate

import kindred.api.api  # noqa: F401 (every router, with its schemas)
from kindred.api.api import api

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def registered_operations() -> set[tuple[str, str]]:
    """(METHOD, /api/v1/path) for every operation on the ninja API object's routers."""
    operations = set()
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = re.sub(r"/+", "/", f"/api/v1/{bound.prefix}/{path}")
            for operation in path_view.operations:
                if operation.include_in_schema:
                    operations |= {(method, full) for method in operation.methods}
    return operations


@functools.cache
def schema() -> dict:
    """The document as served, fetched once for the module (about 2 s to build it)."""
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_document_is_valid(db):
    validate(schema())


def test_openapi_lists_every_registered_endpoint(db):
    documented = {
        (method.upper(), path)
        for path, item in schema()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    registered = registered_operations()
    assert len(registered) >= 15
    assert documented == registered


def test_openapi_documents_the_error_shape_and_token_auth(db):
    doc = schema()
    error = doc["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "errors"}
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                assert operation.get("security"), f"{method} {path} is not authenticated"


def test_api_documentation_page_answers(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_no_two_api_schemas_share_a_name():
    """The OpenAPI document names each body and answer schema after its class: of two
    classes of one name, one operation is documented with the other's schema. Three
    `LineIn`s and two `CorrectionIn`s had new receipts, receipt corrections, stock
    corrections and allocation-run lines documented, and fuzzed, with the body of another
    operation (hand-out lines), which no request following the document could get past."""

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    modules = defaultdict(set)
    for cls in subclasses(Schema):
        if cls.__module__.startswith("kindred."):
            modules[cls.__name__].add(cls.__module__)
    assert {name: where for name, where in modules.items() if len(where) > 1} == {}
