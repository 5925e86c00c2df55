from django.utils.translation import gettext_lazy as _

from kindred.core import declarations


class PeopleConfig(declarations.KindredApp):
    name = "kindred.people"
    label = "people"
    verbose_name = _("People and households")

    def ready(self) -> None:
        super().ready()
        from . import checks  # noqa: F401  (registers the system checks)
