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
                "person.merged": _("Records merged"),
                "person.duplicate_dismissed": _("Marked as different people"),
                "household.created": _("Household created"),
                "household.member_added": _("Added to household"),
                "household.member_left": _("Left household"),
                # Contacts and consent
                "contact.created": _("Contact added"),
                "contact.updated": _("Contact changed"),
                "contact.archived": _("Contact archived"),
                "contact.restored": _("Contact restored"),
                "contact.person_added": _("Contact person added"),
                "contact.person_updated": _("Contact person changed"),
                "contact.person_removed": _("Contact person removed"),
                "consent_purpose.created": _("Purpose added"),
                "consent_purpose.updated": _("Purpose changed"),
                "consent_purpose.archived": _("Purpose archived"),
                "consent_purpose.restored": _("Purpose restored"),
                "consent.recorded": _("Consent or lawful basis recorded"),
                "consent.withdrawn": _("Consent withdrawn"),
            }
        )
