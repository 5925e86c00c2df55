"""How consent purposes read: the defaults every organisation starts with, the purposes
apps add (extension point "people.consent_purposes"), and a purpose's texts in the reader's
language. No database writes: reads and writes both use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kindred.core import declarations

from .models import ConsentPurpose

# Every organisation starts with these. Their texts are stored as these English source
# strings (marked for translation), and shown translated as long as nobody changed them.
DEFAULT_PURPOSES: dict[str, dict[str, str]] = {
    "help-records": {
        "name": gettext_noop("Help records"),
        "description": gettext_noop(
            "Registering the person, their household and the help they receive. The basis "
            "is usually legitimate interest, or vital interest in an emergency."
        ),
        "wording": gettext_noop(
            "We keep a record of you, your household and the help you receive from us, so "
            "that we can help fairly and follow up. You can ask to see, correct or delete "
            "what we keep about you at any time."
        ),
    },
    "campaign-contact": {
        "name": gettext_noop("Contact about campaigns"),
        "description": gettext_noop(
            "Contacting the person about campaigns and seasonal help, such as Christmas "
            "help or summer camps."
        ),
        "wording": gettext_noop(
            "May we contact you by phone, text message or e-mail about our campaigns, such "
            "as Christmas help or summer camps? You can say no at any time."
        ),
    },
    "newsletter": {
        "name": gettext_noop("Newsletter"),
        "description": gettext_noop("Sending the organisation's newsletter by e-mail."),
        "wording": gettext_noop(
            "May we send you our newsletter by e-mail? You can unsubscribe at any time."
        ),
    },
}


@dataclass(frozen=True)
class AppPurpose:
    """A purpose an app above people creates when it needs it (goods: donor communication),
    contributed to the extension point "people.consent_purposes" (people/contrib.py). Its
    texts (name, description, wording) are gettext_noop strings: shown translated like the
    defaults', but the purpose is not created up front."""

    key: str
    texts: Mapping[str, str]


def app_purposes() -> dict[str, Mapping[str, str]]:
    return {p.key: p.texts for p in declarations.extensions("people.consent_purposes")}


def purpose_text(purpose: ConsentPurpose, field: str) -> str:
    """A purpose's name, description or wording as the reader sees it: a default
    purpose's unchanged text in the reader's language, anything else as written."""
    value = getattr(purpose, field)
    default = DEFAULT_PURPOSES.get(purpose.key) or app_purposes().get(purpose.key)
    if default is not None and value and value == default[field]:
        return _(value)  # the msgids are marked with gettext_noop above
    return value


def purpose_label(purpose: ConsentPurpose) -> str:
    return purpose_text(purpose, "name")


def purpose_wording(purpose: ConsentPurpose) -> str:
    return purpose_text(purpose, "wording")


# The purpose every registered person needs a lawful basis for (the help they receive).
HELP_RECORDS = "help-records"

# What each lawful basis means, shown where one is chosen (GDPR article 6(1)).
BASIS_EXPLANATIONS: dict[str, str] = {
    "consent": gettext_noop(
        "The person agreed, after being shown the wording. They can withdraw it at any time."
    ),
    "legitimate_interest": gettext_noop(
        "Keeping the record is needed to help the family fairly, and does not outweigh their "
        "rights. The usual basis for help records."
    ),
    "contract": gettext_noop("Needed for an agreement with the person, e.g. a membership."),
    "legal_obligation": gettext_noop("A law requires the organisation to keep it."),
    "vital_interest": gettext_noop(
        "Needed to protect someone's life or health, e.g. emergency help when the person "
        "cannot be asked."
    ),
}


def basis_explanation(basis: str) -> str:
    text = BASIS_EXPLANATIONS.get(basis, "")
    return _(text) if text else ""
