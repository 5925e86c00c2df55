"""What each role may do: the one place in code that decides it.

Pages (`core.scoping.org_view`) and the API (`api.auth`) both ask `can(role, action)`.
docs/roles.md shows this table; tests/core/test_permissions.py checks every cell of it
against real pages and endpoints.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    VOLUNTEER = "volunteer", _("Volunteer")
    REFERRER = "referrer", _("Referrer")
    FUNDRAISER = "fundraiser", _("Fundraiser")


class Action(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    EDIT_ORGANIZATION = "edit_organization"
    VIEW_SITES = "view_sites"
    MANAGE_SITES = "manage_sites"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    VIEW_AUDIT = "view_audit"
    USE_API = "use_api"
    VIEW_PEOPLE = "view_people"
    MANAGE_PEOPLE = "manage_people"
    VIEW_PERSON_DETAILS = "view_person_details"
    REVEAL_IDENTITY = "reveal_identity"
    MANAGE_CONSENT = "manage_consent"
    MERGE_PEOPLE = "merge_people"
    IMPORT_PEOPLE = "import_people"
    EXPORT_PEOPLE = "export_people"
    HANDLE_PRIVACY = "handle_privacy"
    VIEW_CONTACTS = "view_contacts"
    MANAGE_CONTACTS = "manage_contacts"
    VIEW_STOCK = "view_stock"
    RECORD_INTAKE = "record_intake"
    MOVE_STOCK = "move_stock"
    ADJUST_STOCK = "adjust_stock"
    MANAGE_CATALOGUE = "manage_catalogue"
    VIEW_REQUESTS = "view_requests"
    SUBMIT_REQUESTS = "submit_requests"
    REVIEW_REQUESTS = "review_requests"
    MANAGE_ELIGIBILITY = "manage_eligibility"
    ALLOCATE = "allocate"
    VIEW_DISTRIBUTION = "view_distribution"
    MANAGE_DISTRIBUTION = "manage_distribution"
    HAND_OUT = "hand_out"


ACTION_LABELS = {
    Action.VIEW_DASHBOARD: _("See the organisation's dashboard"),
    Action.EDIT_ORGANIZATION: _("Edit the organisation's settings"),
    Action.VIEW_SITES: _("See sites"),
    Action.MANAGE_SITES: _("Add, edit and archive sites"),
    Action.VIEW_MEMBERS: _("See members and invitations"),
    Action.MANAGE_MEMBERS: _("Invite members, change roles, remove members"),
    Action.VIEW_AUDIT: _("Read the audit log"),
    Action.USE_API: _("Create personal API tokens"),
    Action.VIEW_PEOPLE: _("See persons and households (referrers: only their own)"),
    Action.MANAGE_PEOPLE: _("Register and edit persons and households (referrers: their own)"),
    Action.VIEW_PERSON_DETAILS: _(
        "See contact details, notes and whether an identity number is recorded"
    ),
    Action.REVEAL_IDENTITY: _("Reveal identity numbers (every reveal is logged)"),
    Action.MANAGE_CONSENT: _("Record and withdraw consents (referrers: for their own persons)"),
    Action.MERGE_PEOPLE: _("Review possible duplicates and merge persons"),
    Action.IMPORT_PEOPLE: _("Import persons and households from spreadsheets"),
    Action.EXPORT_PEOPLE: _("Export lists of persons and households"),
    Action.HANDLE_PRIVACY: _(
        "Answer access and erasure requests, set legal holds and retention rules"
    ),
    Action.VIEW_CONTACTS: _("See companies, organisations and their contact persons"),
    Action.MANAGE_CONTACTS: _("Add and edit companies, organisations and contact persons"),
    Action.VIEW_STOCK: _("See stock, movements, receipts and labels"),
    Action.RECORD_INTAKE: _("Record donations at the intake table"),
    Action.MOVE_STOCK: _("Sort, transfer, count and dispose of goods"),
    Action.ADJUST_STOCK: _("Approve stock counts and correct past documents"),
    Action.MANAGE_CATALOGUE: _(
        "Edit the catalogue, locations, low-stock levels and the public needs list"
    ),
    Action.VIEW_REQUESTS: _("See help requests and their needs (referrers: only their own)"),
    Action.SUBMIT_REQUESTS: _("Register help requests for households (referrers: their own)"),
    Action.REVIEW_REQUESTS: _(
        "Approve and reject help requests, override eligibility with a reason"
    ),
    Action.MANAGE_ELIGIBILITY: _("Set up eligibility rules and the help-request settings"),
    Action.ALLOCATE: _("Run the allocation, change its proposal and confirm reservations"),
    Action.VIEW_DISTRIBUTION: _("See distribution days, bookings and pick lists"),
    Action.MANAGE_DISTRIBUTION: _("Plan distribution days and book or move households' slots"),
    Action.HAND_OUT: _("Hand out goods at the station, record no-shows and walk-ins"),
}

_ALL = frozenset(Role)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_DASHBOARD: _ALL,
    Action.EDIT_ORGANIZATION: frozenset({Role.ADMIN}),
    Action.VIEW_SITES: frozenset({Role.ADMIN, Role.COORDINATOR, Role.VOLUNTEER, Role.FUNDRAISER}),
    Action.MANAGE_SITES: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.VIEW_MEMBERS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.MANAGE_MEMBERS: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
    Action.USE_API: _ALL,
    # A volunteer sees what a handout needs (names, household size) and no more.
    Action.VIEW_PEOPLE: frozenset({Role.ADMIN, Role.COORDINATOR, Role.VOLUNTEER, Role.REFERRER}),
    Action.MANAGE_PEOPLE: frozenset({Role.ADMIN, Role.COORDINATOR, Role.REFERRER}),
    Action.VIEW_PERSON_DETAILS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.REFERRER}),
    Action.REVEAL_IDENTITY: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.MANAGE_CONSENT: frozenset({Role.ADMIN, Role.COORDINATOR, Role.REFERRER}),
    Action.MERGE_PEOPLE: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.IMPORT_PEOPLE: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.EXPORT_PEOPLE: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.HANDLE_PRIVACY: frozenset({Role.ADMIN}),
    # Companies and partner organisations are donors and sponsors: fundraising's work.
    Action.VIEW_CONTACTS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.FUNDRAISER}),
    Action.MANAGE_CONTACTS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.FUNDRAISER}),
    # Goods: volunteers run the intake table, sort and move; fundraisers read the stock
    # for donors and reports; corrections and approved counts are a coordinator's call.
    Action.VIEW_STOCK: frozenset({Role.ADMIN, Role.COORDINATOR, Role.VOLUNTEER, Role.FUNDRAISER}),
    Action.RECORD_INTAKE: frozenset({Role.ADMIN, Role.COORDINATOR, Role.VOLUNTEER}),
    Action.MOVE_STOCK: frozenset({Role.ADMIN, Role.COORDINATOR, Role.VOLUNTEER}),
    Action.ADJUST_STOCK: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.MANAGE_CATALOGUE: frozenset({Role.ADMIN, Role.COORDINATOR}),
    # Aid: referrers submit and follow their own households' requests; coordinators decide
    # and allocate; volunteers run distribution days and the handout station.
    Action.VIEW_REQUESTS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.REFERRER}),
    Action.SUBMIT_REQUESTS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.REFERRER}),
    Action.REVIEW_REQUESTS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.MANAGE_ELIGIBILITY: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.ALLOCATE: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.VIEW_DISTRIBUTION: frozenset({Role.ADMIN, Role.COORDINATOR, Role.VOLUNTEER}),
    Action.MANAGE_DISTRIBUTION: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Action.HAND_OUT: frozenset({Role.ADMIN, Role.COORDINATOR, Role.VOLUNTEER}),
}

# Roles that see only the persons and households they registered themselves.
OWN_RECORDS_ONLY = frozenset({Role.REFERRER})


def can(role: str | None, action: Action) -> bool:
    """True when a member with `role` may perform `action`."""
    return role is not None and Role(role) in PERMISSIONS[action]


def allowed_actions(role: str) -> set[Action]:
    return {action for action in Action if can(role, action)}
