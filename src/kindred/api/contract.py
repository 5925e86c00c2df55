"""What every API operation checks before its view runs, in this order (ADR 0023):

1. **Who** (ninja's auth: 401 without a valid token or session).
2. **Where and what**: the caller is a member of the organisation in the path (else 404,
   revealing nothing about it) whose role may take the operation's action (else 403) —
   before the input is read, so a role that may not use an operation learns nothing about
   what it would accept, and gets the same 403 whatever it sends. `org_endpoint` (auth.py)
   declares the action; it checks again in the view, for callers outside the API object.
3. **Strict types**: pydantic's lax mode reads `"yes"` as true, `0.5` or `"0"` as a moment
   (seconds since 1970), `"5"` as 5, and ninja's schemas read any value's attributes, so an
   array passed for an object whose fields all have defaults. The request's values are
   first held to the JSON types the OpenAPI document gives (a boolean is true or false; an
   integer is a number whose fraction is zero; a date, a moment and a time are ISO 8601
   strings; an object is an object, a list a list), then validated by pydantic as before.
   In a query string every value is text: a boolean is `true` or `false`, an integer
   digits, a date or moment ISO 8601.

Installed on every operation of the API object once its routers are added (`install`).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pydantic
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import ValidationError
from pydantic import BaseModel

from kindred.core.roles import can

from .auth import membership_for_request

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*")
TIME = re.compile(r"\d{2}:\d{2}.*")
INTEGER = re.compile(r"-?\d+")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
NONE = type(None)


def _problem(kind: str, loc: tuple) -> dict:
    return {"type": kind, "loc": loc, "msg": kind}


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def problems(annotation: Any, value: Any, loc: tuple, *, text: bool) -> Iterator[dict]:
    """Where `value` is not of the JSON type `annotation` stands for (`text`: a query
    string's value). Values pydantic refuses anyway (a string too long, a choice not
    offered) are left to it."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        arms = [arm for arm in typing.get_args(annotation) if arm is not NONE]
        if value is None and len(arms) < len(typing.get_args(annotation)):
            return
        found = [list(problems(arm, value, loc, text=text)) for arm in arms]
        if all(found):
            yield from found[0]
        return
    if value is None or (text and value == ""):
        return  # pydantic says whether it may be left out
    if origin in (list, tuple, set, frozenset):
        if text:
            items = value if isinstance(value, list) else [value]
        elif not isinstance(value, list):
            yield _problem("list_type", loc)
            return
        else:
            items = value
        (item,) = typing.get_args(annotation)[:1] or (Any,)
        for index, element in enumerate(items):
            yield from problems(item, element, (*loc, index), text=text)
        return
    if origin is dict:
        if not isinstance(value, dict):
            yield _problem("dict_type", loc)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(value, annotation):
            return
        if not isinstance(value, dict):
            yield _problem("model_type", loc)
            return
        for name, field in annotation.model_fields.items():
            key = field.alias or name
            if key in value:
                yield from problems(field.annotation, value[key], (*loc, key), text=text)
        return
    kind = _scalar_problem(annotation, value, text=text)
    if kind:
        yield _problem(kind, loc)


def _scalar_problem(annotation: Any, value: Any, *, text: bool) -> str | None:
    if annotation is bool:
        ok = value in {"true", "false"} if text else isinstance(value, bool)
        return None if ok else "bool_type"
    if annotation is int:
        if text:
            ok = isinstance(value, str) and INTEGER.fullmatch(value) is not None
        else:
            # JSON Schema's integer: a number whose fraction is zero (5 or 5.0).
            ok = (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, float) and value.is_integer()
            )
        return None if ok else "int_type"
    if annotation in (float, Decimal):
        if isinstance(value, str):
            ok = NUMBER.fullmatch(value.strip()) is not None
        else:
            ok = not text and isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "decimal_type"
    for kind, pattern, name in ((datetime, MOMENT, "datetime_type"), (date, DATE, "date_type")):
        if annotation is kind:
            ok = isinstance(value, str) and pattern.fullmatch(value.strip()) is not None
            return None if ok else name
    if annotation is time:
        ok = isinstance(value, str) and TIME.fullmatch(value.strip()) is not None
        return None if ok else "time_type"
    return None


def _strict(model: type, source: str):
    """`model.resolve` (ninja's, the same steps) with the request's values held to their
    JSON types before pydantic reads them."""
    # Form fields (a body sent as multipart, with files) are text like a query string's.
    text = source != "body" or hasattr(model, "__ninja_body_params__")
    reverse = getattr(model, "__ninja_flatten_map_reverse__", {})

    def resolve(cls, request: HttpRequest, api: NinjaAPI, path_params: dict) -> Any:
        data = cls.get_request_data(request, api, path_params)
        if data is None:
            return cls()
        data = cls._map_data_paths(data)
        found = [
            {**problem, "loc": (source, *reverse.get(problem["loc"], problem["loc"]))}
            for name, field in cls.model_fields.items()
            if (field.alias or name) in data
            for problem in problems(
                field.annotation, data[field.alias or name], (field.alias or name,), text=text
            )
        ]
        if not found:
            return cls.model_validate(data, context={"request": request})
        # Every field's error in one answer: pydantic's for the other fields as well.
        try:
            cls.model_validate(data, context={"request": request})
        except pydantic.ValidationError as error:
            named = {problem["loc"] for problem in found}
            for item in error.errors(include_url=False):
                loc = (source, *reverse.get(item["loc"], item["loc"]))
                if not any(loc[: len(at)] == at for at in named):
                    found.append({"type": item["type"], "loc": loc, "msg": item["msg"]})
        raise ValidationError(found)

    return classmethod(resolve)


def _permission_first(operation, action):
    get_values = operation._get_values

    def checked(request: HttpRequest, path_params: dict, temporal_response) -> dict:
        membership = membership_for_request(request, path_params.get("slug", ""))
        if membership is None:
            raise Http404
        if not can(membership.role, action):
            raise PermissionDenied
        return get_values(request, path_params, temporal_response)

    return checked


DECIMAL = (
    'A decimal number: answered as a string ("1.5", "3.000"), sent as a string or a JSON number.'
)


def _kindred_models() -> Iterator[type[BaseModel]]:
    seen, pending = set(), list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        if model not in seen:
            seen.add(model)
            pending.extend(model.__subclasses__())
            if model.__module__.startswith("kindred."):
                yield model


def _is_decimal(annotation: Any) -> bool:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_decimal(arm) for arm in typing.get_args(annotation))
    return annotation is Decimal


def _document_decimals(api: NinjaAPI) -> None:
    """Decimals (stock quantities, weights, money) are strings in answers and a string or a
    number in requests; the generated document says only "string": each such property gets
    `format: decimal` and a sentence saying so (docs/api.md, "Values")."""
    generate = api.get_openapi_schema

    def get_openapi_schema(*args, **kwargs):
        document = generate(*args, **kwargs)
        schemas = document.get("components", {}).get("schemas", {})
        for model in _kindred_models():
            properties = schemas.get(model.__name__, {}).get("properties", {})
            for name, field in model.model_fields.items():
                prop = properties.get(field.alias or name)
                if prop is None or not _is_decimal(field.annotation):
                    continue
                for branch in [prop, *prop.get("anyOf", [])]:
                    if branch.get("type") == "string":
                        branch["format"] = "decimal"
                text = prop.get("description", "")
                if DECIMAL not in text:
                    prop["description"] = f"{text} {DECIMAL}".strip()
        return document

    api.get_openapi_schema = get_openapi_schema


def install(api: NinjaAPI) -> None:
    _document_decimals(api)
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    source = model.__ninja_param_source__
                    if source in {"body", "query", "path"}:
                        model.resolve = _strict(model, source)
                action = getattr(operation.view_func, "kindred_action", None)
                if action is not None:
                    operation._get_values = _permission_first(operation, action)
