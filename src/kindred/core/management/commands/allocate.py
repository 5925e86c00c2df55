"""`kindred allocate INSTANCE.json [-o RESULT.json]` — listed by `kindred help`.

`kindred allocate` itself never reaches Django: `kindred.__main__` hands it to the engine's
command line (kindred.allocation.cli) before Django starts. This command is the same entry
for `django-admin allocate` and `call_command("allocate", …)`."""

from django.core.management.base import BaseCommand, CommandError

from kindred.allocation.cli import main


class Command(BaseCommand):
    help = "Allocate stock to need lines fairly and optimally (format kindred-allocation/1)."

    def add_arguments(self, parser):
        parser.add_argument("instance")
        parser.add_argument("-o", "--output")

    def handle(self, *args, instance, output, **options):
        status = main([instance, *(["-o", output] if output else [])])
        if status:
            raise CommandError("", returncode=status)
