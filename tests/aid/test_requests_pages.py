"""Help request pages: the list (search, filters, sorting, pagination, empty state, htmx),
referrers seeing only their own, the new request form (existing or new household, errors on
their fields with a 4xx status), the detail page's decisions and editing need lines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import EligibilityOverride, EligibilityRule, HelpRequest, NeedLine
from kindred.people.models import HouseholdMember
from tests.aid.builders import cap, family, help_request
from tests.conftest import audit_count, item_type, snapshot

Status = HelpRequest.Status


def url(org, name, *args):
    return reverse(f"aid:{name}", args=[org.slug, *args])


def rows(response) -> str:
    return response.content.decode()


@pytest.fixture
def three(org):
    """Three requests: Petrov (urgent, submitted, today), Ivanov (approved, a week ago,
    from a referrer), Sidorov (closed, a month ago, public)."""
    now = timezone.now()
    petrov = help_request(
        org,
        family(org, "Petrov"),
        [("child-winter-jacket", ["110"], 1, 3)],
        status=Status.SUBMITTED,
    )
    ivanov = help_request(
        org,
        family(org, "Ivanov"),
        [("toy", [], 1, 2)],
        status=Status.APPROVED,
        source=HelpRequest.Source.REFERRER,
        submitted_at=now - timedelta(days=7),
    )
    sidorov = help_request(
        org,
        family(org, "Sidorov"),
        [("toy", [], 1, 1)],
        status=Status.CLOSED,
        source=HelpRequest.Source.PUBLIC,
        submitted_at=now - timedelta(days=30),
    )
    return petrov, ivanov, sidorov


def _order(body: str, *labels: str) -> list[int]:
    return [body.index(label) for label in labels]


def test_list_shows_requests_newest_first_and_sorts(org, coordinator, client_for, three):
    client = client_for(coordinator)
    body = rows(client.get(url(org, "requests")))
    assert _order(body, "Petrov", "Ivanov", "Sidorov") == sorted(
        _order(body, "Petrov", "Ivanov", "Sidorov")
    )
    body = rows(client.get(url(org, "requests") + "?sort=oldest"))
    positions = _order(body, "Sidorov", "Ivanov", "Petrov")
    assert positions == sorted(positions)
    body = rows(client.get(url(org, "requests") + "?sort=urgent"))
    positions = _order(body, "Petrov household", "Ivanov household", "Sidorov household")
    assert positions == sorted(positions)
    assert "3 requests" in body


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=petrov", "Petrov", "Ivanov"),
        ("q=H-2", "Ivanov", "Petrov"),
        ("status=approved", "Ivanov", "Petrov"),
        ("source=public", "Sidorov", "Ivanov"),
        ("urgency=3", "Petrov", "Sidorov"),
        ("status=nonsense", "Petrov", None),  # a bad filter is ignored
    ],
)
def test_list_filters(org, coordinator, client_for, three, query, shown, hidden):
    body = rows(client_for(coordinator).get(url(org, "requests") + "?" + query))
    assert f"{shown} household" in body
    if hidden:
        assert f"{hidden} household" not in body


def test_list_searches_the_applicants_and_members_names(org, coordinator, client_for):
    household = family(org, "Koval")
    with scope(organization=org):
        household.label = "Flat 12"
        household.save()
    help_request(org, household, [("toy", [], 1, 1)])
    help_request(org, family(org, "Petrov"), [("toy", [], 1, 1)])
    body = rows(client_for(coordinator).get(url(org, "requests") + "?q=KOVAL"))
    assert "Flat 12" in body and "Petrov household" not in body


def test_list_filters_by_submission_date(org, coordinator, client_for, three):
    today = timezone.localdate()
    start = (today - timedelta(days=10)).isoformat()
    end = (today - timedelta(days=2)).isoformat()
    body = rows(
        client_for(coordinator).get(url(org, "requests") + f"?date_from={start}&date_to={end}")
    )
    assert "Ivanov household" in body
    assert "Petrov household" not in body and "Sidorov household" not in body


def test_list_htmx_answers_only_the_rows(org, coordinator, client_for, three):
    response = client_for(coordinator).get(
        url(org, "requests") + "?q=petrov", HTTP_HX_REQUEST="true"
    )
    body = rows(response)
    assert "Petrov household" in body
    assert "<html" not in body


def test_list_paginates(org, coordinator, client_for):
    household = family(org)
    for _ in range(27):
        help_request(org, household, [("toy", [], 1, 1)])
    client = client_for(coordinator)
    assert "27 requests" in rows(client.get(url(org, "requests")))
    second = rows(client.get(url(org, "requests") + "?page=2"))
    assert "H-1<" in second and "H-27<" not in second


def test_list_empty_states(org, coordinator, client_for):
    client = client_for(coordinator)
    assert "No help requests yet" in rows(client.get(url(org, "requests")))
    family(org)
    assert "No request matches" in rows(client.get(url(org, "requests") + "?q=nobody"))


def test_referrer_sees_only_own_requests(org, referrer, coordinator, client_for):
    mine = help_request(org, family(org, "Mine"), [("toy", [], 1, 1)], created_by=referrer)
    theirs = help_request(org, family(org, "Theirs"), [("toy", [], 1, 1)], created_by=coordinator)
    client = client_for(referrer)
    body = rows(client.get(url(org, "requests")))
    assert "Mine household" in body and "Theirs household" not in body
    assert client.get(url(org, "request", mine.pk)).status_code == 200
    assert client.get(url(org, "request", theirs.pk)).status_code == 404
    assert client.get(url(org, "request-lines", theirs.pk)).status_code == 404


def test_volunteers_do_not_see_requests(org, volunteer, client_for):
    assert client_for(volunteer).get(url(org, "requests")).status_code == 403


# New request -----------------------------------------------------------------------------------


def _lines(*lines, total=None):
    data = {
        "lines-TOTAL_FORMS": str(total or max(len(lines), 1)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
    }
    for index, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{index}-{key}"] = value
    return data


def test_new_request_for_an_existing_household(org, coordinator, client_for):
    household = family(org)
    jacket = item_type(org, "child-winter-jacket")
    client = client_for(coordinator)
    assert client.get(url(org, "request-new")).status_code == 200
    response = client.post(
        url(org, "request-new"),
        {
            "household": household.pk,
            "note": "Cold winter",
            **_lines(
                {"item_type": jacket.pk, "sizes": "110, 116", "quantity": "2", "urgency": "3"},
                total=3,
            ),
        },
    )
    assert response.status_code == 302
    with scope(organization=org):
        request = HelpRequest.objects.get()
        line = request.lines.get()
    assert response["Location"] == url(org, "request", request.pk)
    assert request.source == HelpRequest.Source.STAFF
    assert (line.sizes, line.quantity, line.urgency) == (["110", "116"], 2, 3)


def test_new_request_with_a_new_household(org, referrer, client_for):
    toy = item_type(org, "toy")
    response = client_for(referrer).post(
        url(org, "request-new"),
        {
            "given_name": "Olena",
            "family_name": "Koval",
            "referrer_organisation": "City school",
            **_lines({"item_type": toy.pk, "quantity": "1", "urgency": "2"}),
        },
    )
    assert response.status_code == 302
    with scope(organization=org):
        request = HelpRequest.objects.get()
        head = HouseholdMember.objects.get(household=request.household)
    assert request.source == HelpRequest.Source.REFERRER
    assert request.created_by == referrer and request.household.created_by == referrer
    assert head.person.full_name == "Olena Koval" and head.relation == "head"
    assert request.applicant == head.person


def test_new_request_errors_are_on_their_fields(org, coordinator, client_for):
    jacket = item_type(org, "child-winter-jacket")
    client = client_for(coordinator)
    before = snapshot(org)
    response = client.post(
        url(org, "request-new"), _lines({"item_type": jacket.pk, "quantity": "1"})
    )
    assert response.status_code == 422
    assert response.context["form"].errors["given_name"]
    household = family(org)
    before = snapshot(org)
    response = client.post(
        url(org, "request-new"),
        {
            "household": household.pk,
            **_lines({"item_type": jacket.pk, "sizes": "XL", "quantity": "1", "urgency": "2"}),
        },
    )
    assert response.status_code == 422
    line = response.context["lines"].forms[0]
    assert line.errors["sizes"]
    assert snapshot(org) == before
    response = client.post(url(org, "request-new"), {"household": household.pk, **_lines()})
    assert response.status_code == 422
    assert response.context["lines"].non_form_errors()
    response = client.post(
        url(org, "request-new"),
        {
            "household": household.pk,
            **_lines({"item_type": jacket.pk, "quantity": "0", "urgency": "2"}),
        },
    )
    assert response.status_code == 422
    assert response.context["lines"].forms[0].errors["quantity"]
    assert snapshot(org) == before


def test_referrer_cannot_choose_someone_elses_household(org, referrer, client_for):
    other = family(org, "Other")
    toy = item_type(org, "toy")
    before = snapshot(org)
    response = client_for(referrer).post(
        url(org, "request-new"),
        {"household": other.pk, **_lines({"item_type": toy.pk, "quantity": "1", "urgency": "2"})},
    )
    assert response.status_code == 404  # as the API answers: not one of theirs
    assert response.context["form"].errors["household"]
    assert snapshot(org) == before


# Detail and decisions --------------------------------------------------------------------------


def test_detail_shows_lines_and_decision_forms(org, coordinator, client_for):
    request = help_request(
        org, family(org), [("child-winter-jacket", ["110", "116"], 2, 3)], status=Status.SUBMITTED
    )
    body = rows(client_for(coordinator).get(url(org, "request", request.pk)))
    assert "110, 116" in body
    assert url(org, "request-approve", request.pk) in body
    assert url(org, "request-reject", request.pk) in body


def test_approve_reject_and_close_from_the_detail_page(org, coordinator, client_for):
    household = family(org)
    first = help_request(org, household, [("toy", [], 1, 1)], status=Status.SUBMITTED)
    second = help_request(org, household, [("toy", [], 1, 1)], status=Status.SUBMITTED)
    client = client_for(coordinator)
    assert client.post(url(org, "request-review", first.pk)).status_code == 302
    assert client.post(url(org, "request-approve", first.pk), {}).status_code == 302
    response = client.post(url(org, "request-reject", second.pk), {"reject-reason": ""})
    assert response.status_code == 400
    assert response.context["reject_form"].errors["reason"]
    assert (
        client.post(url(org, "request-reject", second.pk), {"reject-reason": "No"}).status_code
        == 302
    )
    assert (
        client.post(url(org, "request-close", first.pk), {"close-reason": "Done"}).status_code
        == 302
    )
    with scope(organization=org):
        first.refresh_from_db()
        second.refresh_from_db()
    assert first.status == Status.CLOSED and second.status == Status.REJECTED
    again = client.post(url(org, "request-approve", second.pk), {})
    assert again.status_code == 409


def test_failing_rule_shows_on_the_override_field(org, coordinator, client_for):
    request = help_request(org, family(org), [("toy", [], 1, 1)], status=Status.SUBMITTED)
    with scope(organization=org):
        EligibilityRule.objects.create(
            organization=org, kind="visit_frequency", max_count=0, period_days=30
        )
    client = client_for(coordinator)
    before = snapshot(org)
    response = client.post(url(org, "request-approve", request.pk), {})
    assert response.status_code == 409
    assert response.context["approve_form"].errors["override_reason"]
    assert response.context["checks_failed"]
    assert snapshot(org) == before
    response = client.post(url(org, "request-approve", request.pk), {"override_reason": "Fire"})
    assert response.status_code == 302
    body = rows(client.get(url(org, "request", request.pk)))
    assert "Fire" in body


def test_referrer_cannot_decide(org, referrer, client_for):
    request = help_request(
        org, family(org), [("toy", [], 1, 1)], status=Status.SUBMITTED, created_by=referrer
    )
    before = snapshot(org)
    assert client_for(referrer).post(url(org, "request-approve", request.pk), {}).status_code == 403
    assert snapshot(org) == before


# Editing need lines ---------------------------------------------------------------------------


def _edit_data(lines: list[NeedLine], changes: dict, extra: list[dict] = ()) -> dict:
    forms = []
    for line in lines:
        values = {
            "id": str(line.pk),
            "item_type": str(line.item_type_id),
            "sizes": ", ".join(line.sizes),
            "quantity": str(line.quantity),
            "urgency": str(line.urgency),
            "note": line.note,
        }
        values.update(changes.get(line.pk, {}))
        forms.append(values)
    forms.extend(extra)
    data = {
        "lines-TOTAL_FORMS": str(len(forms) + 1),
        "lines-INITIAL_FORMS": str(len(lines)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
    }
    for index, values in enumerate(forms):
        for key, value in values.items():
            if value is not False:
                data[f"lines-{index}-{key}"] = value
    return data


def test_edit_lines_changes_cancels_and_adds(org, coordinator, client_for):
    request = help_request(
        org,
        family(org),
        [("child-winter-jacket", ["110"], 2, 3), ("toy", [], 1, 1)],
        status=Status.APPROVED,
    )
    with scope(organization=org):
        jacket, toy = request.lines.all()
    blanket = item_type(org, "blanket")
    client = client_for(coordinator)
    assert client.get(url(org, "request-lines", request.pk)).status_code == 200
    response = client.post(
        url(org, "request-lines", request.pk),
        _edit_data(
            [jacket, toy],
            {jacket.pk: {"quantity": "3"}, toy.pk: {"cancel": "on"}},
            [{"item_type": str(blanket.pk), "quantity": "1", "urgency": "2"}],
        ),
    )
    assert response.status_code == 302, response.content[:2000]
    with scope(organization=org):
        jacket.refresh_from_db()
        toy.refresh_from_db()
        assert request.lines.count() == 3
    assert jacket.quantity == 3 and toy.cancelled


def test_edit_lines_error_is_on_the_line(org, coordinator, client_for):
    request = help_request(
        org, family(org), [("child-winter-jacket", ["110"], 2, 3)], status=Status.APPROVED
    )
    with scope(organization=org):
        jacket = request.lines.get()
    before = snapshot(org)
    response = client_for(coordinator).post(
        url(org, "request-lines", request.pk), _edit_data([jacket], {jacket.pk: {"sizes": "XL"}})
    )
    assert response.status_code == 422
    assert response.context["lines"].forms[0].errors["sizes"]
    assert snapshot(org) == before


def test_lines_of_a_closed_request_cannot_be_edited(org, coordinator, client_for):
    request = help_request(org, family(org), [("toy", [], 1, 1)], status=Status.CLOSED)
    with scope(organization=org):
        toy = request.lines.get()
    before = snapshot(org)
    response = client_for(coordinator).post(
        url(org, "request-lines", request.pk), _edit_data([toy], {toy.pk: {"quantity": "2"}})
    )
    assert response.status_code == 409
    assert snapshot(org) == before


def test_list_query_count_does_not_grow_with_rows(org, coordinator, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(coordinator)
    household = family(org)
    help_request(org, household, [("toy", [], 1, 1)])
    client.get(url(org, "requests"))  # warm caches (session, catalogue)
    with CaptureQueriesContext(connection) as few:
        client.get(url(org, "requests"))
    for _ in range(10):
        help_request(org, family(org, "More"), [("toy", [], 1, 1), ("toy", [], 2, 3)])
    with CaptureQueriesContext(connection) as many:
        client.get(url(org, "requests"))
    assert len(many) == len(few)


def test_approving_an_ineligible_households_request_on_the_page_is_409_and_changes_nothing(
    org, coordinator, client_for
):
    request = help_request(
        org, family(org), [("child-winter-jacket", ["110"], 2, 3)], status=Status.IN_REVIEW
    )
    cap(org, "child-winter-jacket", 1)
    before, audits = snapshot(org), audit_count(org)
    response = client_for(coordinator).post(url(org, "request-approve", request.pk), {})
    assert response.status_code == 409
    [failure] = response.context["checks_failed"]
    assert failure["passed"] is False
    assert failure["message"].startswith("At most 1 unit of Children")
    assert "has had 0, 2 more asked for." in rows(response)
    with scope(organization=org):
        request.refresh_from_db()
        assert not EligibilityOverride.objects.exists()
    assert request.status == Status.IN_REVIEW
    assert audit_count(org) == audits
    assert snapshot(org) == before
