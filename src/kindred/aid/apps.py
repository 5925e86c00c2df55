from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidConfig(AppConfig):
    name = "kindred.aid"
    label = "aid"
    verbose_name = _("Aid")

    def ready(self) -> None:
        from kindred.core import audit
        from kindred.goods.queries import stock

        from .models import Handout, Reservation
        from .services import AUDIT_ACTIONS

        audit.register(AUDIT_ACTIONS)
        # The goods pages link the aid flow's movements to their documents (RV-3, U-12).
        stock.DOCUMENTS["reservation"] = (Reservation, "aid:reservation", "reservation_id")
        stock.DOCUMENTS["handout"] = (Handout, "aid:station-handout", "handout_id")
