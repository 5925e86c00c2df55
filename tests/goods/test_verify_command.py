"""`kindred stock verify` through the command-line runner: the exit status scripts see."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from kindred.goods.management.commands.stock import Command as StockCommand
from kindred.goods.models import StockBalance
from tests import committing
from tests.conftest import make_location, stock

# Committing tests get personas of their own (tests/committing.py).
personas = committing.personas


@pytest.mark.django_db(transaction=True)  # the runner closes the connection when done
def test_the_command_line_exits_with_status_1_on_a_difference(org, capsys):
    """The exit status scripts and cron see: Django's command-line runner, in process (a
    child process could not reach the in-memory test database)."""
    shelf = make_location(org)
    stock(org, {shelf: {"toy": 3}})
    StockCommand().run_from_argv(["kindred", "stock", "verify"])  # no SystemExit: status 0
    with scopes_disabled():
        StockBalance.objects.update(quantity=Decimal(2))
    with pytest.raises(SystemExit) as exit_:
        StockCommand().run_from_argv(["kindred", "stock", "verify"])
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert "balance 2, movements 3" in captured.out
    assert "1 stock balances differ" in captured.err
