from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "kindred.people"
    label = "people"
    verbose_name = _("People and households")

    def ready(self) -> None:
        from kindred.core import audit

        from . import checks  # noqa: F401  (registers the system checks)

        audit.register(
            {
                "person.created": _("Person registered"),
                "person.updated": _("Person changed"),
                "person.identity_revealed": _("Identity number revealed"),
                "person.viewed": _("Record opened"),
                "household.created": _("Household created"),
                "household.member_added": _("Added to household"),
                "household.member_left": _("Left household"),
            }
        )
