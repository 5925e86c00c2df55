from django.utils.translation import gettext_lazy as _

from kindred.core import declarations


class GoodsConfig(declarations.KindredApp):
    name = "kindred.goods"
    label = "goods"
    verbose_name = _("Goods")
