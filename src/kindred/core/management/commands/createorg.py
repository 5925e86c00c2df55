"""`kindred createorg`: create an organisation and its first administrator.

This is how a new installation starts (the demo aside): the administrator then invites
everyone else from the Members page."""

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kindred.core import services
from kindred.core.models import CURRENCY_CHOICES, LANGUAGE_CHOICES, User


class Command(BaseCommand):
    help = "Create an organisation with a first administrator (created if needed)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short name used in addresses, e.g. 'hjaelpesporet'.")
        parser.add_argument("name", help="Full name, e.g. 'Hjælpesporet'.")
        parser.add_argument("--admin", required=True, help="E-mail of the first administrator.")
        parser.add_argument("--country", default="DK", help="ISO country code (DK, SE, FI, BG…).")
        parser.add_argument(
            "--currency", default="DKK", choices=[c for c, _label in CURRENCY_CHOICES]
        )
        parser.add_argument(
            "--language", default="en", choices=[c for c, _label in LANGUAGE_CHOICES]
        )
        parser.add_argument("--time-zone", default="Europe/Copenhagen")

    def handle(self, *args, **opts):
        email = opts["admin"].strip().lower()
        password = None
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            if user is None:
                password = secrets.token_urlsafe(12)
                user = User.objects.create_user(
                    email=email, password=password, language=opts["language"]
                )
            try:
                org = services.create_organization(
                    slug=opts["slug"],
                    name=opts["name"],
                    country=opts["country"].upper(),
                    currency=opts["currency"],
                    default_language=opts["language"],
                    time_zone=opts["time_zone"],
                    admin=user,
                    actor=None,
                )
            except services.DomainError as error:
                raise CommandError(f"{error.field or 'error'}: {error.message}") from error
        self.stdout.write(self.style.SUCCESS(f"Created {org.name} (/o/{org.slug}/)."))
        if password:
            self.stdout.write(
                f"New administrator {email} with password {password} — change it after the "
                "first login."
            )
        else:
            self.stdout.write(f"{email} is its administrator.")
