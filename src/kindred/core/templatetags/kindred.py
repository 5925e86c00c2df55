from django import template

from kindred.core.audit import action_label as _action_label

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """The translated meaning of an audit action code."""
    return _action_label(action)
