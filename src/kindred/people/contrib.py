"""What the people app adds to Kindred (see kindred/core/declarations.py)."""

from django.utils.translation import gettext_lazy as _

from kindred.core.declarations import AppContrib, Area, Card, Nav, PersonRef
from kindred.core.roles import Action
from kindred.core.tasks import JobStalled

from . import cards, demo
from .imports import purge_expired
from .imports.tasks import fail_stalled_import
from .services import ensure_default_purposes

AUDIT_LABELS = {
    "person.created": _("Person registered"),
    "person.updated": _("Person changed"),
    "person.identity_revealed": _("Identity number revealed"),
    "person.identity_number_held": _("Identity number held for review: another person has it"),
    "person.viewed": _("Record opened"),
    "person.merged": _("Records merged"),
    "person.duplicate_dismissed": _("Marked as different people"),
    "household.created": _("Household created"),
    "household.member_added": _("Added to household"),
    "household.member_left": _("Left household"),
    # Contacts and consent
    "contact.created": _("Contact added"),
    "contact.updated": _("Contact changed"),
    "contact.archived": _("Contact archived"),
    "contact.restored": _("Contact restored"),
    "contact.person_added": _("Contact person added"),
    "contact.person_updated": _("Contact person changed"),
    "contact.person_removed": _("Contact person removed"),
    "consent_purpose.created": _("Purpose added"),
    "consent_purpose.updated": _("Purpose changed"),
    "consent_purpose.archived": _("Purpose archived"),
    "consent_purpose.restored": _("Purpose restored"),
    "consent.recorded": _("Consent or lawful basis recorded"),
    "consent.withdrawn": _("Consent withdrawn"),
    # Spreadsheet import and list exports (people/imports/, people/exports.py)
    "people.import_uploaded": _("Spreadsheet uploaded for import"),
    "people.import_checked": _("Spreadsheet columns chosen and rows checked"),
    "people.import_started": _("Spreadsheet import started"),
    "people.imported": _("Spreadsheet imported"),
    "people.import_refused": _("Spreadsheet import refused: rows with problems"),
    "people.import_discarded": _("Spreadsheet import discarded"),
    "people.exported": _("List of persons or households exported"),
}

CONTRIB = AppContrib(
    areas=[Area("people", _("People"), order=10, icon="people")],
    nav=[
        Nav(
            "people",
            "people:persons",
            _("Persons"),
            Action.VIEW_PEOPLE,
            10,
            current=("people:person*",),
        ),
        Nav(
            "people",
            "people:households",
            _("Households"),
            Action.VIEW_PEOPLE,
            20,
            current=("people:household*", "people:family-new"),
        ),
        Nav(
            "people",
            "people:duplicates",
            _("Possible duplicates"),
            Action.MERGE_PEOPLE,
            30,
            current=("people:duplicate*", "people:person-merge"),
        ),
        Nav(
            "people",
            "people:contacts",
            _("Contacts"),
            Action.VIEW_CONTACTS,
            40,
            current=("people:contact*",),
        ),
        Nav(
            "people",
            "people:import",
            _("Import"),
            Action.IMPORT_PEOPLE,
            50,
            current=("people:import*",),
        ),
        Nav(
            "admin",
            "people:purposes",
            _("Consent purposes"),
            Action.EDIT_ORGANIZATION,
            55,
            current=("people:purpose*",),
        ),
    ],
    home_cards=[
        Card(
            "people.possible_duplicates",
            "people/cards/possible_duplicates.html",
            cards.possible_duplicates,
            Action.MERGE_PEOPLE,
            60,
        ),
    ],
    demo=demo.build,
    audit_labels=AUDIT_LABELS,
    person_refs=[
        PersonRef("people.HouseholdMember", "person"),
        PersonRef("people.ContactPerson", "person"),
        PersonRef("people.Consent", "person"),
        PersonRef("people.DuplicateDismissal", "person_a"),
        PersonRef("people.DuplicateDismissal", "person_b"),
        PersonRef("people.PersonKey", "person"),
    ],
    on_organization_created=[ensure_default_purposes],  # the default consent purposes
    scheduled=[purge_expired],  # uploaded spreadsheets kept at most a day
    extends={"core.job_stalled": [JobStalled(fail_stalled_import)]},  # a worker died
    extension_points={
        "people.merge_checks": "check(keep, other): raises a DomainError to refuse a merge",
        "people.consent_purposes": "AppPurpose: a purpose an app creates when it needs it",
        "people.after_family": "NextStep: where registering a family goes on to (?household=)",
    },
)
