"""Identity numbers: per-country validation with translated messages naming the field,
encryption at rest (no plaintext in the database), lookup by blind index, key rotation."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from django_scopes import scope

from kindred.core.services import DomainError
from kindred.people import identity, queries, services
from kindred.people.models import Person

VALID = {
    "DK": ["211062-5629", "2110625629"],
    "SE": ["880320-0016", "19880320-0016"],
    "FI": ["131052-308T"],
    "BG": ["8032056031", "9005151238", "0542151235"],
}
INVALID = [
    # (country, number, reason)
    ("DK", "511062-5629", "date"),  # day 51; CPR has had no check digit since 2007
    ("DK", "21106256", "length"),
    ("DK", "2110a25629", "format"),
    ("SE", "880320-0017", "checksum"),
    ("SE", "881320-0016", "date"),
    ("FI", "131052-308U", "checksum"),
    ("FI", "321052-308T", "date"),
    ("BG", "8032056030", "checksum"),
    ("BG", "8002306031", "date"),
    ("NO", "01010112345", "country"),
]


@pytest.mark.parametrize(
    ("country", "number"), [(c, n) for c, numbers in VALID.items() for n in numbers]
)
def test_valid_numbers_are_accepted_and_stored(org, admin, country, number):
    with scope(organization=org):
        person = services.create_person(
            org=org, values={"given_name": "Test"}, actor=admin, national_id=(country, number)
        )
        assert person.has_national_id and person.national_id_country == country
        assert person.birth_date is not None  # taken from the number
        assert queries.find_by_national_id(org, country, number) == person


@pytest.mark.parametrize(("country", "number", "reason"), INVALID)
@pytest.mark.parametrize("language", ["en", "da", "uk"])
def test_invalid_numbers_are_rejected_with_a_translated_message_naming_the_field(
    org, admin, country, number, reason, language
):
    with translation.override(language):
        expected = services.identity_message(reason)
        with scope(organization=org), pytest.raises(DomainError) as caught:
            services.create_person(
                org=org,
                values={"given_name": "Test"},
                actor=admin,
                national_id=(country, number),
            )
    assert caught.value.field == "national_id"
    assert caught.value.message == expected
    if language != "en":
        with translation.override("en"):
            assert expected != services.identity_message(reason)
    with scope(organization=org):
        assert not Person.objects.exists()  # nothing half-saved


def _raw_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person")
        return [" ".join(str(v) for v in row) for row in cursor.fetchall()]


def test_the_database_holds_no_plaintext_identity_number(org, admin):
    with scope(organization=org):
        services.create_person(
            org=org, values={"given_name": "Anna"}, actor=admin, national_id=("DK", "211062-5629")
        )
    rows = _raw_rows()
    assert rows
    for row in rows:
        assert "2110625629" not in row and "211062-5629" not in row and "5629" not in row


def test_the_same_number_cannot_be_registered_twice_in_one_organisation(org, other_org, admin):
    with scope(organization=org):
        services.create_person(
            org=org, values={"given_name": "A"}, actor=admin, national_id=("SE", "880320-0016")
        )
        with pytest.raises(DomainError) as caught:
            services.create_person(
                org=org,
                values={"given_name": "B"},
                actor=admin,
                national_id=("SE", "19880320-0016"),  # same number, other spelling
            )
    assert caught.value.field == "national_id"
    with scope(organization=other_org):  # another organisation keeps its own registry
        services.create_person(
            org=other_org,
            values={"given_name": "A"},
            actor=None,
            national_id=("SE", "880320-0016"),
        )


def test_revealing_a_number_is_audited(org, admin):
    from kindred.core.models import AuditEntry

    with scope(organization=org):
        person = services.create_person(
            org=org, values={"given_name": "A"}, actor=admin, national_id=("FI", "131052-308T")
        )
        assert services.reveal_national_id(org=org, person=person, actor=admin) == "131052-308T"
        entry = AuditEntry.objects.filter(organization=org).order_by("-id").first()
    assert (entry.action, entry.actor, entry.object_id) == (
        "person.identity_revealed",
        admin,
        str(person.pk),
    )


def test_rotate_keys_lets_the_old_key_be_removed(org, admin, settings):
    old = identity.new_key("old")
    settings.ENCRYPTION_KEYS = old
    with scope(organization=org):
        person = services.create_person(
            org=org, values={"given_name": "A"}, actor=admin, national_id=("BG", "8032056031")
        )
    assert person.national_id_ciphertext.startswith("v1:old:")
    new = identity.new_key("new")
    settings.ENCRYPTION_KEYS = f"{new},{old}"
    # Mid-rotation, both keys decrypt and both indexes are searched.
    with scope(organization=org):
        assert queries.find_by_national_id(org, "BG", "8032056031") == person
    call_command("privacy", "rotate-keys")
    settings.ENCRYPTION_KEYS = new  # the old key is gone
    person.refresh_from_db()
    assert person.national_id_ciphertext.startswith("v1:new:")
    with scope(organization=org):
        assert queries.find_by_national_id(org, "BG", "8032056031") == person
        assert services.reveal_national_id(org=org, person=person, actor=admin) == "8032056031"


def test_a_ciphertext_moved_to_another_organisation_does_not_decrypt(org, other_org, admin):
    keys = identity.parse_keys(identity.new_key("k"))
    token = identity.encrypt(keys, "2110625629", context=f"org:{org.pk}:national_id")
    with pytest.raises(ValueError):
        identity.decrypt(keys, token, context=f"org:{other_org.pk}:national_id")
