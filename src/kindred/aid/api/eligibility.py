"""Aid API: eligibility rules and the aid settings. Thin: parse, look up within the
organisation, call one service or query. A rule without the fields its kind needs, or a
setting out of range, answers 422 naming the field."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.roles import Action
from kindred.core.services import Invalid

from ..models import EligibilityRule
from ..queries import eligibility as queries
from ..services import eligibility as services
from ..services import settings as settings_services
from .common import ORG, router

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
KindName = Literal["visit_frequency", "category_cap", "scaled_quantity", "required_consent"]
ScaleName = Literal["household", "member", "child"]
Count = Annotated[int, Field(ge=0, le=services.MAX_NUMBER)]
Days = Annotated[int, Field(ge=1, le=services.MAX_NUMBER)]
# The API's field names for the service's (ids instead of objects).
API_FIELDS = {"category": "category_id", "consent_purpose": "consent_purpose_id"}


class RuleOut(Schema):
    id: int
    kind: KindName
    name: str
    description: str = Field(..., description="What the rule means, in the caller's language.")
    active: bool
    max_count: int | None
    period_days: int | None
    category_id: int | None
    scale: ScaleName
    consent_purpose_id: int | None
    created_at: datetime


class RuleFilter(Schema):
    active: bool | None = Field(None, description="Only active (true) or switched-off rules.")
    kind: KindName | None = None


class RuleIn(Schema):
    kind: KindName
    name: str = Field("", max_length=services.NAME_MAX)
    active: bool = True
    max_count: Count | None = Field(
        None, description="Visit frequency, category cap and scaled quantity: at most this many."
    )
    period_days: Days | None = Field(None, description="Visit frequency and category cap.")
    category_id: Id | None = Field(
        None, description="Category cap and scaled quantity; sub-categories count too."
    )
    scale: ScaleName = Field(
        "household", description="Category cap and scaled quantity: counted per …"
    )
    consent_purpose_id: Id | None = Field(None, description="Required consent: the purpose.")


class RulePatch(Schema):
    kind: KindName | None = None
    name: str | None = Field(None, max_length=services.NAME_MAX)
    active: bool | None = None
    max_count: Count | None = None
    period_days: Days | None = None
    category_id: Id | None = None
    scale: ScaleName | None = None
    consent_purpose_id: Id | None = None


class SettingsOut(Schema):
    public_requests: bool = Field(..., description="The public help form is open.")
    public_intro: str
    reservation_days: int = Field(..., description="Days reserved goods wait for collection.")
    substitute_value: Decimal = Field(..., description="0 to 1: a substitute size's value.")
    fairness_weight: Decimal = Field(..., description="0 or more.")
    waiting_bonus: Decimal = Field(..., description="0 or more, per 30 days of waiting.")


class SettingsPatch(Schema):
    public_requests: bool | None = None
    public_intro: str | None = Field(None, max_length=settings_services.INTRO_MAX)
    reservation_days: int | None = Field(None, ge=1, le=settings_services.RESERVATION_DAYS_MAX)
    substitute_value: Decimal | None = Field(None, description="From 0 to 1.")
    fairness_weight: Decimal | None = Field(None, description="0 or more.")
    waiting_bonus: Decimal | None = Field(None, description="0 or more.")


def _rule_out(rule: EligibilityRule) -> dict:
    return {
        "id": rule.pk,
        "kind": rule.kind,
        "name": rule.name,
        "description": getattr(rule, "sentence", None) or services.describe(rule),
        "active": rule.active,
        "max_count": rule.max_count,
        "period_days": rule.period_days,
        "category_id": rule.category_id,
        "scale": rule.scale,
        "consent_purpose_id": rule.consent_purpose_id,
        "created_at": rule.created_at,
    }


def _settings_out(settings) -> dict:
    return {field: getattr(settings, field) for field in settings_services.FIELDS}


def _service_values(values: dict) -> dict:
    """The payload's fields under the service's names."""
    for service_name, api_name in API_FIELDS.items():
        if api_name in values:
            values[service_name] = values.pop(api_name)
    return values


def _api_field(error: Invalid) -> Invalid:
    return Invalid(error.message, field=API_FIELDS.get(error.field or "", error.field))


@router.get(
    ORG + "/aid/eligibility-rules",
    response={200: list[RuleOut], **ERRORS},
    summary="Eligibility rules, with what each means",
)
@org_endpoint(Action.MANAGE_ELIGIBILITY)
@paginate(PagePagination)
def rule_list(request: HttpRequest, slug: str, filters: Query[RuleFilter]):
    rules = queries.rules(request.org, active=filters.active, kind=filters.kind or "")
    return [_rule_out(rule) for rule in rules]


@router.post(
    ORG + "/aid/eligibility-rules",
    response={201: RuleOut, **ERRORS},
    summary="Add an eligibility rule (only the fields its kind uses are kept)",
)
@org_endpoint(Action.MANAGE_ELIGIBILITY)
def rule_create(request: HttpRequest, slug: str, payload: RuleIn):
    try:
        rule = services.create_rule(
            org=request.org, values=_service_values(payload.dict()), actor=request.user
        )
    except Invalid as error:
        raise _api_field(error) from None
    return Status(201, _rule_out(queries.rule(request.org, rule.pk)))


@router.patch(
    ORG + "/aid/eligibility-rules/{rule_id}",
    response={200: RuleOut, **ERRORS},
    summary="Change an eligibility rule, or switch it on or off",
)
@org_endpoint(Action.MANAGE_ELIGIBILITY)
def rule_update(request: HttpRequest, slug: str, rule_id: int, payload: RulePatch):
    org = request.org
    rule = queries.rule(org, rule_id) if 0 < rule_id <= MAX_ID else None
    if rule is None:
        raise Http404
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if payload.dict(exclude_unset=True).get("name", "") is None:
        values["name"] = ""
    try:
        services.update_rule(org=org, rule=rule, values=_service_values(values), actor=request.user)
    except Invalid as error:
        raise _api_field(error) from None
    return _rule_out(queries.rule(org, rule.pk))


@router.get(
    ORG + "/aid/settings",
    response={200: SettingsOut, **ERRORS},
    summary="The aid settings (the defaults until first changed)",
)
@org_endpoint(Action.MANAGE_ELIGIBILITY)
def settings_detail(request: HttpRequest, slug: str):
    return _settings_out(settings_services.get_settings(request.org))


@router.patch(
    ORG + "/aid/settings",
    response={200: SettingsOut, **ERRORS},
    summary="Change some of the aid settings",
)
@org_endpoint(Action.MANAGE_ELIGIBILITY)
def settings_update(request: HttpRequest, slug: str, payload: SettingsPatch):
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if payload.dict(exclude_unset=True).get("public_intro", "") is None:
        values["public_intro"] = ""
    settings = settings_services.update_settings(org=request.org, values=values, actor=request.user)
    return _settings_out(settings)
