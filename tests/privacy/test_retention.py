"""Retention: who has had no activity for the rule's months, the purge that anonymises them
(skipping legal holds), `kindred privacy purge [--dry-run]` and the daily task."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.people import services as people
from kindred.people.models import Consent, ConsentPurpose, Person
from kindred.privacy import queries, services, tasks
from kindred.privacy.models import PurgeRun, RetentionRule
from tests.conftest import make_org

from .conftest import aware, privacy_snapshot

LONG_AGO = aware(2020, 1, 10, 12, 0)
TODAY = aware(2022, 6, 1, 9, 0)  # 24 months back: 2020-06-01


def _person(org, actor, given, family="Olsen", **values) -> Person:
    with scope(organization=org):
        return people.create_person(
            org=org, values={"given_name": given, "family_name": family, **values}, actor=actor
        )


@pytest.fixture
def old_people(org, admin):
    """Registered long ago: Ida (nothing since), Jens (a consent recently), Karl (joined a
    household recently), Lis (under a legal hold)."""
    with time_machine.travel(LONG_AGO, tick=False):
        ida = _person(org, admin, "Ida")
        jens = _person(org, admin, "Jens")
        karl = _person(org, admin, "Karl")
        lis = _person(org, admin, "Lis")
        with scope(organization=org):
            home = people.create_household(org=org, values={"label": "Olsen"}, actor=admin)
    with time_machine.travel(aware(2021, 3, 1, 10, 0), tick=False), scope(organization=org):
        purpose = ConsentPurpose.objects.create(organization=org, key="help", name="Help")
        Consent.objects.create(
            organization=org,
            person=jens,
            purpose=purpose,
            basis=Consent.Basis.CONSENT,
            given_at=timezone.now(),
        )
        people.add_to_household(
            org=org,
            household=home,
            person=karl,
            relation="head",
            actor=admin,
            joined_on=date(2021, 3, 1),
        )
        services.place_legal_hold(org=org, person=lis, reason="Court case 7", actor=admin)
    return {"ida": ida, "jens": jens, "karl": karl, "lis": lis}


def _candidates(org, **kwargs) -> dict[str, str]:
    with scope(organization=org), timezone.override(org.time_zone):
        return {
            c.person.given_name: c.outcome
            for c in queries.purge_candidates(org, timezone.localdate(), **kwargs)
        }


@time_machine.travel(TODAY, tick=False)
def test_persons_without_activity_for_24_months_are_candidates(org, old_people):
    assert _candidates(org) == {"Ida": "anonymise", "Lis": "kept_legal_hold"}


@time_machine.travel(TODAY, tick=False)
def test_the_reason_names_the_last_activity_and_the_rule(org, old_people):
    with scope(organization=org), timezone.override(org.time_zone):
        ida = next(c for c in queries.purge_candidates(org) if c.person.given_name == "Ida")
    assert ida.last_activity == date(2020, 1, 10)
    assert ida.reason == "No activity since 01/10/2020 (rule: 24 months)"


def test_activity_on_the_cutoff_day_still_counts(org, admin):
    with time_machine.travel(aware(2020, 6, 1, 0, 30), tick=False):
        _person(org, admin, "Mona")
    with time_machine.travel(TODAY, tick=False):
        assert _candidates(org) == {}
    with time_machine.travel(aware(2022, 6, 2, 9, 0), tick=False):
        assert _candidates(org) == {"Mona": "anonymise"}


def test_a_change_to_the_record_is_activity(org, admin, old_people):
    with time_machine.travel(aware(2022, 1, 5, 10, 0), tick=False), scope(organization=org):
        people.update_person(
            org=org, person=old_people["ida"], values={"city": "Ikast"}, actor=admin
        )
    with time_machine.travel(TODAY, tick=False):
        assert "Ida" not in _candidates(org)


@time_machine.travel(TODAY, tick=False)
def test_the_months_come_from_the_organisations_rule(org, admin, old_people):
    with scope(organization=org):
        services.set_retention_rule(org=org, months=12, enabled=True, actor=admin)
    assert _candidates(org) == {
        "Ida": "anonymise",
        "Jens": "anonymise",
        "Karl": "anonymise",
        "Lis": "kept_legal_hold",
    }


@time_machine.travel(TODAY, tick=False)
def test_candidates_filter_by_outcome_and_name(org, old_people):
    assert _candidates(org, outcome="kept_legal_hold") == {"Lis": "kept_legal_hold"}
    assert _candidates(org, outcome="anonymise") == {"Ida": "anonymise"}
    assert _candidates(org, search="ida olsen") == {"Ida": "anonymise"}


@time_machine.travel(TODAY, tick=False)
def test_the_preview_costs_one_query_whatever_the_number_of_persons(org, admin, old_people):
    with time_machine.travel(LONG_AGO, tick=False):
        for i in range(20):
            _person(org, admin, f"Extra{i}")
    with scope(organization=org), CaptureQueriesContext(connection) as queries_run:
        found = queries.purge_candidates(org, date(2022, 6, 1))
    assert len(found) == 22
    assert len(queries_run) == 2  # the rule, then the candidates with their activity


@time_machine.travel(TODAY, tick=False)
def test_purge_anonymises_candidates_and_keeps_legal_holds(org, old_people):
    result = services.purge(org=org)

    assert [c.person.pk for c in result.anonymised] == [old_people["ida"].pk]
    assert [c.person.pk for c in result.kept] == [old_people["lis"].pk]
    with scopes_disabled():
        states = {
            p.pk: p.anonymised_at is not None for p in Person.objects.filter(organization=org)
        }
        erased = AuditEntry.objects.get(action="person.erased")
        summary = AuditEntry.objects.get(action="retention.purged")
    assert states == {
        old_people["ida"].pk: True,
        old_people["jens"].pk: False,
        old_people["karl"].pk: False,
        old_people["lis"].pk: False,
    }
    assert erased.actor is None
    assert erased.changes["reason"] == "Retention rule: no activity for 24 months"
    assert summary.changes == {"months": 24, "anonymised": 1, "kept_legal_hold": 1}
    # Anonymised persons are not candidates again.
    assert _candidates(org) == {"Lis": "kept_legal_hold"}


@time_machine.travel(TODAY, tick=False)
def test_purge_leaves_a_person_alone_who_came_back_meanwhile(org, admin, old_people):
    with scope(organization=org), timezone.override(org.time_zone):
        candidate = next(c for c in queries.purge_candidates(org) if c.person.given_name == "Ida")
        people.update_person(
            org=org, person=old_people["ida"], values={"city": "Ikast"}, actor=admin
        )
        cutoff = queries.months_before(date(2022, 6, 1), 24)
        outcome = services._erase_if_still_inactive(
            org, candidate, cutoff, queries.retention_rule(org), None
        )
    assert outcome == "active"
    with scopes_disabled():
        assert Person.objects.get(pk=old_people["ida"].pk).anonymised_at is None


# The command -------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_purge_dry_run_lists_who_and_why_and_changes_nothing(org, old_people, capsys):
    before = privacy_snapshot(org)

    call_command("privacy", "purge", "--dry-run")

    out = capsys.readouterr().out
    assert privacy_snapshot(org) == before
    assert "Home Charity (home): anonymise after 24 months without activity" in out
    ida, lis = old_people["ida"], old_people["lis"]
    assert f"would anonymise #{ida.pk} Ida Olsen: no activity since 2020-01-10" in out
    assert f"kept: legal hold #{lis.pk} Lis Olsen: no activity since 2020-01-10" in out
    assert "Jens" not in out and "Karl" not in out
    assert "Dry run: nothing was changed." in out


@time_machine.travel(TODAY, tick=False)
def test_purge_command_anonymises_and_prints_record_numbers_only(org, old_people, capsys):
    call_command("privacy", "purge", "--org", "home")

    out = capsys.readouterr().out
    ida = old_people["ida"]
    assert f"anonymised #{ida.pk}: no activity since 2020-01-10" in out
    assert "Ida" not in out
    assert "1 anonymised, 1 kept: legal hold" in out
    with scopes_disabled():
        assert Person.objects.get(pk=ida.pk).anonymised_at is not None


@time_machine.travel(TODAY, tick=False)
def test_purge_command_skips_an_organisation_that_switched_the_purge_off(
    org, admin, old_people, capsys
):
    with scope(organization=org):
        services.set_retention_rule(org=org, months=24, enabled=False, actor=admin)
    before = privacy_snapshot(org)

    call_command("privacy", "purge")

    assert "automatic purge is off for this organisation: skipped" in capsys.readouterr().out
    assert privacy_snapshot(org) == before


def test_purge_command_refuses_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="no organisation with the slug 'nope'"):
        call_command("privacy", "purge", "--org", "nope")


def test_purge_command_only_touches_the_organisation_asked_for(org, admin, capsys):
    other = make_org("elsewhere")
    with time_machine.travel(LONG_AGO, tick=False):
        _person(org, admin, "Ida")
        with scope(organization=other):
            people.create_person(org=other, values={"given_name": "Ulla"}, actor=None)
    with time_machine.travel(TODAY, tick=False):
        call_command("privacy", "purge", "--org", "elsewhere")
    with scopes_disabled():
        assert Person.objects.get(given_name="Ida").anonymised_at is None
        assert Person.objects.filter(organization=other, anonymised_at__isnull=False).count() == 1


# The daily task ----------------------------------------------------------------------------


def test_the_scheduler_queues_each_organisations_purge_once_a_day(
    org, other_org, old_people, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(TODAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.enqueue_due_purges() == ["home", "other"]
    with time_machine.travel(aware(2022, 6, 1, 23, 0), tick=False):
        assert tasks.enqueue_due_purges() == []  # same day in Copenhagen: already done

    with scopes_disabled():
        run = PurgeRun.objects.get(organization=org)
        ida = Person.objects.get(pk=old_people["ida"].pk)
    assert (run.run_on, run.anonymised, run.kept) == (date(2022, 6, 1), 1, 1)
    assert run.finished_at is not None
    assert ida.anonymised_at is not None  # the task ran (immediately, in tests)

    with (
        time_machine.travel(aware(2022, 6, 2, 0, 5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.enqueue_due_purges() == ["home", "other"]


def test_the_scheduler_skips_organisations_that_switched_the_purge_off(org, admin):
    with scope(organization=org):
        services.set_retention_rule(org=org, months=24, enabled=False, actor=admin)
    with time_machine.travel(TODAY, tick=False):
        assert tasks.enqueue_due_purges() == ["other"]  # not "home"
    with scopes_disabled():
        assert not PurgeRun.objects.filter(organization=org).exists()


def test_the_daily_task_does_nothing_if_the_purge_was_switched_off_after_queueing(
    org, admin, old_people
):
    with time_machine.travel(TODAY, tick=False):
        with scope(organization=org):
            run = PurgeRun.objects.create(organization=org, run_on=date(2022, 6, 1))
            services.set_retention_rule(org=org, months=24, enabled=False, actor=admin)
        tasks.daily_purge.call(run_id=run.pk)
    with scopes_disabled():
        run.refresh_from_db()
        assert Person.objects.filter(anonymised_at__isnull=False).count() == 0
    assert run.finished_at is not None and run.anonymised == 0


@time_machine.travel(TODAY, tick=False)
def test_the_default_rule_applies_until_one_is_saved(org, admin):
    with scope(organization=org):
        rule = queries.retention_rule(org)
        assert (rule.pk, rule.months, rule.enabled) == (None, 24, True)
        services.set_retention_rule(org=org, months=36, enabled=False, actor=admin)
        saved = RetentionRule.objects.get(organization=org)
    assert (saved.months, saved.enabled, saved.updated_by) == (36, False, admin)
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="retention.rule_changed")
    assert entry.changes == {"months": [24, 36], "enabled": [True, False]}


@pytest.mark.parametrize("months", [0, 601, -5])
def test_the_rule_refuses_months_out_of_range(org, admin, months):
    from kindred.core.services import Invalid

    with scope(organization=org), pytest.raises(Invalid) as error:
        services.set_retention_rule(org=org, months=months, enabled=True, actor=admin)
    assert error.value.field == "months"
    with scopes_disabled():
        assert not RetentionRule.objects.exists()


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert queries.months_before(date(2022, 6, 1), 24) == date(2020, 6, 1)
    assert queries.months_before(date(2022, 3, 31), 1) == date(2022, 2, 28)
    assert queries.months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert queries.months_before(date(2022, 1, 15), 600) == date(1972, 1, 15)
