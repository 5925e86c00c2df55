"""Every write to organisations, sites, memberships, invitations and API tokens, one module
per subject (organizations, members, accounts; common holds what they share).

Each service is one transaction, takes the acting user, raises a named translated
`DomainError` on a broken rule, and writes its audit entry inside the same transaction.
E-mails go through the outbox after commit. The domain errors are re-exported here, where
the edges have always found them (they live in core/errors.py)."""

from ..errors import Conflict, DomainError, Invalid, NotFound
from .accounts import (
    create_api_token,
    record_password_change,
    revoke_api_token,
    set_language,
    start_audit_export,
)
from .common import (
    ORG_FIELDS,
    SITE_FIELDS,
    apply_values,
    save_archived,
    update_and_audit,
    validate_fields,
)
from .members import (
    accept_invitation,
    add_member,
    change_role,
    find_invitation,
    invite_member,
    remove_member,
    revoke_invitation,
)
from .organizations import (
    create_organization,
    create_site,
    set_site_archived,
    update_organization,
    update_site,
)

__all__ = [
    "ORG_FIELDS",
    "SITE_FIELDS",
    "Conflict",
    "DomainError",
    "Invalid",
    "NotFound",
    "accept_invitation",
    "add_member",
    "apply_values",
    "change_role",
    "create_api_token",
    "create_organization",
    "create_site",
    "find_invitation",
    "invite_member",
    "record_password_change",
    "remove_member",
    "revoke_api_token",
    "revoke_invitation",
    "save_archived",
    "set_language",
    "set_site_archived",
    "start_audit_export",
    "update_and_audit",
    "update_organization",
    "update_site",
    "validate_fields",
]
