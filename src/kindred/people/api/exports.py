"""API: the persons and households lists as CSV or XLSX files."""

from typing import Literal

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Schema

from kindred.api.auth import org_endpoint
from kindred.core.api import ERRORS
from kindred.core.roles import Action

from .. import exports, queries
from .common import (
    router,
)

# Exports (people/exports.py): the files of the list pages' export links --------------------
# Under /exports/… rather than /persons/export, which /persons/{person_id} would catch.

_FILE_RESPONSES = {
    "200": {
        "description": "The file, as CSV (UTF-8 with a BOM) or XLSX; each export is audited.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


class PersonExportFilter(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    q: str = Field("", max_length=200, description="Search, as on the persons page.")
    household: Literal["yes", "no", ""] = Field(
        "", description="yes: only persons in a household; no: only persons in none."
    )
    sort: Literal["name", "newest"] = "name"


class HouseholdExportFilter(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    q: str = Field("", max_length=200, description="Search in the label and city.")


def _export_file(export):
    return FileResponse(
        export.file, as_attachment=True, filename=export.filename, content_type=export.content_type
    )


@router.get(
    "/organizations/{slug}/exports/persons",
    response=ERRORS,
    tags=["exports"],
    summary="The persons list as a CSV or XLSX file",
    description="The rows and columns the caller may see, as on the persons page: contact "
    "details only for roles that may see them, never an identity number.",
    openapi_extra={"responses": _FILE_RESPONSES},
)
@org_endpoint(Action.EXPORT_PEOPLE)
def person_export(request: HttpRequest, slug: str, filters: Query[PersonExportFilter]):
    export = exports.export_persons(
        org=request.org,
        membership=request.membership,
        actor=request.user,
        fmt=filters.format,
        search=filters.q.strip(),
        in_household=queries.IN_HOUSEHOLD_PARAMS.get(filters.household),
        sort=queries.LIST_SORT_PARAMS[filters.sort],
    )
    return _export_file(export)


@router.get(
    "/organizations/{slug}/exports/households",
    response=ERRORS,
    tags=["exports"],
    summary="The households list as a CSV or XLSX file",
    openapi_extra={"responses": _FILE_RESPONSES},
)
@org_endpoint(Action.EXPORT_PEOPLE)
def household_export(request: HttpRequest, slug: str, filters: Query[HouseholdExportFilter]):
    export = exports.export_households(
        org=request.org,
        membership=request.membership,
        actor=request.user,
        fmt=filters.format,
        search=filters.q.strip(),
    )
    return _export_file(export)
