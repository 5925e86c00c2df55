"""`kindred compilemessages`: compile Kindred's .po catalogues to .mo in pure Python (polib).

Replaces Django's command of the same name, which needs GNU gettext's msgfmt — a charity's
fresh laptop rarely has it, and `make run` must work there. See
docs/decisions/0005-translations.md."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) of Kindred's locale directory."

    def add_arguments(self, parser):
        parser.add_argument("--locale", "-l", action="append", default=[], help="Only these.")
        # Accepted for compatibility with Django's command; ignored.
        parser.add_argument("--ignore", "-i", action="append", default=[])

    def handle(self, *args, locale: list[str], verbosity: int = 1, **options):
        compiled = 0
        for base in map(Path, settings.LOCALE_PATHS):
            for po_path in sorted(base.glob("*/LC_MESSAGES/*.po")):
                code = po_path.parent.parent.name
                if locale and code not in locale:
                    continue
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as error:
                    raise CommandError(f"{po_path}: {error}") from error
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                compiled += 1
                if verbosity > 1:
                    self.stdout.write(f"compiled {po_path}")
        if verbosity:
            self.stdout.write(f"Compiled {compiled} catalogues.")
