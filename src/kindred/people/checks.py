from django.conf import settings
from django.core.checks import Error, register

from .identity import parse_keys


@register()
def encryption_keys(app_configs, **kwargs):
    if not settings.ENCRYPTION_KEYS:
        return [
            Error(
                "KINDRED_ENCRYPTION_KEYS is not set.",
                hint="Generate one with `kindred privacy new-key` and keep a backup of it.",
                id="kindred.E001",
            )
        ]
    try:
        parse_keys(settings.ENCRYPTION_KEYS)
    except ValueError as error:
        return [Error(f"KINDRED_ENCRYPTION_KEYS: {error}", id="kindred.E002")]
    return []
