"""Every API call the test suite makes is checked against the OpenAPI document the server
serves (/api/v1/openapi.json, built once per process): the answer's status and body against
the operation's documented responses, always; the request (path, query, body) against the
operation's documented parameters and body when the server accepted it (2xx) — a test may
send a request the document forbids on purpose, to get its 4xx, but a 2xx for it means the
server accepts what the document does not say.

`install()` wraps `django.test.Client.request` (tests/conftest.py does, for the whole
session); a mismatch raises `OpenApiMismatch` at the call, naming the operation and each
difference. The schemas are checked with jsonschema through openapi-schema-validator's
OpenAPI 3.1 validator and format checker (date, date-time, time, e-mail), which the
document's own validity test already uses: no request or response object model to adapt,
one compiled validator per schema, and a message that points at the offending value.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.test import Client
from jsonschema import Draft202012Validator, FormatChecker
from openapi_schema_validator import OAS31Validator, oas31_format_checker

PREFIX = "/api/v1/"
NOT_CHECKED = {"/api/v1/openapi.json", "/api/v1/docs"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


# OpenAPI 3.1's checker, with JSON Schema 2020-12's "time" (RFC 3339: with its offset) in
# place of its draft-3 one (any HH:MM:SS).
FORMATS = FormatChecker()
FORMATS.checkers = {
    **oas31_format_checker.checkers,
    "time": Draft202012Validator.FORMAT_CHECKER.checkers["time"],
}


class OpenApiMismatch(AssertionError):
    pass


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern
    spec: dict


@functools.cache
def document() -> dict:
    """The document as served (fetched once per process, with the check switched off)."""
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200, response.status_code
    return json.loads(response.content)


@functools.cache
def operations() -> list[Operation]:
    found = []
    for template, item in document()["paths"].items():
        regex = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template))
        for method, spec in item.items():
            if method in HTTP_METHODS:
                found.append(Operation(method.upper(), template, re.compile(regex + "$"), spec))
    # Literal paths before templated ones: /persons/duplicate-check is not /persons/{id}.
    found.sort(key=lambda op: op.template.count("{"))
    return found


@functools.cache
def _validator(schema_json: str) -> OAS31Validator:
    schema = {**json.loads(schema_json), "components": document().get("components", {})}
    return OAS31Validator(schema, format_checker=FORMATS)


def problems_with(schema: dict, value: Any, where: str) -> list[str]:
    validator = _validator(json.dumps(schema, sort_keys=True))
    found = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        at = "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.absolute_path)
        found.append(f"{where}{at}: {_short(error.message)}")
    return found


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _find(method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    for operation in operations():
        if operation.method == method:
            match = operation.pattern.match(path)
            if match:
                return operation, match.groupdict()
    return None


def _candidates(text: str, schema: dict) -> Iterator[Any]:
    """The JSON values a query or path string may stand for under `schema`."""
    yield text
    if re.fullmatch(r"-?\d+", text):
        yield int(text)
    with contextlib.suppress(ValueError):
        yield float(text)
    if text in {"true", "false"}:
        yield text == "true"


def _parameter_problems(spec: dict, where: str, name: str, values: list[str]) -> list[str]:
    schema = spec.get("schema", {})
    is_array = schema.get("type") == "array" or any(
        branch.get("type") == "array" for branch in schema.get("anyOf", [])
    )
    if is_array:
        item_schema = schema.get("items") or next(
            b["items"] for b in schema["anyOf"] if b.get("type") == "array"
        )
        texts = values
    else:
        item_schema, texts = schema, values[-1:]
    found = []
    for text in texts:
        if not any(
            not problems_with(item_schema, value, "") for value in _candidates(text, item_schema)
        ):
            found.append(
                f"{where} parameter {name}={text!r} does not match {_short(json.dumps(item_schema), 200)}"
            )
    return found


def request_problems(
    operation: Operation, path_values: dict, query, content_type, body: bytes
) -> list[str]:
    spec = operation.spec
    found = []
    documented = {(p["in"], p["name"]): p for p in spec.get("parameters", [])}
    for name, text in path_values.items():
        parameter = documented.get(("path", name))
        if parameter is None:
            found.append(f"path parameter {name} is not documented")
        else:
            found += _parameter_problems(parameter, "path", name, [text])
    for name in query:
        parameter = documented.get(("query", name))
        if parameter is None:
            found.append(f"query parameter {name!r} is not documented (the server ignored it)")
        else:
            found += _parameter_problems(parameter, "query", name, query.getlist(name))
    for (where, name), parameter in documented.items():
        if where == "query" and parameter.get("required") and name not in query:
            found.append(f"required query parameter {name} is missing")
    request_body = spec.get("requestBody")
    if (
        content_type.startswith("multipart/")
        and body.strip().endswith(b"--")
        and body.count(b"--") == 2
    ):
        body = b""  # Django's test client's `post(url)` without data: an empty form
    if not body:
        if request_body and request_body.get("required"):
            found.append("the documented request body is required but none was sent")
        return found
    if request_body is None:
        found.append(
            f"a body was sent ({_short(body.decode(errors='replace'), 100)}) but none is documented"
        )
        return found
    media = (content_type or "").split(";")[0].strip()
    content = request_body.get("content", {})
    if media not in content:
        found.append(f"request body of type {media!r}; documented: {sorted(content)}")
        return found
    if media == "application/json":
        try:
            value = json.loads(body)
        except ValueError:
            return [*found, "the request body is not JSON"]
        found += problems_with(content[media].get("schema", {}), value, "request body")
    return found


def response_problems(operation: Operation, response) -> list[str]:
    responses = operation.spec.get("responses", {})
    status = str(response.status_code)
    documented = (
        responses.get(status) or responses.get(f"{status[0]}XX") or responses.get("default")
    )
    if documented is None:
        return [f"status {status} is not documented (documented: {', '.join(responses)})"]
    content = documented.get("content", {})
    media = response.get("Content-Type", "").split(";")[0].strip()
    if getattr(response, "streaming", False) or not response.content:
        if content and not getattr(response, "streaming", False) and response.status_code != 204:
            return ["the answer has no body, but one is documented"]
        return []
    if not content:
        return [f"the answer has a body ({media}) but none is documented for {status}"]
    if media not in content:
        return [f"the answer is {media!r}; documented for {status}: {sorted(content)}"]
    if media != "application/json":
        return []
    try:
        value = json.loads(response.content)
    except ValueError:
        return ["the answer is not JSON"]
    return problems_with(content[media].get("schema", {}), value, "response body")


def check(response) -> None:
    request = response.wsgi_request
    path = request.path_info
    if not path.startswith(PREFIX) or path in NOT_CHECKED or path.startswith("/api/v1/docs"):
        return
    found = _find(request.method, path)
    label = f"{request.method} {request.get_full_path()} answered {response.status_code}"
    if found is None:
        if response.status_code in {404, 405}:
            return  # no such operation, and the server says so
        raise OpenApiMismatch(f"{label}: no operation of the OpenAPI document matches")
    operation, path_values = found
    problems = response_problems(operation, response)
    if 200 <= response.status_code < 300:
        try:
            body = request.body
        except Exception:  # a stream the view read itself: nothing to compare
            body = b""
        problems += [
            f"accepted, but {problem}"
            for problem in request_problems(
                operation, path_values, request.GET, request.content_type, body
            )
        ]
    if problems:
        raise OpenApiMismatch(
            f"{label}, which does not match the OpenAPI document "
            f"({operation.method} {operation.template}):\n  " + "\n  ".join(problems)
        )


_ORIGINAL_REQUEST = Client.request


def _checked_request(self, **environ):
    response = _ORIGINAL_REQUEST(self, **environ)
    if CHECKING:
        check(response)
    return response


CHECKING = True


def install() -> None:
    Client.request = _checked_request


def uninstall() -> None:
    Client.request = _ORIGINAL_REQUEST
