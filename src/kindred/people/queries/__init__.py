"""Reads for persons and households, shared by pages, exports and the API, one module per
subject: persons (person.py: visibility per role, the lookup by identity number, the list,
who opened a person's page), households (household.py), the search box (search.py: what a
query means, sound-alike names), duplicate candidates and pairs (duplicate.py), contacts
(contact.py), consent purposes and lawful bases (consent.py), and what several of them
share (common.py: the exact identity-number lookup, the lawful-basis filter).

The modules are named in the singular so that none hides a function of the same name
re-exported here (`persons`, `households`, `contacts`)."""

from .common import find_by_national_id
from .consent import (
    ConsentOverview,
    PurposeConsents,
    active_bases,
    consent_overview,
    person_consents,
    persons_for_purpose,
    persons_per_purpose,
    purposes,
)
from .contact import CONTACT_SORTS, contact_people, contacts
from .duplicate import (
    CANDIDATE_LIMIT,
    PAIR_BLOCK_LIMIT,
    Candidate,
    duplicate_candidates,
    duplicate_candidates_many,
    possible_duplicates,
)
from .household import (
    HOUSEHOLD_SORTS,
    current_members,
    former_members,
    household_history,
    households,
    visible_households,
)
from .person import (
    ACCESS_ACTIONS,
    IN_HOUSEHOLD_PARAMS,
    LIST_SORT_PARAMS,
    PERSON_SORTS,
    lookup_visible_person,
    person_access_log,
    person_list,
    persons,
    visible_persons,
)
from .search import (
    GROUPED_ID_LIST_LIMIT,
    ID_LIST_LIMIT,
    SIMILAR_CANDIDATES,
    SIMILAR_MIN_SCORE,
    SIMILAR_SHOWN,
    search_condition,
    similar_names,
)

__all__ = [
    "ACCESS_ACTIONS",
    "CANDIDATE_LIMIT",
    "CONTACT_SORTS",
    "GROUPED_ID_LIST_LIMIT",
    "HOUSEHOLD_SORTS",
    "ID_LIST_LIMIT",
    "IN_HOUSEHOLD_PARAMS",
    "LIST_SORT_PARAMS",
    "PAIR_BLOCK_LIMIT",
    "PERSON_SORTS",
    "SIMILAR_CANDIDATES",
    "SIMILAR_MIN_SCORE",
    "SIMILAR_SHOWN",
    "Candidate",
    "ConsentOverview",
    "PurposeConsents",
    "active_bases",
    "consent_overview",
    "contact_people",
    "contacts",
    "current_members",
    "duplicate_candidates",
    "duplicate_candidates_many",
    "find_by_national_id",
    "former_members",
    "household_history",
    "households",
    "lookup_visible_person",
    "person_access_log",
    "person_consents",
    "person_list",
    "persons",
    "persons_for_purpose",
    "persons_per_purpose",
    "possible_duplicates",
    "purposes",
    "search_condition",
    "similar_names",
    "visible_households",
    "visible_persons",
]
