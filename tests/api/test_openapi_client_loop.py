"""The whole in-kind loop driven through the API by a client that knows nothing but the
OpenAPI document, as an integrator's generated client would: household → intake → request
→ approval → allocation → confirmation → distribution day and booking → handout.

`DocumentClient` loads /api/v1/openapi.json once and finds each operation by its
operationId. It fills the path parameters the operation documents, puts in the query string
only documented parameters, and builds the JSON body by walking the documented request
schema: a field the schema does not name, or a required field left out, stops it before
anything is sent (`CannotProceed`). The body it built is validated against the documented
schema (jsonschema, JSON Schema 2020-12 as OpenAPI 3.1 uses) before it is sent, and every
answer against the schema documented for its status. The integrator's own knowledge is only
values: names, quantities, dates — and the catalogue's codes, read through the API.

The loop runs once per module (a shared build); the tests look at what a user would notice.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, TestCase
from jsonschema import Draft202012Validator

from tests.conftest import api_token
from tests.shared import shared

pytestmark = pytest.mark.django_db

JACKET = "child-winter-jacket"


class CannotProceed(AssertionError):
    """The document does not let the client build the request or read the answer."""


class DocumentClient:
    """A generic client built from the OpenAPI document alone."""

    def __init__(self, token: str, document: dict | None = None):
        self.http = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        if document is None:
            response = self.http.get("/api/v1/openapi.json")
            assert response.status_code == 200
            document = response.json()
        self.document = document
        self.operations: dict[str, tuple[str, str, dict]] = {}
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    self.operations[operation["operationId"]] = (method, path, operation)
        self.sent: list[str] = []  # the operationIds called, in order

    # The document -------------------------------------------------------------------------

    def operation(self, name: str) -> tuple[str, str, dict]:
        """By operationId, or by a unique ending of it ("request_approve")."""
        if name in self.operations:
            return self.operations[name]
        found = [k for k in self.operations if k.endswith("_" + name)]
        if len(found) != 1:
            raise CannotProceed(f"no single operation named {name!r}: {found}")
        return self.operations[found[0]]

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                raise CannotProceed(f"a reference outside the document: {ref}")
            node: Any = self.document
            for part in ref[2:].split("/"):
                node = node[part]
            schema = node
        return schema

    def validate(self, schema: dict, value: Any, what: str) -> None:
        root = {**schema, "components": self.document.get("components", {})}
        validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
            raise CannotProceed(f"{what} does not match the document:\n" + "\n".join(lines))

    def build(self, schema: dict, value: Any, where: str = "body") -> Any:
        """`value` shaped by `schema`: only the fields it documents, each built by its own
        schema; a required field missing or an undocumented one stops the client."""
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                for option in schema[key]:
                    if self._fits(self.resolve(option), value):
                        return self.build(option, value, where)
                raise CannotProceed(f"{where}: {value!r} fits none of {schema[key]}")
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.build(schema["allOf"][0], value, where)
        if schema.get("type") == "object" or "properties" in schema:
            if not isinstance(value, dict):
                raise CannotProceed(f"{where}: the document wants an object")
            properties = schema.get("properties", {})
            unknown = set(value) - set(properties)
            if unknown and schema.get("additionalProperties") is not True:
                raise CannotProceed(f"{where}: the document has no field {sorted(unknown)}")
            missing = set(schema.get("required", ())) - set(value)
            if missing:
                raise CannotProceed(f"{where}: required by the document: {sorted(missing)}")
            return {
                name: self.build(properties.get(name, {}), item, f"{where}.{name}")
                for name, item in value.items()
            }
        if schema.get("type") == "array":
            if not isinstance(value, list):
                raise CannotProceed(f"{where}: the document wants a list")
            items = schema.get("items", {})
            return [self.build(items, item, f"{where}[{i}]") for i, item in enumerate(value)]
        if "enum" in schema and value not in schema["enum"]:
            raise CannotProceed(f"{where}: {value!r} is not one of {schema['enum']}")
        return value

    @staticmethod
    def _fits(schema: dict, value: Any) -> bool:
        kind = schema.get("type")
        if kind is None:
            return True
        kinds = kind if isinstance(kind, list) else [kind]
        checks = {
            "null": value is None,
            "object": isinstance(value, dict),
            "array": isinstance(value, list),
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
        }
        return any(checks.get(k, False) for k in kinds)

    # Calls --------------------------------------------------------------------------------

    def call(
        self,
        name: str,
        body: Any = None,
        *,
        expect: int | None = None,
        query: dict | None = None,
        **path: Any,
    ) -> Any:
        method, template, operation = self.operation(name)
        parameters = operation.get("parameters", [])
        url = template
        for parameter in parameters:
            if parameter["in"] != "path":
                continue
            if parameter["name"] not in path:
                raise CannotProceed(f"{name}: path parameter {parameter['name']} not given")
            url = url.replace("{" + parameter["name"] + "}", str(path.pop(parameter["name"])))
        if path:
            raise CannotProceed(f"{name}: the document has no path parameter {sorted(path)}")
        if "{" in url:
            raise CannotProceed(f"{name}: {url} has an undocumented path parameter")
        documented_query = {p["name"] for p in parameters if p["in"] == "query"}
        if query and set(query) - documented_query:
            raise CannotProceed(
                f"{name}: undocumented query {sorted(set(query) - documented_query)}"
            )

        kwargs: dict[str, Any] = {}
        request_body = operation.get("requestBody")
        if body is not None:
            if request_body is None:
                raise CannotProceed(f"{name}: the document takes no body")
            schema = request_body["content"]["application/json"]["schema"]
            built = self.build(schema, body)
            self.validate(schema, built, f"{name}: the request body")
            kwargs = {"data": json.dumps(built), "content_type": "application/json"}
        elif request_body is not None and request_body.get("required"):
            raise CannotProceed(f"{name}: the document requires a body")
        if method == "get":
            response = self.http.get(url, query or {})
        else:
            if query:
                url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
            response = getattr(self.http, method)(url, **kwargs)
        self.sent.append(operation["operationId"])

        documented = operation.get("responses", {}).get(str(response.status_code))
        if documented is None:
            raise CannotProceed(
                f"{name}: status {response.status_code} is not documented: {response.content!r}"
            )
        payload = response.json() if response.content else None
        content = documented.get("content", {}).get("application/json")
        if content is not None:
            self.validate(content["schema"], payload, f"{name}: the {response.status_code} answer")
        if expect is not None:
            assert response.status_code == expect, (name, response.status_code, payload)
        elif response.status_code >= 400:
            raise AssertionError(f"{name}: {response.status_code} {payload}")
        return payload


# The loop, once per module ----------------------------------------------------------------


def _today_and_a_free_slot(client: DocumentClient, org_slug: str, zone: ZoneInfo, site_id):
    """A distribution day today (or tomorrow, late at night) at the site, and its first slot
    that is not over yet."""
    now = datetime.now(zone)
    day_date = now.date() if now.hour < 23 else now.date() + timedelta(days=1)
    offset = datetime.combine(day_date, datetime.min.time(), zone).strftime("%z")
    offset = offset[:3] + ":" + offset[3:]
    day = client.call(
        "day_create",
        {
            "site_id": site_id,
            "date": day_date.isoformat(),
            "starts_at": f"00:00:00{offset}",
            "ends_at": f"23:59:00{offset}",
            "slot_minutes": 30,
            "capacity": 5,
            "note": "Winter clothes",
        },
        slug=org_slug,
        expect=201,
    )
    slots = client.call("day_slots", slug=org_slug, day_id=day["id"])
    soon = now + timedelta(minutes=5)
    free = next(s for s in slots if datetime.fromisoformat(s["end"]) > soon and s["free"] > 0)
    return day, free, day_date != now.date()


@shared(readonly=True)
def loop(personas):
    org = personas.org
    slug = org.slug
    client = DocumentClient(api_token(org, personas.coordinator))
    seen: dict[str, Any] = {"client": client}

    # A site with a shelf, where the goods come in and go out.
    site = client.call(
        "site_create",
        {"name": "Warehouse North", "kind": "warehouse", "street": "Havnegade 4", "city": "Aarhus"},
        slug=slug,
        expect=201,
    )
    shelf = client.call(
        "location_create",
        {"site_id": site["id"], "name": "Shelf A", "kind": "shelf"},
        slug=slug,
        expect=201,
    )
    catalogue = client.call("catalogue", slug=slug)
    jacket = next(
        t for c in catalogue["categories"] for t in c["item_types"] if t["code"] == JACKET
    )
    seen |= {"site": site, "shelf": shelf, "jacket": jacket}

    # 1. A household, registered in one call with its members and their lawful basis.
    household = client.call(
        "household_register",
        {
            "label": "Hansen",
            "street": "Vestergade 12",
            "postcode": "8000",
            "city": "Aarhus",
            "country": "DK",
            "members": [
                {
                    "given_name": "Mette",
                    "family_name": "Hansen",
                    "relation": "head",
                    "phone": "+4520304050",
                    "birth_date": "1988-03-14",
                },
                {
                    "given_name": "Emil",
                    "family_name": "Hansen",
                    "relation": "child",
                    "birth_date": "2018-06-01",
                },
                {
                    "given_name": "Ida",
                    "family_name": "Hansen",
                    "relation": "child",
                    "birth_date": "2020-09-21",
                },
            ],
            "lawful_basis": "legitimate_interest",
        },
        slug=slug,
        expect=201,
    )
    head = next(m for m in household["members"] if m["relation"] == "head")

    # 2. An intake: a donation of four jackets, two in each child's size, onto the shelf.
    receipt = client.call(
        "receipt_create",
        {
            "site_id": site["id"],
            "channel": "drop_off",
            "donor_kind": "anonymous",
            "idempotency_key": "loop-receipt-1",
            "lines": [
                {
                    "item_type_id": jacket["id"],
                    "size": "110",
                    "grade": "good",
                    "quantity": 2,
                    "location_id": shelf["id"],
                },
                {
                    "item_type_id": jacket["id"],
                    "size": "128",
                    "grade": "good",
                    "quantity": 2,
                    "location_id": shelf["id"],
                },
            ],
        },
        slug=slug,
        expect=201,
    )
    stock_before = client.call(
        "balance_list", slug=slug, query={"site": site["id"], "page_size": 200}
    )

    # 3. A help request: one jacket for each child, to be collected at the warehouse.
    request = client.call(
        "request_create",
        {
            "household_id": household["id"],
            "applicant_id": head["person_id"],
            "lines": [
                {"item_type": jacket["id"], "sizes": ["110"], "quantity": 1, "urgency": 3},
                {"item_type": JACKET, "sizes": ["128"], "quantity": 1, "urgency": 2},
            ],
            "note": "Two children without winter jackets",
            "pickup_site_id": site["id"],
        },
        slug=slug,
        expect=201,
    )

    # 4. Reviewed and approved.
    client.call("request_review", slug=slug, request_id=request["id"])
    approved = client.call("request_approve", {}, slug=slug, request_id=request["id"])

    # 5. An allocation run at the site (solved in the background: here, when it commits).
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = client.call("run_create", {"site_ids": [site["id"]]}, slug=slug, expect=201)
    proposal = client.call("run_detail", slug=slug, run_id=run["id"])

    # 6. Confirmed: the goods are reserved.
    reservations = client.call("run_confirm", slug=slug, run_id=run["id"])

    # 7. A distribution day at the site, and the household booked into one of its slots.
    zone = ZoneInfo(org.time_zone)
    day, slot, other_day = _today_and_a_free_slot(client, slug, zone, site["id"])
    booking = client.call(
        "booking_create",
        {
            "request_id": request["id"],
            "day_id": day["id"],
            "slot_start": slot["start"],
            "notify": False,
        },
        slug=slug,
        expect=201,
    )

    # 8. The household comes: everything reserved is handed out, on the booking's day at its
    # site (late at night the day is tomorrow's: the station's override says so).
    [reservation] = reservations
    handout_body: dict[str, Any] = {"booking_id": booking["id"], "site_id": site["id"]}
    if other_day:
        handout_body["confirm"] = ["other_day"]
    handout = client.call(
        "reservation_hand_out",
        handout_body,
        slug=slug,
        reservation_id=reservation["id"],
        expect=201,
    )

    seen |= {
        "household": household,
        "receipt": receipt,
        "stock_before": stock_before,
        "request": request,
        "approved": approved,
        "run": run,
        "proposal": proposal,
        "reservation": reservation,
        "day": day,
        "booking": booking,
        "handout": handout,
        "request_after": client.call("request_detail", slug=slug, request_id=request["id"]),
        "reservation_after": client.call(
            "reservation_detail", slug=slug, reservation_id=reservation["id"]
        ),
        "bookings_after": client.call("booking_list", slug=slug, query={"page_size": 200}),
        "stock_after": client.call(
            "balance_list",
            slug=slug,
            query={"site": site["id"], "page_size": 200, "include_empty": "true"},
        ),
        "household_after": client.call("household_detail", slug=slug, household_id=household["id"]),
    }
    return seen


def _units(balances: dict, jacket_id: int) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in balances["items"]:
        if row["item_type_id"] == jacket_id:
            totals[row["size"]] = totals.get(row["size"], 0) + Decimal(str(row["quantity"]))
    return totals


# What a user would notice -----------------------------------------------------------------


def test_the_family_is_registered_with_its_three_members(loop):
    household = loop["household_after"]
    names = sorted(m["person_name"] for m in household["members"])
    assert names == ["Emil Hansen", "Ida Hansen", "Mette Hansen"]
    assert household["size"] == 3


def test_the_donation_came_into_stock_and_the_handout_took_it_out(loop):
    jacket_id = loop["jacket"]["id"]
    assert [Decimal(str(line["quantity"])) for line in loop["receipt"]["lines"]] == [2, 2]
    assert _units(loop["stock_before"], jacket_id) == {"110": 2, "128": 2}
    assert _units(loop["stock_after"], jacket_id) == {"110": 1, "128": 1}


def test_the_request_went_from_submitted_to_fulfilled(loop):
    assert loop["request"]["status"] == "submitted"
    assert loop["approved"]["status"] == "approved"
    after = loop["request_after"]
    assert after["status"] == "closed"  # everything asked for was handed out
    assert [(line["handed_out"], line["open"]) for line in after["lines"]] == [(1, 0), (1, 0)]


def test_the_allocation_reserved_both_jackets_at_the_pickup_site(loop):
    proposal = loop["proposal"]
    assert proposal["status"] == "proposed"
    assert sorted(line["size"] for line in proposal["lines"]) == ["110", "128"]
    reservation = loop["reservation"]
    assert reservation["site_id"] == loop["site"]["id"]
    assert sum(line["quantity"] for line in reservation["lines"]) == 2
    assert (reservation["status"], loop["reservation_after"]["status"]) == ("active", "handed_out")


def test_the_booking_is_done_and_the_handout_names_it(loop):
    handout = loop["handout"]
    assert handout["kind"] == "full"
    assert handout["booking_id"] == loop["booking"]["id"]
    assert handout["site_id"] == loop["site"]["id"]
    assert sum(line["quantity"] for line in handout["lines"]) == 2
    [booking] = [b for b in loop["bookings_after"]["items"] if b["id"] == loop["booking"]["id"]]
    assert (loop["booking"]["status"], booking["status"]) == ("booked", "attended")


def test_every_step_went_through_the_document(loop):
    sent = loop["client"].sent
    for step in (
        "household_register",
        "receipt_create",
        "request_create",
        "request_approve",
        "run_create",
        "run_confirm",
        "day_create",
        "booking_create",
        "reservation_hand_out",
    ):
        assert any(s.endswith("_" + step) for s in sent), step


def test_the_client_refuses_what_the_document_does_not_say(loop, org):
    client = loop["client"]
    with pytest.raises(CannotProceed, match="no field"):
        client.call("request_approve", {"reason": "x"}, slug=org.slug, request_id=1)
    with pytest.raises(CannotProceed, match="required"):
        client.call("day_create", {"date": "2026-01-01"}, slug=org.slug)
    with pytest.raises(CannotProceed, match="path parameter"):
        client.call("request_detail", slug=org.slug)


def test_another_organisation_sees_none_of_it(loop, other_org, outsider):
    theirs = DocumentClient(api_token(other_org, outsider), loop["client"].document)
    for name, params in (
        ("household_detail", {"household_id": loop["household"]["id"]}),
        ("request_detail", {"request_id": loop["request"]["id"]}),
        ("reservation_detail", {"reservation_id": loop["reservation"]["id"]}),
        ("handout_detail", {"handout_id": loop["handout"]["id"]}),
    ):
        theirs.call(name, slug=other_org.slug, expect=404, **params)
        # Their token does not open our organisation either.
        theirs.call(name, slug="home", expect=404, **params)
    bookings = theirs.call("booking_list", slug=other_org.slug)
    assert loop["booking"]["id"] not in [b["id"] for b in bookings["items"]]
