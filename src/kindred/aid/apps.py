from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidConfig(AppConfig):
    name = "kindred.aid"
    label = "aid"
    verbose_name = _("Aid")

    def ready(self) -> None:
        from kindred.core import audit

        from .services import AUDIT_ACTIONS

        audit.register(AUDIT_ACTIONS)
