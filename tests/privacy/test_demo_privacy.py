"""The demo organisations come with a retention rule and a legal hold each, idempotently."""

from django.core.management import call_command
from django_scopes import scopes_disabled

from kindred.core.models import AuditEntry
from kindred.privacy.models import LegalHold, RetentionRule


def test_demo_has_a_rule_and_a_hold_in_each_organisation_once(db, capsys):
    call_command("demo")
    call_command("demo")
    capsys.readouterr()

    with scopes_disabled():
        rules = dict(RetentionRule.objects.values_list("organization__slug", "months"))
        holds = list(
            LegalHold.objects.filter(lifted_at__isnull=True).values_list(
                "organization__slug", "person__given_name"
            )
        )
        placed = AuditEntry.objects.filter(action="legal_hold.placed").count()
    assert rules == {"hjaelpesporet": 24, "hjarta-till-hjarta": 36}
    assert sorted(holds) == [("hjaelpesporet", "Birthe"), ("hjarta-till-hjarta", "Jessica")]
    assert placed == 2
