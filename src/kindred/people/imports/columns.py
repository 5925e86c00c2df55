"""The Kindred fields a spreadsheet column can hold, and recognising them — column headers
and cell values (genders, countries, relations, languages) — in any of the six languages."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from anyascii import anyascii
from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.core.models import COUNTRY_CHOICES

from ..forms import IDENTITY_COUNTRY_CHOICES, LANGUAGE_CHOICES
from ..models import HouseholdMember, Person

Relation = HouseholdMember.Relation
LANGUAGES = [code for code, _name in settings.LANGUAGES]

# Fields ------------------------------------------------------------------------------------


def _verbose(name: str):
    return Person._meta.get_field(name).verbose_name


@dataclass(frozen=True)
class ImportField:
    key: str
    label: Any  # lazy translation
    help: Any = ""

    @property
    def title(self) -> str:
        return capfirst(str(self.label))


FIELDS: dict[str, ImportField] = {
    f.key: f
    for f in [
        ImportField("given_name", _verbose("given_name"), gettext_lazy("Required.")),
        ImportField("family_name", _verbose("family_name")),
        ImportField("preferred_name", _verbose("preferred_name")),
        ImportField(
            "birth_date", _verbose("birth_date"), gettext_lazy("YYYY-MM-DD or DD.MM.YYYY.")
        ),
        ImportField(
            "birth_year",
            _verbose("birth_year"),
            gettext_lazy("When the exact birth date is not known."),
        ),
        ImportField(
            "gender",
            _verbose("gender"),
            gettext_lazy("Female, male or other, in any of Kindred's languages."),
        ),
        ImportField(
            "phone",
            _verbose("phone"),
            gettext_lazy("Any format; numbers without a country code are taken as local."),
        ),
        ImportField("email", _verbose("email")),
        ImportField("street", _verbose("street")),
        ImportField("postcode", _verbose("postcode")),
        ImportField("city", _verbose("city")),
        ImportField("country", _verbose("country"), gettext_lazy("A name or a code, e.g. DK.")),
        ImportField(
            "languages",
            _verbose("languages"),
            gettext_lazy("Names or codes separated by commas, e.g. “Danish, uk”."),
        ),
        ImportField("notes", _verbose("notes")),
        ImportField(
            "national_id",
            gettext_lazy("Identity number"),
            gettext_lazy("Checked for Denmark, Sweden, Finland and Bulgaria; stored encrypted."),
        ),
        ImportField(
            "national_id_country",
            gettext_lazy("Identity number country"),
            gettext_lazy("DK, SE, FI or BG. Without it, the person's country is used."),
        ),
        ImportField(
            "household",
            gettext_lazy("Household"),
            gettext_lazy("Rows with the same household become one household."),
        ),
        ImportField(
            "household_ref",
            gettext_lazy("Household reference"),
            gettext_lazy("Groups rows into households when labels repeat, e.g. an old number."),
        ),
        ImportField(
            "relation",
            gettext_lazy("Relation in the household"),
            gettext_lazy(
                "Head, partner, child or other adult. Without it the first adult is head."
            ),
        ),
    ]
}
TEXT_FIELDS = ("given_name", "family_name", "preferred_name", "phone", "email", "street")
TEXT_FIELDS += ("postcode", "city", "notes")
REQUIRED = ("given_name",)


def field_choices() -> list[tuple[str, str]]:
    return [("", _("— Do not import —")), *((f.key, f.title) for f in FIELDS.values())]


# Matching words in any language -----------------------------------------------------------


def norm(text: Any) -> str:
    """Lower-case ASCII letters and digits only: a Ukrainian name written with either apostrophe, "Förnamn" and
    "FORNAMN", "E-mail" and "email" become the same key."""

    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[^a-z0-9]", "", anyascii(text).lower())


# Header words people use, besides Kindred's own labels in the six languages (added below).
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "given_name": (
        "given name", "first name", "firstname", "forename", "first", "fornavn", "fornavne",
        "förnamn", "etunimi", "etunimet", "име", "собствено име", "първо име", "ім'я",
    ),
    "family_name": (
        "family name", "last name", "lastname", "surname", "efternavn", "efternamn",
        "sukunimi", "фамилия", "фамилно име", "прізвище",
    ),
    "preferred_name": (
        "preferred name", "nickname", "known as", "kaldenavn", "tilltalsnamn", "smeknamn",
        "kutsumanimi", "lempinimi", "прякор", "прізвисько",
    ),
    "birth_date": (
        "birth date", "date of birth", "dob", "birthday", "born", "fødselsdato", "født",
        "fødselsdag", "födelsedatum", "född", "syntymäaika", "syntymäpäivä", "syntynyt",
        "дата на раждане", "рождена дата", "дата народження",
    ),
    "birth_year": (
        "birth year", "year of birth", "fødselsår", "födelseår", "syntymävuosi",
        "година на раждане", "рік народження",
    ),
    "gender": ("gender", "sex", "køn", "kön", "sukupuoli", "пол", "стать"),
    "phone": (
        "phone", "telephone", "phone number", "mobile", "mobile phone", "cell", "tel", "telefon",
        "telefonnummer", "tlf", "tlf nr", "mobil", "mobilnummer", "puhelin", "puhelinnumero",
        "matkapuhelin", "puh", "gsm", "телефон", "мобилен", "тел", "мобільний",
        "номер телефону",
    ),
    "email": (
        "email", "e-mail", "mail", "email address", "e-mailadresse", "e-post", "e-postadress",
        "sähköposti", "sähköpostiosoite", "имейл", "\u0435-поща", "електронна поща",
        "електронна пошта", "ел. пошта",
    ),
    "street": (
        "street", "address", "street address", "address line 1", "adresse", "gade", "vej",
        "adress", "gatuadress", "gata", "osoite", "katuosoite", "lähiosoite", "адрес",
        "улица", "адреса", "вулиця",
    ),
    "postcode": (
        "postcode", "post code", "postal code", "zip", "zip code", "postnummer", "postnr",
        "postinumero", "postinro", "пощенски код", "пк", "поштовий індекс", "індекс",
    ),
    "city": (
        "city", "town", "by", "bynavn", "postdistrikt", "ort", "postort", "stad", "kaupunki",
        "postitoimipaikka", "paikkakunta", "град", "населено място", "місто",
        "населений пункт",
    ),
    "country": ("country", "land", "maa", "държава", "страна", "країна"),
    "languages": (
        "languages", "language", "sprog", "språk", "kieli", "kielet", "език", "езици",
        "мова", "мови",
    ),
    "notes": (
        "notes", "note", "comment", "comments", "remarks", "noter", "bemærkning",
        "bemærkninger", "kommentar", "anteckningar", "anteckning", "anmärkning",
        "muistiinpanot", "huomautus", "lisätiedot", "kommentti", "бележки", "бележка",
        "коментар", "нотатки", "примітки", "примітка",
    ),
    "national_id": (
        "identity number", "national id", "id number", "personal identity number", "cpr",
        "cpr nummer", "cpr-nr", "personnummer", "personnr", "samordningsnummer",
        "henkilötunnus", "hetu", "егн", "единен граждански номер", "іпн", "рнокпп",
        "ідентифікаційний номер",
    ),
    "national_id_country": ("identity number country", "id country", "cpr land"),
    "household": (
        "household", "household label", "family", "husstand", "familie", "hushåll", "familj",
        "kotitalous", "perhe", "домакинство", "семейство", "домогосподарство", "сім'я",
        "родина",
    ),
    "household_ref": (
        "household reference", "household id", "household no", "household number",
        "family id", "husstandsnummer", "husstandsnr", "husstand id", "hushållsnummer",
        "hushålls-id", "kotitalouden tunnus", "perhenumero", "номер на домакинство",
        "номер домогосподарства",
    ),
    "relation": (
        "relation", "relationship", "role", "relation in household", "rolle", "roll",
        "rolle i husstanden", "rolle i husstand", "roll i hushållet",
        "asema", "suhde", "rooli", "роля", "родство", "роль", "ким доводиться",
    ),
}  # fmt: skip


def _in_every_language(label) -> set[str]:
    words = set()
    for code in LANGUAGES:
        with translation.override(code):
            words.add(norm(label))
    return words


# A header the exports write (exports.py) that the import must not read as one of its
# fields ("Identity number recorded" contains "identity number").
ID_RECORDED = gettext_lazy("Identity number recorded")
IGNORED_HEADERS = [ID_RECORDED]


@cache
def _header_index() -> dict[str, str]:
    """Normalised header → field key ("" for columns Kindred writes but never reads)."""
    index: dict[str, str] = {}
    for key, words in HEADER_WORDS.items():
        for word in words:
            index.setdefault(norm(word), key)
    for key, f in FIELDS.items():
        for word in _in_every_language(f.label):
            index[word] = key
    for label in IGNORED_HEADERS:
        for word in _in_every_language(label):
            index[word] = ""
    index.pop("", None)
    return index


def guess_field(header: str) -> str:
    """The field a column holds, judged by its header: an exact match of a known header in
    any language first, else the longest known header (4+ letters) inside it."""
    key = norm(header)
    if not key:
        return ""
    index = _header_index()
    if key in index:
        return index[key]
    inside = [(len(word), f) for word, f in index.items() if len(word) >= 4 and word in key]
    return max(inside)[1] if inside else ""


def guess_mapping(headers: list[str]) -> list[str]:
    """One field per column; a field already taken by an earlier column is not used twice."""
    taken: set[str] = set()
    mapping = []
    for header in headers:
        guess = guess_field(header)
        if guess in taken:
            guess = ""
        taken.add(guess)
        mapping.append(guess)
    return mapping


@cache
def _choice_index(kind: str) -> dict[str, str]:
    """Normalised word → stored code, for values written as codes or as labels in any of
    the six languages (and a few common words)."""
    words: dict[str, str] = {}

    def add(code: str, *labels) -> None:
        words.setdefault(norm(code), code)
        for label in labels:
            for word in _in_every_language(label) if not isinstance(label, str) else {norm(label)}:
                words.setdefault(word, code)

    if kind == "gender":
        for code, label in Person.Gender.choices:
            add(code, label)
        for code, extra in GENDER_WORDS.items():
            add(code, *extra)
    elif kind == "relation":
        for code, label in Relation.choices:
            add(code, label)
        for code, extra in RELATION_WORDS.items():
            add(code, *extra)
    elif kind == "country":
        for code, label in COUNTRY_CHOICES:
            add(code, label)
        for code, label in IDENTITY_COUNTRY_CHOICES:
            if code:
                add(code, label)
        for code, extra in COUNTRY_WORDS.items():
            add(code, *extra)
    elif kind == "language":
        for code, label in LANGUAGE_CHOICES:
            add(code, label)
        for code, extra in LANGUAGE_WORDS.items():
            add(code, *extra)
    words.pop("", None)
    return words


GENDER_WORDS = {
    "female": ("f", "w", "k", "n", "ж", "woman", "girl", "kvinde", "pige", "kvinna", "flicka",
               "nainen", "tyttö", "жена", "момиче", "жінка", "дівчина"),
    "male": ("m", "м", "ч", "man", "boy", "mand", "dreng", "pojke", "mies", "poika", "мъж",
             "момче", "чоловік", "хлопчик"),
    "other": ("x", "o", "diverse", "andet", "annat", "muu", "друго", "інша", "інше"),
}  # fmt: skip
RELATION_WORDS = {
    "head": ("head", "main", "applicant", "hoved", "overhoved", "ansøger", "huvudperson",
             "sökande", "päämies", "hakija", "глава", "заявител", "голова", "заявник"),
    "partner": ("spouse", "husband", "wife", "ægtefælle", "hustru", "kone", "samlever", "make",
                "maka", "sambo", "puoliso", "aviomies", "vaimo", "съпруг", "съпруга",
                "чоловік", "дружина"),
    "child": ("son", "daughter", "kid", "barn", "søn", "datter", "dotter", "lapsi", "poika",
              "tytär", "дете", "син", "дъщеря", "дитина", "донька", "дочка"),
    "other_adult": ("adult", "other", "voksen", "vuxen", "aikuinen", "възрастен", "дорослий"),
}  # fmt: skip
COUNTRY_WORDS = {
    "DK": ("danmark",),
    "SE": ("sverige",),
    "FI": ("suomi",),
    "BG": ("българия",),
    "UA": ("україна",),
    "NO": ("norge",),
    "DE": ("deutschland",),
}
LANGUAGE_WORDS = {
    "en": ("english", "engelsk"),
    "da": ("dansk",),
    "sv": ("svenska",),
    "fi": ("suomi",),
    "bg": ("български",),
    "uk": ("українська",),
    "ar": ("العربية",),
    "fa": ("فارسی", "farsi", "dari"),
    "so": ("soomaali",),
    "ti": ("ትግርኛ",),
    "pl": ("polski",),
    "ro": ("română",),
    "de": ("deutsch",),
}
