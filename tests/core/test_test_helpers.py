"""The suite's own proofs of "nothing changed" must see a change when there is one: a
snapshot that missed writes would make every "saves nothing" assertion pass vacuously."""

from __future__ import annotations

from django_scopes import scope, scopes_disabled

from kindred.core.models import Site
from kindred.goods.models import ItemType
from kindred.people.models import Person
from kindred.privacy.models import RetentionRule
from tests.conftest import make_site, snapshot


def test_a_snapshot_sees_a_changed_field_a_new_row_a_deleted_row_and_an_audit_entry(
    org, other_org, admin
):
    with scope(organization=org):
        person = Person.objects.create(organization=org, given_name="Ida", family_name="Berg")
    before = snapshot(org)
    assert snapshot(org) == before

    with scopes_disabled():
        Person.objects.filter(pk=person.pk).update(family_name="Bjerg")
    assert snapshot(org) != before

    again = snapshot(org)
    make_site(org, "Lager 2", city="Herning")  # a row, and its audit entry
    after = snapshot(org)
    assert after[Site._meta.label] != again[Site._meta.label]
    assert after["audit"] == again["audit"] + 1

    again = after
    with scopes_disabled():
        ItemType.objects.filter(organization=org).first().delete()
    assert snapshot(org) != again

    again = snapshot(org)
    RetentionRule.objects.create(organization=org, months=24)  # every app's tables count
    assert snapshot(org) != again

    again = snapshot(org)
    make_site(other_org, "Their site", city="Malmö")  # another organisation's row
    assert snapshot(org) == again
