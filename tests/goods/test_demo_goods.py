"""`kindred demo` fills both demo organisations with goods a newcomer can explore."""

from django.core.management import call_command
from django_scopes import scopes_disabled

from kindred.core.models import Organization
from kindred.goods.models import (
    DisposalLot,
    DonationReceipt,
    Location,
    Movement,
    OneOffItem,
    Sorting,
    StockBalance,
    StockCount,
    Threshold,
    Transfer,
)
from kindred.goods.queries import verify_balances


def test_demo_goods_in_both_organisations_balance_and_survive_a_second_run(db):
    call_command("demo")
    with scopes_disabled():
        first = Movement.objects.count()
    call_command("demo")
    with scopes_disabled():
        assert Movement.objects.count() == first  # a second run adds nothing
        for slug in ("hjaelpesporet", "hjarta-till-hjarta"):
            org = Organization.objects.get(slug=slug)
            mine = {"organization": org}
            assert Location.objects.filter(**mine).count() >= 8
            assert DonationReceipt.objects.filter(**mine).count() >= 9
            assert DonationReceipt.objects.filter(**mine, donor_contact__isnull=False).exists()
            assert OneOffItem.objects.filter(**mine).exists()  # furniture
            assert Sorting.objects.filter(**mine).count() == 2
            assert Transfer.objects.filter(**mine).exists()
            assert StockCount.objects.filter(**mine, status="approved").exists()
            assert StockCount.objects.filter(**mine, status="open").exists()
            assert DisposalLot.objects.filter(**mine, kind="export").exists()
            assert Threshold.objects.filter(**mine).count() >= 10
            assert org.goods_settings.public_needs
            assert StockBalance.objects.filter(**mine, quantity__gt=0).count() >= 15
            assert verify_balances(org) == []
            # History spreads over weeks, so "stock at a date" shows a difference.
            times = Movement.objects.filter(**mine).values_list("created_at", flat=True)
            assert (max(times) - min(times)).days >= 40
