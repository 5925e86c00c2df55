from django.utils.translation import gettext_lazy as _

from . import declarations


class CoreConfig(declarations.KindredApp):
    name = "kindred.core"
    label = "core"
    verbose_name = _("Kindred core")

    def ready(self) -> None:
        super().ready()
        from . import checks  # noqa: F401  (registers the declarations' system checks)
