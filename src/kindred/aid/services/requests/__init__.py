"""Help requests and their need lines: registering them (staff, referrers, the public form),
changing the lines, and moving a request through its statuses:

    submitted → in review → approved | rejected;  approved → being fulfilled → closed

`refresh_status` is the one place that moves an approved request on as goods are reserved
and handed out; the allocation and handout services call it after they change reservations
or handouts. Every service is one transaction, locks the request row first (two coordinators
deciding at once cannot both win), and writes its audit entry inside that transaction.
"""

from .common import (
    AUDIT,
    CAN_CLOSE,
    CAN_DECIDE,
    CAN_START_REVIEW,
    EDITABLE,
    LINE_FIELDS,
    MAX_LINES,
    MAX_QUANTITY,
    refresh_status,
)
from .lines import (
    add_line,
    change_line,
    clean_line,
    line_problems,
    reserved_by_line,
    update_lines,
)
from .registration import (
    APPLICANT_FIELDS,
    HELP_PURPOSE,
    SubmitRequest,
    create_request,
    register_household,
    require_household,
    set_pickup_site,
    source_for,
    submit_public,
    submit_request,
)
from .status import approve, check_eligibility, close, eligibility_now, reject, start_review

__all__ = [
    "APPLICANT_FIELDS",
    "AUDIT",
    "CAN_CLOSE",
    "CAN_DECIDE",
    "CAN_START_REVIEW",
    "EDITABLE",
    "HELP_PURPOSE",
    "LINE_FIELDS",
    "MAX_LINES",
    "MAX_QUANTITY",
    "SubmitRequest",
    "add_line",
    "approve",
    "change_line",
    "check_eligibility",
    "clean_line",
    "close",
    "create_request",
    "eligibility_now",
    "line_problems",
    "refresh_status",
    "register_household",
    "reject",
    "require_household",
    "reserved_by_line",
    "set_pickup_site",
    "source_for",
    "start_review",
    "submit_public",
    "submit_request",
    "update_lines",
]
