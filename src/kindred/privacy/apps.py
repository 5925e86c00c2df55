from django.utils.translation import gettext_lazy as _

from kindred.core import declarations


class PrivacyConfig(declarations.KindredApp):
    name = "kindred.privacy"
    label = "privacy"
    verbose_name = _("Privacy")
