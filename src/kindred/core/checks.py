"""System checks on the apps' declarations (declarations.py), run at start-up and by
`kindred check`: a declaration that names a page, template, model or extension point that
does not exist stops the server before a user meets it."""

from __future__ import annotations

from django.apps import apps
from django.core.checks import Error, register
from django.core.exceptions import FieldDoesNotExist
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import get_resolver

from . import audit
from .declarations import AppContrib, KindredApp, contributions


def _error(config, message: str, code: int) -> Error:
    return Error(f"{config.name}.contrib: {message}", id=f"kindred.E{code:03d}")


@register()
def declarations_are_valid(app_configs, **kwargs) -> list[Error]:
    errors: list[Error] = []
    found = contributions()
    for config in apps.get_app_configs():
        if config.name.startswith("kindred.") and not isinstance(config, KindredApp):
            errors.append(_error(config, "its AppConfig is not a KindredApp.", 100))
        elif isinstance(config, KindredApp) and not isinstance(
            getattr(config, "contrib", None), AppContrib
        ):
            errors.append(_error(config, "CONTRIB is not an AppContrib.", 100))
    area_keys = [a.key for _c, contrib in found for a in contrib.areas]
    for key in {k for k in area_keys if area_keys.count(k) > 1}:
        errors.append(Error(f"The area {key!r} is declared twice.", id="kindred.E102"))
    seen_nav: set[str] = set()
    seen_cards: set[str] = set()
    seen_labels: dict[str, str] = dict.fromkeys(audit.ACTION_LABELS, "kindred.core")
    points: dict[str, str] = {}
    for config, contrib in found:
        for nav in contrib.nav:
            if nav.area not in area_keys:
                errors.append(_error(config, f"{nav.url_name}: no area {nav.area!r}.", 103))
            if nav.url_name in seen_nav:
                errors.append(_error(config, f"{nav.url_name} is in the menu twice.", 104))
            seen_nav.add(nav.url_name)
            if not _is_org_page(nav.url_name):
                errors.append(
                    _error(config, f"{nav.url_name} is not a page of an organisation.", 105)
                )
        for card in contrib.home_cards:
            if card.key in seen_cards:
                errors.append(_error(config, f"The card {card.key!r} is declared twice.", 106))
            seen_cards.add(card.key)
            try:
                get_template(card.template)
            except TemplateDoesNotExist:
                errors.append(_error(config, f"{card.key}: no template {card.template}.", 107))
        for action in contrib.audit_labels:
            if action in seen_labels:
                errors.append(
                    _error(config, f"{action} is labelled by {seen_labels[action]} too.", 108)
                )
            seen_labels[action] = config.name
        # An app extends only points declared by itself or an app below it.
        points.update(dict.fromkeys(contrib.extension_points, config.name))
        for name in contrib.extends:
            if name not in points:
                errors.append(
                    _error(config, f"extends {name!r}, which no app below it declares.", 109)
                )
        for ref in contrib.person_refs:
            errors.extend(_check_person_ref(config, ref))
    errors.extend(_undeclared_person_refs(found))
    return errors


def _is_org_page(url_name: str) -> bool:
    """Whether `url_name` ("app:name") is a page that takes an organisation's slug."""
    namespace, _sep, name = url_name.rpartition(":")
    resolver = get_resolver()
    if namespace:
        if namespace not in resolver.namespace_dict:
            return False
        resolver = resolver.namespace_dict[namespace][1]
    return any(
        "org_slug" in params
        for possibilities, *_rest in resolver.reverse_dict.getlist(name)
        for _format, params in possibilities
    )


def _check_person_ref(config, ref) -> list[Error]:
    try:
        model = apps.get_model(ref.model)
        field = model._meta.get_field(ref.field)
    except (LookupError, FieldDoesNotExist):
        return [_error(config, f"{ref.model}.{ref.field} does not exist.", 110)]
    if not (field.is_relation and field.related_model is apps.get_model("people.Person")):
        return [_error(config, f"{ref.model}.{ref.field} is not a key to a person.", 110)]
    if model._meta.app_config is not config:
        return [_error(config, f"{ref.model} belongs to another app.", 110)]
    return []


def _undeclared_person_refs(found) -> list[Error]:
    """Every foreign key to a person must be declared, so merge, export and erasure reach it."""
    if not apps.is_installed("kindred.people"):
        return []
    person = apps.get_model("people.Person")
    declared = {
        (ref.model.lower(), ref.field) for _c, contrib in found for ref in contrib.person_refs
    }
    errors = []
    for model in apps.get_models():
        if model is person or not isinstance(model._meta.app_config, KindredApp):
            continue
        for field in model._meta.concrete_fields:
            key = (model._meta.label_lower, field.name)
            if field.is_relation and field.related_model is person and key not in declared:
                errors.append(
                    Error(
                        f"{model._meta.label}.{field.name} refers to a person but no "
                        "PersonRef in its app's contrib.py declares it.",
                        id="kindred.E101",
                    )
                )
    return errors
