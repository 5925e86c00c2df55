"""Aid matrix: help request pages and endpoints. build() adds a submitted request of the
user's (to review, approve and reject); the base's approved request is closed, and its need
lines are read, added to and changed."""

from django_scopes import scope

from kindred.aid.models import HelpRequest, NeedLine
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


NEW_NOTE = "Matrix new request"


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
        "note": NEW_NOTE,
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


# What the writes change (Endpoint.effect).


def _created(w) -> bool:
    """The page's new request: the household's, with its note and 1 toy (urgency 2)."""
    return HelpRequest.objects.filter(
        household=w.household,
        note=NEW_NOTE,
        lines__item_type=w.goods["toy"],
        lines__quantity=1,
        lines__urgency=2,
    ).exists()


def _api_created(w) -> bool:
    """The API's new request: the household's, for 1 winter jacket in size 110."""
    return HelpRequest.objects.filter(
        household=w.household,
        lines__item_type=w.goods["jacket"],
        lines__sizes=["110"],
        lines__quantity=1,
    ).exists()


def _lines_raised(w) -> bool:
    """Each line of the request asks for one more: 3 jackets (were 2), 2 toys (was 1)."""
    lines = NeedLine.objects.filter(request=w.aid["request"])
    quantities = dict(lines.values_list("item_type_id", "quantity"))
    return quantities == {w.goods["jacket"].pk: 3, w.goods["toy"].pk: 2}


def _line_added(w) -> bool:
    return NeedLine.objects.filter(
        request=w.aid["request"], item_type=w.goods["toy"], quantity=2, urgency=3
    ).exists()


def _line_changed(w) -> bool:
    return NeedLine.objects.filter(pk=w.aid["line"].pk, quantity=3).exists()


def _submitted_now(w, status: str, **more) -> bool:
    """The submitted request has `status` now (and the values in `more`)."""
    return HelpRequest.objects.filter(pk=w.aid["submitted"].pk, status=status, **more).exists()


def _in_review(w) -> bool:
    return _submitted_now(w, HelpRequest.Status.IN_REVIEW)


def _approved(w) -> bool:
    return _submitted_now(w, HelpRequest.Status.APPROVED, decided_at__isnull=False)


def _rejected(w) -> bool:
    return _submitted_now(w, HelpRequest.Status.REJECTED, rejection_reason="No")


def _closed(w) -> bool:
    return HelpRequest.objects.filter(
        pk=w.aid["request"].pk, status=HelpRequest.Status.CLOSED, closed_at__isnull=False
    ).exists()


def _pickup_site_chosen(w) -> bool:
    return HelpRequest.objects.filter(pk=w.aid["request"].pk, pickup_site=w.site).exists()


PAGES: list = [
    Endpoint("page", "aid:requests", "GET", VIEW),
    Endpoint("page", "aid:requests", "GET", VIEW, query=lambda w: {"q": "H-", "sort": "urgent"}),
    Endpoint("page", "aid:request", "GET", VIEW, _request),
    Endpoint("page", "aid:request-new", "GET", SUBMIT),
    Endpoint(
        "page",
        "aid:request-new",
        "POST",
        SUBMIT,
        data=_new_request,
        effect=_created,
        audit="aid.request_created",
    ),
    Endpoint("page", "aid:request-lines", "GET", SUBMIT, _request),
    Endpoint(
        "page",
        "aid:request-lines",
        "POST",
        SUBMIT,
        _request,
        _edit_lines,
        effect=_lines_raised,
        audit="aid.request_lines_changed",
    ),
    Endpoint(
        "page",
        "aid:request-review",
        "POST",
        REVIEW,
        _submitted,
        effect=_in_review,
        audit="aid.request_review_started",
    ),
    Endpoint(
        "page",
        "aid:request-approve",
        "POST",
        REVIEW,
        _submitted,
        lambda w: {},
        effect=_approved,
        audit="aid.request_approved",
    ),
    Endpoint(
        "page",
        "aid:request-reject",
        "POST",
        REVIEW,
        _submitted,
        lambda w: {"reject-reason": "No"},
        effect=_rejected,
        audit="aid.request_rejected",
    ),
    Endpoint(
        "page",
        "aid:request-close",
        "POST",
        REVIEW,
        _request,
        lambda w: {"close-reason": "Done"},
        effect=_closed,
        audit="aid.request_closed",
    ),
    Endpoint(
        "page",
        "aid:request-pickup-site",
        "POST",
        SUBMIT,
        _request,
        lambda w: {"pickup-site": w.site.pk},
        effect=_pickup_site_chosen,
        audit="aid.request_pickup_site_changed",
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
        effect=_api_created,
        audit="aid.request_created",
    ),
    Endpoint("api", REQUEST, "GET", VIEW, _request),
    Endpoint(
        "api",
        REQUEST + "/review",
        "POST",
        REVIEW,
        _submitted,
        effect=_in_review,
        audit="aid.request_review_started",
    ),
    Endpoint(
        "api",
        REQUEST + "/approve",
        "POST",
        REVIEW,
        _submitted,
        lambda w: {},
        effect=_approved,
        audit="aid.request_approved",
    ),
    Endpoint(
        "api",
        REQUEST + "/reject",
        "POST",
        REVIEW,
        _submitted,
        lambda w: {"reason": "No"},
        effect=_rejected,
        audit="aid.request_rejected",
    ),
    Endpoint(
        "api",
        REQUEST + "/close",
        "POST",
        REVIEW,
        _request,
        lambda w: {},
        effect=_closed,
        audit="aid.request_closed",
    ),
    Endpoint(
        "api",
        REQUEST + "/pickup-site",
        "POST",
        SUBMIT,
        _request,
        lambda w: {"site_id": w.site.pk},
        effect=_pickup_site_chosen,
        audit="aid.request_pickup_site_changed",
    ),
    Endpoint("api", REQUEST + "/lines", "GET", VIEW, _request),
    Endpoint(
        "api",
        REQUEST + "/lines",
        "POST",
        SUBMIT,
        _request,
        lambda w: {"item_type": "toy", "quantity": 2, "urgency": 3},
        effect=_line_added,
        audit="aid.request_lines_changed",
    ),
    Endpoint(
        "api",
        REQUEST + "/lines/{line_id}",
        "PATCH",
        SUBMIT,
        _line,
        lambda w: {"quantity": 3},
        effect=_line_changed,
        audit="aid.request_lines_changed",
    ),
]
