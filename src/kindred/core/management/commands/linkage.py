"""`kindred linkage new-secret | encode | match` — listed by `kindred help`.

`kindred linkage` itself never reaches Django: `kindred.__main__` hands it to the engine's
command line (kindred.linkage.cli) before Django starts. This command is the same entry for
`django-admin linkage` and `call_command("linkage", …)`."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from kindred.linkage.cli import main


class Command(BaseCommand):
    help = "Find the same persons in two organisations' files without sharing names."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("arguments", nargs=argparse.REMAINDER)

    def handle(self, *args, arguments, **options):
        status = main(list(arguments))
        if status:
            raise CommandError("", returncode=status)
