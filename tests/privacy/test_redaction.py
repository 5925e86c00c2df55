"""Finding a person's values in free text (privacy.redaction): every common way of writing
them is masked, and nothing else."""

import pytest

from kindred.privacy.redaction import (
    MASK,
    Identifiers,
    mask_value,
    postcode_area,
    redact_json,
    redact_text,
)

ANNA = Identifiers(
    names=("Anna-Sofie", "Jørgensen", "Anna-Sofie Jørgensen"),
    phones=("+4521436587",),
    emails=("anna@example.org",),
    phrases=("Gullestrupvej 8",),
    identity_numbers=("2110625629",),
).pattern()


@pytest.mark.parametrize(
    "text",
    [
        "Anna-Sofie Jørgensen",
        "anna-sofie JØRGENSEN",
        "Jorgensen",  # the ASCII spelling
        "Sofie",  # a part of a double name
        "+45 21 43 65 87",
        "+4521436587",
        "0045 21436587",
        "21 43 65 87",
        "21-43-65-87",
        "Anna@Example.org",
        "gullestrupvej   8",
        "211062-5629",
        "2110625629",
    ],
)
def test_every_spelling_of_the_persons_values_is_masked(text):
    assert redact_text(text, ANNA) == MASK


def test_other_words_and_numbers_are_left_alone():
    text = "Annabel from Jørgensensvej called 21436588 about case 2110625628"
    assert redact_text(text, ANNA) == text


def test_masks_inside_sentences_keep_the_sentence():
    assert (
        redact_text("Call Anna-Sofie on 21 43 65 87 tomorrow.", ANNA)
        == f"Call {MASK} on {MASK} tomorrow."
    )


def test_swedish_numbers_match_with_and_without_the_century():
    pattern = Identifiers(identity_numbers=("198112189876",)).pattern()
    assert redact_text("pnr 811218-9876", pattern) == f"pnr {MASK}"
    assert redact_text("pnr 19811218-9876", pattern) == f"pnr {MASK}"


def test_a_national_number_with_the_trunk_prefix_matches():
    pattern = Identifiers(phones=("+46701234567",)).pattern()
    assert redact_text("070-123 45 67", pattern) == MASK
    assert redact_text("+46 (0)70 123 45 67", pattern) == MASK


def test_json_values_are_masked_and_keys_kept():
    changes = {"given_name": [None, "Anna-Sofie"], "household": "Familien Jørgensen", "n": 3}
    assert redact_json(changes, ANNA) == {
        "given_name": [None, MASK],
        "household": f"Familien {MASK}",
        "n": 3,
    }


def test_nothing_to_look_for_changes_nothing():
    assert Identifiers().pattern() is None
    assert redact_text("Anna", None) == "Anna"


def test_mask_value_keeps_that_there_was_none():
    assert mask_value([None, "x"]) == [None, MASK]
    assert mask_value("") == "" and mask_value(None) is None and mask_value(7) == MASK


@pytest.mark.parametrize(
    ("postcode", "area"),
    [("7400", "74"), ("584 35", "58"), ("SW1A 1AA", "SW"), ("00100", "00"), ("", "")],
)
def test_postcode_area_is_the_first_two_characters(postcode, area):
    assert postcode_area(postcode) == area
