"""API for the rights of the person and retention, for administrators
(Action.HANDLE_PRIVACY): the same services and queries as the privacy pages."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.roles import Action
from kindred.core.services import NotFound
from kindred.people.queries import visible_persons

from . import queries, services
from .models import MAX_RETENTION_MONTHS, MIN_RETENTION_MONTHS, LegalHold

router = Router(tags=["privacy"])

MAX_ID = 2**63 - 1
_PERSON = "/organizations/{slug}/persons/{person_id}"


def _person(request: HttpRequest, person_id: int):
    return get_object_or_404(visible_persons(request.org, request.membership), pk=person_id)


# A person's data ----------------------------------------------------------------------------


@router.get(
    _PERSON + "/export",
    response={200: dict[str, Any], **ERRORS},
    summary="Everything held about a person (access request; logged)",
    description=(
        "Every field of the person's record (the identity number decrypted, as `national_id`), "
        "every row of every model that refers to them (`related`, one section per model, "
        "with the objects those rows point at under `linked`) and the audit entries about "
        "them (`audit_log`, without staff identities). Each export is audited."
    ),
)
@org_endpoint(Action.HANDLE_PRIVACY)
def person_export(request: HttpRequest, slug: str, person_id: int):
    person = _person(request, person_id)
    export = services.export_person(org=request.org, person=person, actor=request.user, fmt="json")
    return export.as_json()


class EraseIn(Schema):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=services.REASON_MAX_LENGTH,
        description="Why (e.g. the person's request); kept in the audit log, masked.",
    )


class ErasureOut(Schema):
    person_id: int
    anonymised_at: datetime
    audit_entries_redacted: int = Field(
        ..., description="Audit entries in which the person's data was masked."
    )
    rows_redacted: int = Field(..., description="Related rows whose free text was cleared.")
    households_anonymised: int


@router.post(
    _PERSON + "/erase",
    response={200: ErasureOut, **ERRORS},
    summary="Erase a person's data (anonymise; refused under a legal hold)",
)
@org_endpoint(Action.HANDLE_PRIVACY)
def person_erase(request: HttpRequest, slug: str, person_id: int, payload: EraseIn):
    person = _person(request, person_id)
    result = services.erase_person(
        org=request.org, person=person, reason=payload.reason, actor=request.user
    )
    return {
        "person_id": result.person.pk,
        "anonymised_at": result.person.anonymised_at,
        "audit_entries_redacted": result.audit_entries_redacted,
        "rows_redacted": result.rows_redacted,
        "households_anonymised": len(result.households_anonymised),
    }


# Legal holds --------------------------------------------------------------------------------


class LegalHoldOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.full_name")
    reason: str
    placed_at: datetime
    placed_by: str | None
    lifted_at: datetime | None
    lifted_by: str | None
    active: bool

    @staticmethod
    def resolve_placed_by(obj: LegalHold) -> str | None:
        return obj.placed_by.display_name if obj.placed_by else None

    @staticmethod
    def resolve_lifted_by(obj: LegalHold) -> str | None:
        return obj.lifted_by.display_name if obj.lifted_by else None


class LegalHoldIn(Schema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    reason: str = Field(..., min_length=1, max_length=services.REASON_MAX_LENGTH)


class HoldFilter(Schema):
    status: Literal["active", "lifted", "all"] = "active"
    q: str = Field("", max_length=200, description="Words in the person's name or the reason.")
    sort: Literal["newest", "oldest", "name"] = "newest"


@router.get(
    "/organizations/{slug}/legal-holds",
    response={200: list[LegalHoldOut], **ERRORS},
    summary="Legal holds",
)
@org_endpoint(Action.HANDLE_PRIVACY)
@paginate(PagePagination)
def hold_list(request: HttpRequest, slug: str, filters: Query[HoldFilter]):
    return queries.legal_holds(
        request.org, status=filters.status, search=filters.q.strip(), sort=filters.sort
    )


@router.post(
    "/organizations/{slug}/legal-holds",
    response={201: LegalHoldOut, **ERRORS},
    summary="Place a legal hold on a person",
)
@org_endpoint(Action.HANDLE_PRIVACY)
def hold_place(request: HttpRequest, slug: str, payload: LegalHoldIn):
    person = visible_persons(request.org, request.membership).filter(pk=payload.person_id).first()
    if person is None:
        raise NotFound(_("There is no such person."), field="person_id")
    hold = services.place_legal_hold(
        org=request.org, person=person, reason=payload.reason, actor=request.user
    )
    return Status(201, hold)


@router.post(
    "/organizations/{slug}/legal-holds/{hold_id}/lift",
    response={200: LegalHoldOut, **ERRORS},
    summary="Lift a legal hold",
)
@org_endpoint(Action.HANDLE_PRIVACY)
def hold_lift(request: HttpRequest, slug: str, hold_id: int):
    hold = get_object_or_404(LegalHold.objects.select_related("person"), pk=hold_id)
    return services.lift_legal_hold(org=request.org, hold=hold, actor=request.user)


# Retention ----------------------------------------------------------------------------------


class RetentionRuleOut(Schema):
    months: int
    enabled: bool
    is_default: bool = Field(..., description="True until the rule is first saved.")
    updated_at: datetime | None


class RetentionRuleIn(Schema):
    months: int = Field(..., ge=MIN_RETENTION_MONTHS, le=MAX_RETENTION_MONTHS)
    enabled: bool


def _rule_out(rule) -> dict:
    return {
        "months": rule.months,
        "enabled": rule.enabled,
        "is_default": rule.pk is None,
        "updated_at": rule.updated_at,
    }


@router.get(
    "/organizations/{slug}/retention-rule",
    response={200: RetentionRuleOut, **ERRORS},
    summary="The retention rule",
)
@org_endpoint(Action.HANDLE_PRIVACY)
def rule_get(request: HttpRequest, slug: str):
    return _rule_out(queries.retention_rule(request.org))


@router.put(
    "/organizations/{slug}/retention-rule",
    response={200: RetentionRuleOut, **ERRORS},
    summary="Change the retention rule",
)
@org_endpoint(Action.HANDLE_PRIVACY)
def rule_put(request: HttpRequest, slug: str, payload: RetentionRuleIn):
    rule = services.set_retention_rule(
        org=request.org, months=payload.months, enabled=payload.enabled, actor=request.user
    )
    return _rule_out(rule)


class PurgeCandidateOut(Schema):
    person_id: int
    name: str
    last_activity: date
    outcome: Literal["anonymise", "kept_legal_hold"]
    reason: str


class PreviewFilter(Schema):
    outcome: Literal["", "anonymise", "kept_legal_hold"] = ""
    q: str = Field("", max_length=200, description="Words in the person's name.")
    sort: Literal["activity", "name"] = "activity"


@router.get(
    "/organizations/{slug}/retention-rule/preview",
    response={200: list[PurgeCandidateOut], **ERRORS},
    summary="Who the next purge would anonymise, and why",
)
@org_endpoint(Action.HANDLE_PRIVACY)
@paginate(PagePagination)
def rule_preview(request: HttpRequest, slug: str, filters: Query[PreviewFilter]):
    candidates = queries.purge_candidates(
        request.org,
        timezone.localdate(),
        outcome=filters.outcome,
        search=filters.q.strip(),
        sort=filters.sort,
    )
    return [
        {
            "person_id": c.person.pk,
            "name": c.person.full_name,
            "last_activity": c.last_activity,
            "outcome": c.outcome,
            "reason": c.reason,
        }
        for c in candidates
    ]
