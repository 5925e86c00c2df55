"""`{% active_legal_hold person as hold %}` for the privacy section of the person page."""

from django import template

from kindred.privacy import queries

register = template.Library()


@register.simple_tag
def active_legal_hold(person):
    return queries.active_hold(person)
