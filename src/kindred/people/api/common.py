"""API endpoints for persons and households (thin: parse, check, call a service or query).

What a caller sees follows the role: without `VIEW_PERSON_DETAILS` (volunteers) the contact
details, address, birth date, notes and the identity-number fields are left out of the JSON
altogether (not sent as null, so "no phone recorded" cannot be confused with "not shown").
The identity number itself is never in ordinary output: only `has_national_id` and
`national_id_country`, and the number in clear from the audited reveal endpoint.
Referrers (`OWN_RECORDS_ONLY`) see only their own records; anything else answers 404.
"""

from datetime import date
from typing import Annotated, ClassVar, Literal

from ninja import Field, Router, Schema
from pydantic import SerializationInfo, SerializerFunctionWrapHandler, model_serializer

from kindred.core.roles import Action, can

router = Router()

Gender = Literal["female", "male", "other", ""]
Relation = Literal["head", "partner", "child", "other_adult"]
# The database allows birth years 1850 to 2200 (a CHECK constraint); refuse others as input.
EARLIEST_BIRTH_DATE = date(1850, 1, 1)
LATEST_BIRTH_DATE = date(2200, 12, 31)
LanguageCode = Annotated[str, Field(min_length=1, max_length=10)]
# Ids that reach a query other than a primary-key lookup must fit a 64-bit integer.
MAX_ID = 2**63 - 1

_DETAIL = "Only for roles that may see person details (not volunteers); left out otherwise."


class RoleFilteredSchema(Schema):
    """Leaves `DETAIL_FIELDS` out of the JSON unless the caller's role may see person
    details. ninja passes the request in the serialisation context; without one (no
    request, or a request without an organisation role) the fields are left out."""

    DETAIL_FIELDS: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _hide_details(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo):
        data = handler(self)
        request = (info.context or {}).get("request")
        if not can(getattr(request, "role", None), Action.VIEW_PERSON_DETAILS):
            for field in self.DETAIL_FIELDS:
                data.pop(field, None)
        return data
