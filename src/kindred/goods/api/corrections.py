"""API: correcting a past document by reversing it (services.reverse_document), and reading
a document's corrections. The reversal is all or nothing: if the document's goods have
moved on, it is a 409 naming the field and nothing changes."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.core.api import ERRORS
from kindred.core.roles import Action

from .. import services
from ..queries import operations as queries
from .common import MAX_ID, ORG, router
from .stock import MovementOut

DocumentType = Annotated[
    str,
    Field(
        min_length=1,
        max_length=30,
        description="The document's type as movements name it: receipt, sorting, transfer, "
        "count, disposal (or another app's document, such as a handout).",
    ),
]
DocumentId = Annotated[int, Field(ge=1, le=MAX_ID)]


class CorrectionIn(Schema):
    document_type: DocumentType
    document_id: DocumentId
    reason: str = Field(..., max_length=300, description="Why: kept on every movement.")


class CorrectionQuery(Schema):
    document_type: DocumentType
    document_id: DocumentId


@router.get(
    ORG + "/goods/corrections",
    response={200: list[MovementOut], **ERRORS},
    summary="The movements that reversed a document",
)
@org_endpoint(Action.VIEW_STOCK)
def correction_list(request: HttpRequest, slug: str, filters: Query[CorrectionQuery]):
    return list(
        queries.document_corrections(request.org, filters.document_type, filters.document_id)
    )


@router.post(
    ORG + "/goods/corrections",
    response={201: list[MovementOut], **ERRORS},
    summary="Reverse every movement of a past document not reversed yet",
)
@org_endpoint(Action.ADJUST_STOCK)
def correction_create(request: HttpRequest, slug: str, payload: CorrectionIn):
    movements = services.reverse_document(
        org=request.org,
        document_type=payload.document_type,
        document_id=payload.document_id,
        reason=payload.reason,
        actor=request.user,
    )
    return Status(
        201,
        list(
            queries.document_corrections(
                request.org, payload.document_type, payload.document_id
            ).filter(pk__in=[m.pk for m in movements])
        ),
    )
