from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoodsConfig(AppConfig):
    name = "kindred.goods"
    label = "goods"
    verbose_name = _("Goods")

    def ready(self) -> None:
        from kindred.core import audit
        from kindred.people.services import consent

        from .services.intake import DONOR_PURPOSE, DONOR_PURPOSE_TEXTS

        consent.APP_PURPOSES[DONOR_PURPOSE] = DONOR_PURPOSE_TEXTS
        from kindred.core import services as core_services

        from .services.catalogue import ensure_default_catalogue

        # Every new organisation starts with the default catalogue.
        if ensure_default_catalogue not in core_services.ORGANIZATION_CREATED:
            core_services.ORGANIZATION_CREATED.append(ensure_default_catalogue)

        audit.register(
            {
                "catalogue.category_added": _("Category added"),
                "catalogue.category_changed": _("Category changed"),
                "catalogue.item_type_added": _("Item type added"),
                "catalogue.item_type_changed": _("Item type changed"),
                "location.added": _("Location added"),
                "location.changed": _("Location changed"),
                "location.archived": _("Location archived"),
                "location.restored": _("Location restored"),
                "receipt.recorded": _("Donation received"),
                "receipt.corrected": _("Donation receipt corrected"),
                "receipt.thanked": _("Thank-you sent"),
                "sorting.recorded": _("Sorting recorded"),
                "transfer.sent": _("Transfer sent"),
                "transfer.received": _("Transfer received"),
                "count.started": _("Stock count started"),
                "count.recorded": _("Stock counts entered"),
                "count.approved": _("Stock count approved"),
                "count.cancelled": _("Stock count cancelled"),
                "disposal.recorded": _("Goods disposed of"),
                "stock.corrected": _("Stock corrected"),
                "stock.handed_out": _("Goods handed out"),
                "stock.reserved": _("Goods reserved"),
                "stock.released": _("Reservation released"),
                "threshold.changed": _("Low-stock level changed"),
                "needs.settings_changed": _("Public needs list changed"),
            }
        )
