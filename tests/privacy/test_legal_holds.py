"""Legal holds (privacy.services.place_legal_hold / lift_legal_hold)."""

import pytest
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.core.services import Conflict, Invalid, NotFound
from kindred.people import services as people
from kindred.privacy import services as privacy
from kindred.privacy.models import LegalHold


@pytest.fixture
def person(org, admin):
    with scope(organization=org):
        return people.create_person(
            org=org, values={"given_name": "Anna", "family_name": "Hansen"}, actor=admin
        )


def test_a_hold_is_placed_lifted_and_audited(org, admin, person):
    with scope(organization=org):
        hold = privacy.place_legal_hold(org=org, person=person, reason="Case 7", actor=admin)
        lifted = privacy.lift_legal_hold(org=org, hold=hold, actor=admin)

    assert lifted.lifted_at >= lifted.placed_at and lifted.lifted_by == admin
    with scopes_disabled():
        entries = list(
            AuditEntry.objects.filter(object_type="privacy.legalhold", object_id=str(hold.pk))
            .order_by("id")
            .values_list("action", "changes")
        )
    assert entries[0] == ("legal_hold.placed", {"reason": [None, "Case 7"]})
    assert entries[1][0] == "legal_hold.lifted"


def test_a_person_has_one_active_hold_at_a_time_but_keeps_the_history(org, admin, person):
    with scope(organization=org):
        first = privacy.place_legal_hold(org=org, person=person, reason="One", actor=admin)
        with pytest.raises(Conflict):
            privacy.place_legal_hold(org=org, person=person, reason="Two", actor=admin)
        privacy.lift_legal_hold(org=org, hold=first, actor=admin)
        privacy.place_legal_hold(org=org, person=person, reason="Three", actor=admin)
        with pytest.raises(Conflict, match="already been lifted"):
            privacy.lift_legal_hold(org=org, hold=first, actor=admin)
    with scopes_disabled():
        holds = [(h.reason, h.active) for h in LegalHold.objects.order_by("pk")]
    assert holds == [("One", False), ("Three", True)]


def test_a_hold_needs_a_reason(org, admin, person):
    with scope(organization=org), pytest.raises(Invalid) as error:
        privacy.place_legal_hold(org=org, person=person, reason="  ", actor=admin)
    assert error.value.field == "reason"


def test_an_erased_person_cannot_be_held(org, admin, person):
    with scope(organization=org):
        privacy.erase_person(org=org, person=person, reason="Asked", actor=admin)
        with pytest.raises(Conflict, match="already been erased"):
            privacy.place_legal_hold(org=org, person=person, reason="Too late", actor=admin)


def test_a_hold_of_another_organisation_is_not_found(org, admin, other_org, outsider, person):
    with scope(organization=org):
        hold = privacy.place_legal_hold(org=org, person=person, reason="Case", actor=admin)
    with scope(organization=other_org), pytest.raises(NotFound):
        privacy.lift_legal_hold(org=other_org, hold=hold, actor=outsider)
    hold.refresh_from_db()
    assert hold.active
