"""Every button says what it does, with a verb, in every language: "Kassering" (a Danish
noun, "disposal") on the allocation page's discard button read as a heading, not an action.

The labels are read from the templates (each `<button>` and submit input whose text is a
`{% translate %}`); each language's translation must not begin with a word of that
language's verbal-noun forms (Bulgarian "Запазване", Ukrainian "Збереження", Danish and
Swedish "Kassering", Finnish "Tallennus"/"Arkistointi"), which is how a noun slips in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

import kindred

PACKAGE = Path(kindred.__file__).parent
TRANSLATED = re.compile(r"""\{% translate (["'])(.+?)\1( context (["'])(.+?)\4)? %\}""")
BUTTON = re.compile(r"<button\b[^>]*>(.*?)</button>", re.S)
SUBMIT = re.compile(r"""<input\b[^>]*type="submit"[^>]*>""")

# Buttons whose English is not an action either: the drawer toggle, an import mode, a
# station's answer and a duplicate pair's answer.
NOT_ACTIONS = {"Menu", "All or nothing", "Did not come", "Not the same person"}

# The endings of a verbal noun, per language (lower case, the first word only).
NOUN_ENDINGS = {
    "en": ("ing",),
    "sv": ("ing", "else"),
    "da": ("ing", "else"),
    "fi": ("minen", "nti", "us", "ys"),
    "bg": ("ане", "яне", "ене", "ение", "ние"),
    "uk": ("ння", "ття"),
}
# Nouns that are not caught by an ending.
NOUNS = {
    "bg": {"вход", "изход", "печат", "експорт", "импорт"},
    "uk": {"експорт", "імпорт", "друк", "вхід", "вихід"},
}


def button_labels() -> set[tuple[str | None, str]]:
    labels = set()
    for template in PACKAGE.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        chunks = [m.group(1) for m in BUTTON.finditer(text)]
        chunks += [m.group(0) for m in SUBMIT.finditer(text)]
        for chunk in chunks:
            for m in TRANSLATED.finditer(chunk):
                if m.group(2) not in NOT_ACTIONS:
                    labels.add((m.group(5), m.group(2)))
    return labels


def test_the_templates_have_buttons_to_check():
    assert len(button_labels()) >= 80


@pytest.mark.parametrize("lang", sorted(NOUN_ENDINGS))
def test_every_button_label_starts_with_a_verb(lang):
    nouns = []
    with translation.override(lang):
        for context, msgid in sorted(button_labels(), key=lambda label: label[1]):
            text = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            first = re.split(r"[\s:,.]", text.strip(), maxsplit=1)[0].casefold()
            if first.endswith(NOUN_ENDINGS[lang]) or first in NOUNS.get(lang, set()):
                nouns.append(f"{msgid!r} -> {text!r}")
    assert not nouns, f"{lang}: button labels that are nouns, not verbs:\n" + "\n".join(nouns)
