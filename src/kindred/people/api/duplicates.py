"""API: possible duplicates, "not the same person", merging."""

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.roles import Action

from .. import queries, services
from .common import (
    MAX_ID,
    router,
)
from .persons import (
    PersonOut,
    _person,
)

# Duplicates and merging ---------------------------------------------------------------------


class PairOut(Schema):
    person_a: PersonOut
    person_b: PersonOut
    score: float
    reasons: list[str]


class MergeIn(Schema):
    other: int = Field(gt=0, le=MAX_ID, description="The person merged into this one.")
    take_from_other: list[str] = Field(
        default_factory=list,
        description="Fields where the other record's value wins over this one's.",
    )


class DismissIn(Schema):
    person_a: int = Field(gt=0, le=MAX_ID)
    person_b: int = Field(gt=0, le=MAX_ID)


@router.get(
    "/organizations/{slug}/duplicates",
    response={200: list[PairOut], **ERRORS},
    tags=["persons"],
    summary="Possible duplicates",
)
@org_endpoint(Action.MERGE_PEOPLE)
@paginate(PagePagination)
def duplicate_list(request: HttpRequest, slug: str):
    return [
        {"person_a": a, "person_b": b, "score": score, "reasons": reasons}
        for a, b, score, reasons in queries.possible_duplicates(request.org)
    ]


@router.post(
    "/organizations/{slug}/duplicates/dismiss",
    response={201: dict, **ERRORS},
    tags=["persons"],
    summary="Mark two similar records as different people",
)
@org_endpoint(Action.MERGE_PEOPLE)
def duplicate_dismiss(request: HttpRequest, slug: str, payload: DismissIn):
    services.dismiss_duplicate(
        org=request.org,
        person=_person(request, payload.person_a),
        other=_person(request, payload.person_b),
        actor=request.user,
    )
    return Status(201, {})


@router.post(
    "/organizations/{slug}/persons/{person_id}/merge",
    response={200: PersonOut, **ERRORS},
    tags=["persons"],
    summary="Merge another record into this person",
)
@org_endpoint(Action.MERGE_PEOPLE)
def person_merge(request: HttpRequest, slug: str, person_id: int, payload: MergeIn):
    return services.merge_persons(
        org=request.org,
        keep=_person(request, person_id),
        other=_person(request, payload.other),
        actor=request.user,
        take_from_other=tuple(payload.take_from_other),
    )
