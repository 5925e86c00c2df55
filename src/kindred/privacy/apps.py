from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "kindred.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from kindred.core import audit
        from kindred.people import services as people

        from .services import refuse_merging_held_record

        people.MERGE_CHECKS.append(refuse_merging_held_record)

        audit.register(
            {
                "person.exported": _("Personal data exported"),
                "person.erased": _("Personal data erased"),
                "legal_hold.placed": _("Legal hold placed"),
                "legal_hold.lifted": _("Legal hold lifted"),
                "retention.rule_changed": _("Retention rule changed"),
                "retention.purged": _("Retention purge run"),
            }
        )
