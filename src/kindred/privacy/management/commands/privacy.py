"""`kindred privacy …`: operations on protected personal data.

kindred privacy new-key [ID]    print a new encryption key to add to KINDRED_ENCRYPTION_KEYS
kindred privacy rotate-keys     re-encrypt every identity number with the newest key
kindred privacy purge [--dry-run] [--org SLUG]
                                anonymise the persons each organisation's retention rule lets
                                go (docs/decisions/0008); --dry-run lists them and why
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from kindred.core.models import Organization
from kindred.people import identity, services
from kindred.people.keys import keys
from kindred.privacy import queries
from kindred.privacy import services as privacy


class Command(BaseCommand):
    help = "Privacy operations: new-key, rotate-keys, purge."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="operation", required=True)
        new = sub.add_parser("new-key", help="Print a new key (ID:BASE64) to configure.")
        new.add_argument("key_id", nargs="?", default="", help="Its id, e.g. k2.")
        sub.add_parser(
            "rotate-keys",
            help="Re-encrypt identity numbers with the first key of KINDRED_ENCRYPTION_KEYS.",
        )
        purge = sub.add_parser(
            "purge", help="Anonymise persons with no activity for longer than the retention rule."
        )
        purge.add_argument(
            "--dry-run",
            action="store_true",
            help="List who would be anonymised and why; change nothing.",
        )
        purge.add_argument("--org", default="", help="Only this organisation (its slug).")

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
        if operation == "purge":
            self.purge(dry_run=options["dry_run"], slug=options["org"])
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

    def purge(self, *, dry_run: bool, slug: str) -> None:
        """Each organisation in turn, in its own scope and time zone. A dry run prints names
        (nothing is erased, the operator checks the list); a real run prints record numbers
        only, so the erased names do not survive in a log."""
        with scopes_disabled():
            orgs = Organization.objects.order_by("slug")
            if slug:
                orgs = orgs.filter(slug=slug)
            orgs = list(orgs)
        if slug and not orgs:
            raise CommandError(
                _("There is no organisation with the slug %(slug)r.") % {"slug": slug}
            )
        for org in orgs:
            with scope(organization=org), timezone.override(org.time_zone):
                rule = queries.retention_rule(org)
                self.stdout.write(
                    _("%(org)s (%(slug)s): anonymise after %(months)s months without activity")
                    % {"org": org.name, "slug": org.slug, "months": rule.months}
                )
                if not rule.enabled:
                    self.stdout.write(_("  automatic purge is off for this organisation: skipped"))
                    continue
                result = privacy.purge(org=org, actor=None, dry_run=dry_run)
            for c in result.anonymised:
                values = {"who": _who(c, dry_run), "day": _day(c.last_activity)}
                line = (
                    _("  would anonymise %(who)s: no activity since %(day)s")
                    if dry_run
                    else _("  anonymised %(who)s: no activity since %(day)s")
                )
                self.stdout.write(line % values)
            for c in result.kept:
                values = {"who": _who(c, dry_run), "day": _day(c.last_activity)}
                self.stdout.write(
                    _("  kept: legal hold %(who)s: no activity since %(day)s") % values
                )
            counts = {"anonymised": len(result.anonymised), "kept": len(result.kept)}
            if dry_run:
                self.stdout.write(
                    _("  %(anonymised)s would be anonymised, %(kept)s kept: legal hold") % counts
                )
            else:
                self.stdout.write(
                    self.style.SUCCESS(
                        _("  %(anonymised)s anonymised, %(kept)s kept: legal hold") % counts
                    )
                )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))


def _day(day) -> str:
    return formats.date_format(day, "Y-m-d")


def _who(candidate, dry_run: bool) -> str:
    person = candidate.person
    return f"#{person.pk} {person.full_name}" if dry_run else f"#{person.pk}"
