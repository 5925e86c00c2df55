"""`kindred demo`: create or refresh the demo organisations and print their logins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kindred.core import demo


class Command(BaseCommand):
    help = "Create or refresh the two demo organisations (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even in production mode (secret key set)."
        )

    def handle(self, *args, force: bool = False, **options):
        if settings.PRODUCTION and not force:
            raise CommandError(
                "This installation runs in production mode; demo users with known passwords "
                "would be a risk. Use --force if you really want them."
            )
        with translation.override("en"):
            logins = demo.load()
            self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in with:"))
            width = max(len(login.email) for login in logins)
            for login in logins:
                self.stdout.write(
                    f"  {login.email:<{width}}  {login.password}  {login.role} · {login.org}"
                )
