"""`kindred fillsourcelanguage`: make the English catalogue explicit (msgstr = msgid).

English is the source language, so gettext falls back to the msgid anyway; filling it in
lets translators and tools see a complete catalogue and lets the completeness test treat
all six languages alike. `make messages` runs it after makemessages."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Fill the English (source language) catalogue: every msgstr equals its msgid."

    def handle(self, *args, **options):
        filled = 0
        for base in map(Path, settings.LOCALE_PATHS):
            path = base / "en" / "LC_MESSAGES" / "django.po"
            catalogue = polib.pofile(str(path))
            for entry in catalogue:
                if entry.obsolete:
                    continue
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = None
                if entry.msgid_plural:
                    forms = {0: entry.msgid, 1: entry.msgid_plural}
                    if entry.msgstr_plural != forms:
                        entry.msgstr_plural = forms
                        filled += 1
                elif entry.msgstr != entry.msgid:
                    entry.msgstr = entry.msgid
                    filled += 1
            catalogue.save()
        self.stdout.write(f"Filled {filled} English entries.")
