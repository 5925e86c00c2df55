"""Every user-visible string is translated into all six languages, and the catalogues are
up to date with the source (a new string without translations fails here)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

import kindred

PACKAGE = Path(kindred.__file__).parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LANGS = [code for code, _name in settings.LANGUAGES]


def _catalogue(base: Path, lang: str) -> polib.POFile:
    path = base / "locale" / lang / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"missing catalogue {path}"
    return polib.pofile(str(path))


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def _placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PLACEHOLDER.finditer(text)}


def _problems(catalogue: polib.POFile, lang: str) -> list[str]:
    problems = []
    if "INTEGER" in catalogue.metadata.get("Plural-Forms", "INTEGER"):
        problems.append(f"{lang}: the Plural-Forms header is not set")
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"{lang}: fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                problems.append(f"{lang}: untranslated plural: {entry.msgid!r}")
        elif not entry.msgstr:
            problems.append(f"{lang}: untranslated: {entry.msgid!r}")
        # A translation that drops or renames a placeholder breaks the page at run time.
        expected = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural or "")
        translations = [entry.msgstr, *entry.msgstr_plural.values()]
        for text in filter(None, translations):
            if "python-format" in entry.flags and not _placeholders(text) <= expected:
                problems.append(f"{lang}: unknown placeholder in {text!r}")
            if not entry.msgid_plural and _placeholders(text) != expected:
                problems.append(f"{lang}: placeholders differ in {text!r}")
    return problems


@pytest.mark.parametrize("lang", LANGS)
def test_committed_catalogue_is_complete(lang):
    problems = _problems(_catalogue(PACKAGE, lang), lang)
    assert not problems, "\n".join(problems[:40]) + f"\n({len(problems)} problems)"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """Run makemessages on a copy of the source, merging the committed catalogues."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        if IN_CI:
            pytest.fail("GNU gettext (xgettext, msgmerge) is required in CI")
        pytest.skip("GNU gettext not installed: cannot check catalogues are up to date")
    copy = tmp_path_factory.mktemp("src") / "kindred"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    args = [sys.executable, "-m", "django", "makemessages", "--no-obsolete", "--no-location"]
    for lang in LANGS:
        args += ["-l", lang]
    subprocess.run(args, cwd=copy, env=env, check=True, capture_output=True)
    return copy


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_is_up_to_date_with_the_source(regenerated, lang):
    fresh = _catalogue(regenerated, lang)
    committed = {e.msgid for e in _catalogue(PACKAGE, lang) if not e.obsolete}
    missing = sorted({e.msgid for e in fresh if not e.obsolete} - committed)
    assert not missing, f"run `make messages` and translate: {missing[:20]}"
    problems = _problems(fresh, lang)
    assert not problems, "\n".join(problems[:40]) + f"\n({len(problems)} problems)"
