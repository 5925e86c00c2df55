from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "kindred.people"
    label = "people"
    verbose_name = _("People and households")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
