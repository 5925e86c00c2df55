"""`kindred privacy …`: operations on protected personal data.

kindred privacy new-key [ID]    print a new encryption key to add to KINDRED_ENCRYPTION_KEYS
kindred privacy rotate-keys     re-encrypt every identity number with the newest key
"""

from django.core.management.base import BaseCommand, CommandError

from kindred.people import identity, services
from kindred.people.keys import keys


class Command(BaseCommand):
    help = "Privacy operations: new-key, rotate-keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="operation", required=True)
        new = sub.add_parser("new-key", help="Print a new key (ID:BASE64) to configure.")
        new.add_argument("key_id", nargs="?", default="", help="Its id, e.g. k2.")
        sub.add_parser(
            "rotate-keys",
            help="Re-encrypt identity numbers with the first key of KINDRED_ENCRYPTION_KEYS.",
        )

    def handle(self, *args, operation: str, **options):
        if operation == "new-key":
            key_id = options["key_id"] or f"k{len(keys()) + 1}"
            if not key_id.isalnum():
                raise CommandError("The key id may contain letters and digits only.")
            self.stdout.write(identity.new_key(key_id))
            self.stderr.write(
                "Put it first in KINDRED_ENCRYPTION_KEYS (keep the old keys after it), restart, "
                "run `kindred privacy rotate-keys`, then remove the old keys. Back it up."
            )
            return
        newest = keys()[0]
        count = services.rotate_keys(
            progress=lambda n: self.stdout.write(f"  {n} identity numbers re-encrypted…")
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} identity numbers now use key {newest.id!r}. Older keys can be removed."
            )
        )
