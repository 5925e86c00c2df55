"""Aid matrix: help request pages and endpoints. build() adds a submitted request of the
user's (to review, approve and reject); the base's approved request is closed, and its need
lines are read, added to and changed."""

from django_scopes import scope

from kindred.aid.models import HelpRequest
from kindred.core.roles import Action
from tests.aid.builders import help_request
from tests.core.endpoint import ORG_API_PREFIX, Endpoint

VIEW = Action.VIEW_REQUESTS
SUBMIT = Action.SUBMIT_REQUESTS
REVIEW = Action.REVIEW_REQUESTS
REQUESTS = ORG_API_PREFIX + "/aid/requests"
REQUEST = REQUESTS + "/{request_id}"


def build(world, owner) -> None:
    world.aid["submitted"] = help_request(
        world.org,
        world.household,
        [("toy", [], 1, 2)],
        status=HelpRequest.Status.SUBMITTED,
        created_by=owner,
    )
    with scope(organization=world.org):
        world.aid["line"] = world.aid["request"].lines.order_by("pk").first()


def _request(w) -> dict:
    return {"request_id": w.aid["request"].pk}


def _submitted(w) -> dict:
    return {"request_id": w.aid["submitted"].pk}


def _line(w) -> dict:
    return {"request_id": w.aid["request"].pk, "line_id": w.aid["line"].pk}


def _formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def _new_request(w) -> dict:
    return {
        "household": str(w.household.pk),
        **_formset(
            "lines",
            [{"item_type": str(w.goods["toy"].pk), "quantity": "1", "urgency": "2"}],
        ),
    }


def _edit_lines(w) -> dict:
    rows = []
    with scope(organization=w.org):
        for line in w.aid["request"].lines.order_by("pk"):
            rows.append(
                {
                    "id": str(line.pk),
                    "item_type": str(line.item_type_id),
                    "sizes": ", ".join(line.sizes),
                    "quantity": str(line.quantity + 1),
                    "urgency": str(line.urgency),
                }
            )
    return _formset("lines", rows, initial=len(rows))


PAGES: list = [
    Endpoint("page", "aid:requests", "GET", VIEW),
    Endpoint("page", "aid:requests", "GET", VIEW, query=lambda w: {"q": "H-", "sort": "urgent"}),
    Endpoint("page", "aid:request", "GET", VIEW, _request),
    Endpoint("page", "aid:request-new", "GET", SUBMIT),
    Endpoint("page", "aid:request-new", "POST", SUBMIT, data=_new_request),
    Endpoint("page", "aid:request-lines", "GET", SUBMIT, _request),
    Endpoint("page", "aid:request-lines", "POST", SUBMIT, _request, _edit_lines),
    Endpoint("page", "aid:request-review", "POST", REVIEW, _submitted),
    Endpoint("page", "aid:request-approve", "POST", REVIEW, _submitted, lambda w: {}),
    Endpoint(
        "page", "aid:request-reject", "POST", REVIEW, _submitted, lambda w: {"reject-reason": "No"}
    ),
    Endpoint(
        "page", "aid:request-close", "POST", REVIEW, _request, lambda w: {"close-reason": "Done"}
    ),
]

API: list = [
    Endpoint("api", REQUESTS, "GET", VIEW),
    Endpoint(
        "api",
        REQUESTS,
        "POST",
        SUBMIT,
        data=lambda w: {
            "household_id": w.household.pk,
            "lines": [{"item_type": "child-winter-jacket", "sizes": ["110"], "quantity": 1}],
        },
    ),
    Endpoint("api", REQUEST, "GET", VIEW, _request),
    Endpoint("api", REQUEST + "/review", "POST", REVIEW, _submitted),
    Endpoint("api", REQUEST + "/approve", "POST", REVIEW, _submitted, lambda w: {}),
    Endpoint("api", REQUEST + "/reject", "POST", REVIEW, _submitted, lambda w: {"reason": "No"}),
    Endpoint("api", REQUEST + "/close", "POST", REVIEW, _request, lambda w: {}),
    Endpoint("api", REQUEST + "/lines", "GET", VIEW, _request),
    Endpoint(
        "api",
        REQUEST + "/lines",
        "POST",
        SUBMIT,
        _request,
        lambda w: {"item_type": "toy", "quantity": 2, "urgency": 3},
    ),
    Endpoint(
        "api", REQUEST + "/lines/{line_id}", "PATCH", SUBMIT, _line, lambda w: {"quantity": 3}
    ),
]
