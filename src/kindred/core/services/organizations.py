"""Organisations and their sites."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_scopes import scope

from .. import audit, declarations
from ..errors import Conflict
from ..models import Organization, Site, User
from ..roles import Role
from .common import (
    ORG_FIELDS,
    SITE_FIELDS,
    apply_values,
    save_archived,
    update_and_audit,
    validate_fields,
)
from .members import add_member

# Organisations ---------------------------------------------------------------------------


@transaction.atomic
def create_organization(
    *,
    slug: str,
    name: str,
    country: str,
    currency: str,
    default_language: str = "en",
    time_zone: str = "Europe/Copenhagen",
    admin: User,
    actor: User | None,
) -> Organization:
    """Create a tenant and make `admin` its first administrator."""
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(_("An organisation with this short name already exists."), field="slug")
    org = Organization(
        slug=slug,
        name=name,
        country=country,
        currency=currency,
        default_language=default_language,
        time_zone=time_zone,
    )
    validate_fields(org, ("slug", *ORG_FIELDS))
    org.save()
    audit.log(
        org=org,
        actor=actor,
        action="organization.created",
        obj=org,
        changes={f: [None, getattr(org, f)] for f in ("slug", *ORG_FIELDS)},
    )
    add_member(org=org, user=admin, role=Role.ADMIN, actor=actor)
    with scope(organization=org):
        # What every new organisation starts with, declared by the apps that own it (goods:
        # the default catalogue), inside this transaction: a failing hook leaves no
        # half-made organisation behind.
        for hook in declarations.organization_created_hooks():
            hook(org)
    return org


@transaction.atomic
def update_organization(
    *, org: Organization, values: Mapping[str, Any], actor: User
) -> Organization:
    org = Organization.objects.select_for_update().get(pk=org.pk)
    update_and_audit(org, values, ORG_FIELDS, org=org, actor=actor, action="organization.updated")
    return org


# Sites -------------------------------------------------------------------------------------


def _check_site_name(org: Organization, name: str, exclude_pk: int | None = None) -> None:
    clash = Site.objects.filter(organization=org, name__iexact=name.strip())
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(_("A site with this name already exists."), field="name")


@transaction.atomic
def create_site(*, org: Organization, values: Mapping[str, Any], actor: User) -> Site:
    site = Site(organization=org)
    apply_values(site, values, SITE_FIELDS)
    validate_fields(site, SITE_FIELDS)
    _check_site_name(org, site.name)
    try:
        with transaction.atomic():
            site.save()
    except IntegrityError as error:  # a concurrent create with the same name
        raise Conflict(_("A site with this name already exists."), field="name") from error
    audit.log(
        org=org,
        actor=actor,
        action="site.created",
        obj=site,
        changes={f: [None, getattr(site, f)] for f in SITE_FIELDS if getattr(site, f)},
    )
    return site


@transaction.atomic
def update_site(*, org: Organization, site: Site, values: Mapping[str, Any], actor: User) -> Site:
    site = Site.objects.select_for_update().get(pk=site.pk, organization=org)

    def check(changed: list[str]) -> None:
        if "name" in changed:
            _check_site_name(org, site.name, exclude_pk=site.pk)

    update_and_audit(
        site, values, SITE_FIELDS, org=org, actor=actor, action="site.updated", check=check
    )
    return site


@transaction.atomic
def set_site_archived(*, org: Organization, site: Site, archived: bool, actor: User) -> Site:
    """Archive (hide from new work, keep history) or restore a site."""
    site = Site.objects.select_for_update().get(pk=site.pk, organization=org)
    save_archived(site, archived, org=org, actor=actor, kind="site")
    return site
