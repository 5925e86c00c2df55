"""Person and household pages under /o/<org_slug>/people/…: parse, authorise (org_view),
call one service or query, answer. One module per subject: persons (with duplicates and
merging), households, contacts (with consents and purposes); common.py holds the lookups.

Every record is looked up through `queries.visible_persons` / `visible_households`, so a
referrer (roles.OWN_RECORDS_ONLY) gets 404 for a record they did not register, exactly as
for one that does not exist."""

from .contacts import (
    consent_new,
    consent_withdraw,
    contact_archive,
    contact_detail,
    contact_edit,
    contact_list,
    contact_person_add,
    contact_person_main,
    contact_person_remove,
    purpose_archive,
    purpose_edit,
    purpose_list,
)
from .families import family_new
from .households import (
    household_add_member,
    household_detail,
    household_list,
    household_member_leave,
    household_new,
)
from .persons import (
    duplicate_dismiss,
    duplicate_list,
    person_detail,
    person_duplicate_check,
    person_edit,
    person_list,
    person_merge,
    person_reveal,
)

__all__ = [
    "consent_new",
    "consent_withdraw",
    "contact_archive",
    "contact_detail",
    "contact_edit",
    "contact_list",
    "contact_person_add",
    "contact_person_main",
    "contact_person_remove",
    "duplicate_dismiss",
    "duplicate_list",
    "family_new",
    "household_add_member",
    "household_detail",
    "household_list",
    "household_member_leave",
    "household_new",
    "person_detail",
    "person_duplicate_check",
    "person_edit",
    "person_list",
    "person_merge",
    "person_reveal",
    "purpose_archive",
    "purpose_edit",
    "purpose_list",
]
