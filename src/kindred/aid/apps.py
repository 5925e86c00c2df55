from django.utils.translation import gettext_lazy as _

from kindred.core import declarations


class AidConfig(declarations.KindredApp):
    name = "kindred.aid"
    label = "aid"
    verbose_name = _("Aid")
