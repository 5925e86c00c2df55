"""Help request services: registering requests with need lines, changing lines, every
status transition (illegal ones change nothing), refresh_status after reservations and
handouts, eligibility on approval, and the public form's submission."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import (
    EligibilityOverride,
    EligibilityRule,
    HelpRequest,
    NeedLine,
    Reservation,
    ReservationLine,
)
from kindred.aid.queries import requests as queries
from kindred.aid.services import requests as services
from kindred.aid.services.common import AidError, NotEligible
from kindred.core.models import AuditEntry
from kindred.core.services import Invalid, NotFound
from kindred.people.models import Consent, HouseholdMember, Person
from tests.aid.builders import family, help_request
from tests.conftest import item_type, make_location, snapshot

Status = HelpRequest.Status


def jacket_line(**extra):
    return {"item_type": "child-winter-jacket", "sizes": ["110", "116"], "quantity": 2, **extra}


def create(org, household, actor, lines=None, **extra):
    item_type(org, "toy")  # the default catalogue
    with scope(organization=org):
        return services.create_request(
            org=org,
            household=household,
            source=HelpRequest.Source.STAFF,
            lines=lines if lines is not None else [jacket_line(urgency=3)],
            actor=actor,
            **extra,
        )


def reserve(org, request, line, quantity, site):
    """An active reservation of `quantity` units for `line` (rows only: no ledger)."""
    location = make_location(org, site, "Shelf R")
    with scope(organization=org):
        from kindred.aid.services.common import number_for

        reservation = Reservation.objects.create(
            organization=org,
            number=number_for(org, Reservation),
            request=request,
            household=request.household,
            site=site,
            expires_at=timezone.now() + timezone.timedelta(days=7),
        )
        ReservationLine.objects.create(
            organization=org,
            reservation=reservation,
            need=line,
            location=location,
            item_type=line.item_type,
            size="110",
            grade="good",
            quantity=quantity,
        )
    return reservation


# Creating ------------------------------------------------------------------------------


def test_create_request_numbers_it_and_records_its_lines_and_audit(org, admin):
    household = family(org, "Petrov", children=[2016])
    request = create(org, household, admin, note="Winter", language="uk")
    with scope(organization=org):
        request.refresh_from_db()
        assert request.reference == "H-1"
        assert request.status == Status.SUBMITTED
        assert request.created_by == admin
        assert request.language == "uk"
        (line,) = request.lines.all()
        assert line.item_type.code == "child-winter-jacket"
        assert line.sizes == ["110", "116"]
        assert (line.quantity, line.urgency) == (2, 3)
        assert AuditEntry.objects.filter(action="aid.request_created").count() == 1


def test_sizes_are_normalised_and_the_exact_size_stays_first(org, admin):
    household = family(org)
    request = create(
        org,
        household,
        admin,
        lines=[{"item_type": "winter-coat", "sizes": ["xl", " 2xl", "XL"], "quantity": 1}],
    )
    with scope(organization=org):
        assert request.lines.get().sizes == ["XL", "XXL"]


def test_more_than_in_stock_is_accepted_as_an_open_need(org, admin):
    household = family(org)
    request = create(org, household, admin, lines=[jacket_line(quantity=500)])
    with scope(organization=org):
        (figures,) = queries.line_figures(request)
    assert figures.open == 500


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "lines"),
        ([jacket_line(quantity=0)], "lines.0.quantity"),
        ([jacket_line(), jacket_line(quantity="two")], "lines.1.quantity"),
        ([jacket_line(urgency=4)], "lines.0.urgency"),
        ([jacket_line(sizes=["XL"])], "lines.0.sizes"),
        ([jacket_line(item_type="no-such-thing")], "lines.0.item_type"),
        ([jacket_line(note="x" * 301)], "lines.0.note"),
    ],
)
def test_invalid_lines_are_refused_naming_the_field_and_nothing_is_saved(org, admin, lines, field):
    household = family(org)
    before = snapshot(org)
    with pytest.raises(Invalid) as error:
        create(org, household, admin, lines=lines)
    assert error.value.field == field
    assert error.value.message
    assert snapshot(org) == before


def test_a_household_of_another_organisation_is_refused(org, other_org, admin):
    household = family(other_org)
    with pytest.raises(NotFound):
        create(org, household, admin)


def test_the_applicant_must_belong_to_the_household(org, admin):
    household = family(org, "Petrov")
    other = family(org, "Ivanov")
    with scope(organization=org):
        stranger = HouseholdMember.objects.get(household=other, relation="head").person
    with pytest.raises(Invalid) as error:
        create(org, household, admin, applicant=stranger)
    assert error.value.field == "applicant"


# Lines ---------------------------------------------------------------------------------


def test_update_lines_adds_changes_and_cancels(org, admin):
    household = family(org)
    request = create(
        org, household, admin, lines=[jacket_line(), {"item_type": "toy", "quantity": 1}]
    )
    with scope(organization=org):
        jacket, toy = request.lines.all()
        services.update_lines(
            request=request,
            lines=[
                {"id": jacket.pk, "quantity": 3},
                {"id": toy.pk, "cancel": True},
                {"item_type": "blanket", "quantity": 1, "urgency": 1},
            ],
            actor=admin,
        )
        jacket.refresh_from_db()
        toy.refresh_from_db()
        assert jacket.quantity == 3 and jacket.sizes == ["110", "116"]
        assert toy.cancelled
        assert request.lines.count() == 3
        assert AuditEntry.objects.filter(action="aid.request_lines_changed").count() == 1


def test_a_line_cannot_go_below_what_is_reserved_or_handed_out(org, admin, site):
    household = family(org)
    request = help_request(org, household, [("child-winter-jacket", ["110"], 4, 2)])
    with scope(organization=org):
        line = request.lines.get()
        line.handed_out = 1
        line.save()
    reserve(org, request, line, 2, site)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(AidError) as error:
        services.update_lines(request=request, lines=[{"id": line.pk, "quantity": 2}], actor=admin)
    assert error.value.field == "lines.0.quantity"
    with scope(organization=org), pytest.raises(AidError):
        services.update_lines(request=request, lines=[{"id": line.pk, "cancel": True}], actor=admin)
    assert snapshot(org) == before
    with scope(organization=org):
        services.update_lines(request=request, lines=[{"id": line.pk, "quantity": 3}], actor=admin)
        line.refresh_from_db()
    assert line.quantity == 3


def test_lines_of_a_closed_or_rejected_request_cannot_change(org, admin):
    household = family(org)
    for status in (Status.CLOSED, Status.REJECTED):
        request = help_request(org, household, [("toy", [], 1, 1)], status=status)
        before = snapshot(org)
        with scope(organization=org), pytest.raises(AidError):
            services.update_lines(
                request=request, lines=[{"item_type": "toy", "quantity": 1}], actor=admin
            )
        assert snapshot(org) == before


def test_the_last_line_cannot_be_cancelled(org, admin):
    household = family(org)
    request = create(org, household, admin)
    with scope(organization=org):
        line = request.lines.get()
        with pytest.raises(Invalid) as error:
            services.update_lines(
                request=request, lines=[{"id": line.pk, "cancel": True}], actor=admin
            )
    assert error.value.field == "lines"


# Transitions -------------------------------------------------------------------------------


def test_submitted_to_review_to_approved(org, coordinator):
    household = family(org)
    request = create(org, household, coordinator)
    with scope(organization=org):
        services.start_review(request=request, actor=coordinator)
        assert request.status == Status.IN_REVIEW
        services.approve(request=request, actor=coordinator)
        request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert request.decided_by == coordinator
    assert request.decided_at is not None


def test_reject_needs_a_reason(org, coordinator):
    household = family(org)
    request = create(org, household, coordinator)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Invalid) as error:
        services.reject(request=request, reason="  ", actor=coordinator)
    assert error.value.field == "reason"
    assert snapshot(org) == before
    with scope(organization=org):
        services.reject(request=request, reason="Outside our area", actor=coordinator)
        request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert request.rejection_reason == "Outside our area"


@pytest.mark.parametrize(
    ("status", "operation"),
    [
        (Status.IN_REVIEW, "start_review"),
        (Status.APPROVED, "start_review"),
        (Status.APPROVED, "approve"),
        (Status.REJECTED, "approve"),
        (Status.CLOSED, "approve"),
        (Status.FULFILLING, "reject"),
        (Status.CLOSED, "reject"),
        (Status.REJECTED, "close"),
        (Status.CLOSED, "close"),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(org, admin, status, operation):
    household = family(org)
    request = help_request(org, household, [("toy", [], 1, 1)], status=status)
    kwargs = {"reason": "No"} if operation == "reject" else {}
    before = snapshot(org)
    with scope(organization=org), pytest.raises(AidError) as error:
        getattr(services, operation)(request=request, actor=admin, **kwargs)
    assert error.value.message
    assert snapshot(org) == before


def test_close_is_refused_while_goods_are_reserved(org, admin, site):
    household = family(org)
    request = help_request(org, household, [("toy", [], 1, 1)], status=Status.FULFILLING)
    with scope(organization=org):
        line = request.lines.get()
    reserve(org, request, line, 1, site)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(AidError):
        services.close(request=request, actor=admin)
    assert snapshot(org) == before


def test_close_records_the_reason(org, admin):
    household = family(org)
    request = help_request(org, household, [("toy", [], 1, 1)])
    with scope(organization=org):
        services.close(request=request, actor=admin, reason="Moved away")
        request.refresh_from_db()
        entry = AuditEntry.objects.get(action="aid.request_closed")
    assert request.status == Status.CLOSED and request.closed_at is not None
    assert entry.changes["reason"] == [None, "Moved away"]


# refresh_status ------------------------------------------------------------------------------


def test_refresh_status_follows_reservations_and_handouts(org, admin, site):
    household = family(org)
    request = help_request(
        org, household, [("toy", [], 2, 1), ("child-winter-jacket", ["110"], 1, 3)]
    )
    with scope(organization=org):
        toy, jacket = request.lines.all()
    reservation = reserve(org, request, toy, 2, site)
    with scope(organization=org):
        services.refresh_status(request=request)
        assert request.status == Status.FULFILLING
        reservation.status = Reservation.Status.EXPIRED
        reservation.save()
        services.refresh_status(request=request)
        assert request.status == Status.APPROVED  # nothing handed out: open again
        toy.handed_out = 2
        toy.save()
        services.refresh_status(request=request)
        assert request.status == Status.APPROVED
        jacket.cancelled = True
        jacket.save()
        services.refresh_status(request=request, actor=admin)
        request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert request.closed_at is not None


def test_refresh_status_leaves_undecided_requests_alone(org):
    household = family(org)
    request = help_request(org, household, [("toy", [], 1, 1)], status=Status.SUBMITTED)
    with scope(organization=org):
        line = request.lines.get()
        line.handed_out = 1
        line.save()
        services.refresh_status(request=request)
    assert request.status == Status.SUBMITTED


# Eligibility ---------------------------------------------------------------------------------


def _no_visits_rule(org):
    with scope(organization=org):
        return EligibilityRule.objects.create(
            organization=org,
            kind=EligibilityRule.Kind.VISIT_FREQUENCY,
            name="No visits",
            max_count=0,
            period_days=30,
        )


def test_a_failing_rule_refuses_approval_and_changes_nothing(org, coordinator):
    household = family(org)
    request = create(org, household, coordinator)
    _no_visits_rule(org)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(NotEligible) as error:
        services.approve(request=request, actor=coordinator)
    assert error.value.failures
    assert snapshot(org) == before


def test_an_override_reason_lets_the_request_through_and_is_recorded(org, coordinator):
    household = family(org)
    request = create(org, household, coordinator)
    rule = _no_visits_rule(org)
    with scope(organization=org):
        services.approve(request=request, actor=coordinator, override_reason="Fire at home")
        request.refresh_from_db()
        override = EligibilityOverride.objects.get(request=request)
    assert request.status == Status.APPROVED
    assert override.rule == rule and override.reason == "Fire at home"
    assert any(item["rule"] == rule.pk and not item["passed"] for item in request.eligibility)


# Public form -------------------------------------------------------------------------------------


def test_public_submission_creates_person_household_consent_and_request(org):
    item_type(org, "toy")
    with scope(organization=org):
        request = services.submit_public(
            org=org,
            values={
                "given_name": "Olena",
                "family_name": "Koval",
                "phone": "+45 20 12 34 56",
                "consent": True,
                "note": "Two children",
            },
            lines=[jacket_line()],
            language="uk",
        )
        request.refresh_from_db()
        person = request.applicant
        assert person.full_name == "Olena Koval"
        assert HouseholdMember.objects.get(person=person).relation == "head"
        assert request.household.label == "Olena Koval"
        consent = Consent.objects.get(person=person)
        assert consent.basis == "consent" and consent.purpose.key == "help-records"
        assert consent.recorded_by is None
    assert request.source == HelpRequest.Source.PUBLIC
    assert request.created_by is None
    assert request.language == "uk"


def test_public_submission_without_consent_registers_nobody(org):
    item_type(org, "toy")
    with scope(organization=org):
        before = Person.objects.count()
        with pytest.raises(Invalid) as error:
            services.submit_public(
                org=org, values={"given_name": "Olena"}, lines=[jacket_line()], language="en"
            )
        assert error.value.field == "consent"
        with pytest.raises(Invalid) as error:
            services.submit_public(
                org=org,
                values={"given_name": "Olena", "consent": True},
                lines=[jacket_line(quantity=0)],
                language="en",
            )
        assert error.value.field == "lines.0.quantity"
        assert Person.objects.count() == before
        assert not NeedLine.objects.exists()
