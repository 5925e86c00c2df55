"""Name keys for search: pure functions, no Django.

A person's name is reduced to lower-case ASCII (`models.search_key`: accents removed,
Cyrillic transliterated), split into tokens, and each token also into a *skeleton* — a
rough sound-alike form — so that a misspelt search ("Mohamad Nilsen") still finds
"Mohammad Nielsen".
"""

import re

# Spellings that sound alike in the names we meet (Nordic, Slavic, Arabic, English).
_SOUNDS = (
    ("sch", "s"),
    ("ph", "f"),
    ("th", "t"),
    ("sh", "s"),
    ("ch", "k"),
    ("ck", "k"),
    ("dt", "t"),
    ("c", "k"),
    ("q", "k"),
    ("x", "ks"),
    ("w", "v"),
    ("v", "f"),
    ("z", "s"),
    ("j", "i"),
    ("y", "i"),
)
_DROP = re.compile(r"[aeiouh]")
_REPEAT = re.compile(r"(.)\1+")


def tokens(key: str) -> list[str]:
    """The words of a search key (already lower-case ASCII), without punctuation."""
    return [t for t in re.split(r"[^a-z0-9]+", key) if t]


def skeleton(token: str) -> str:
    """First letter kept, later vowels and h dropped, look-alike spellings unified,
    doubled letters collapsed: "mohammad" and "mohamad" -> "md", "nielsen" -> "nlsn"."""
    for spelling, sound in _SOUNDS:
        token = token.replace(spelling, sound)
    if not token:
        return ""
    return _REPEAT.sub(r"\1", token[0] + _DROP.sub("", token[1:]))


# Prefix keys stop here: a longer search word is compared by its first PREFIX_MAX letters.
PREFIX_MAX = 12


def prefix_key(word: str) -> str:
    """The key a search word looks up: every name starting with `word` has it."""
    return f"p:{word[:PREFIX_MAX]}"


def search_keys(key: str) -> set[str]:
    """The keys stored for a name: "p:<first letters>" for every beginning of every token
    (so "Jens" finds "Jensen" by an exact, indexed lookup in any database collation) and
    "s:<skeleton>" for sound-alike search (tokens of three letters or more)."""
    keys = set()
    for token in tokens(key):
        for end in range(1, min(len(token), PREFIX_MAX) + 1):
            keys.add(prefix_key(token[:end]))
        if len(token) >= 3 and not token.isdigit():
            keys.add(f"s:{skeleton(token)[:90]}")
    return keys
