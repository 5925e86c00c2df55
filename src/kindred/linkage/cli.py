"""`kindred linkage new-secret | encode | match` (format kindred-linkage/1).

Runs without starting Django (`kindred.__main__` hands the command here). Messages come from
Kindred's translation catalogues through the standard library's gettext, in the language of
the environment (KINDRED_LANGUAGE, else LANGUAGE, LC_ALL, LC_MESSAGES, LANG). A bad file ends
with one line on standard error and exit status 2 (1 for files that cannot be read or
written), never a traceback.
"""

from __future__ import annotations

import argparse
import gettext
import os
import sys
import time
from pathlib import Path

from .encoding import encode, new_secret
from .files import (
    CANNOT_WRITE,
    NO_FILE,
    LinkageError,
    encoded_csv,
    gettext_noop,
    pairs_csv,
    read_encoded,
    read_persons,
    read_secret,
    write_encoded,
    write_pairs,
)
from .matching import DEFAULT_THRESHOLD, match

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

DESCRIPTION = gettext_noop(
    "Find the same persons in two organisations' files without sharing names "
    "(format kindred-linkage/1)."
)
SECRET_EXISTS = gettext_noop("%(path)s already exists; a secret is never overwritten.")
BAD_THRESHOLD = gettext_noop("--threshold must be a number from 0 to 1, not %(value)s.")
ENCODED = gettext_noop("Encoded %(count)s persons in %(seconds).1f s.")
MATCHED = gettext_noop(
    "%(pairs)s pairs at threshold %(threshold)s between %(a)s and %(b)s persons (%(seconds).1f s)."
)
FILE_ERRORS = (NO_FILE, CANNOT_WRITE)


def translation() -> gettext.NullTranslations:
    chosen = os.environ.get("KINDRED_LANGUAGE")
    return gettext.translation(
        "django", localedir=LOCALE_DIR, languages=[chosen] if chosen else None, fallback=True
    )


def parser(_) -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="kindred linkage", description=_(DESCRIPTION))
    sub = top.add_subparsers(dest="operation", required=True)
    secret = sub.add_parser("new-secret", help="Write a new shared secret (32 random bytes).")
    secret.add_argument("-o", "--output", metavar="FILE", help="Write it to this new file.")
    enc = sub.add_parser("encode", help="Encode a persons CSV with the shared secret.")
    enc.add_argument("persons", metavar="PERSONS.csv")
    enc.add_argument("--secret-file", required=True, metavar="SECRET")
    enc.add_argument("-o", "--output", metavar="ENCODED.csv")
    mat = sub.add_parser("match", help="Match two encoded files (id_a,id_b,score).")
    mat.add_argument("a", metavar="A.csv")
    mat.add_argument("b", metavar="B.csv")
    mat.add_argument("-o", "--output", metavar="PAIRS.csv")
    mat.add_argument("--threshold", default=str(DEFAULT_THRESHOLD), metavar="T")
    mat.add_argument("-q", "--quiet", action="store_true")
    enc.add_argument("-q", "--quiet", action="store_true")
    return top


def main(argv: list[str] | None = None) -> int:
    _ = translation().gettext
    args = parser(_).parse_args(argv)

    def fail(message: str, status: int) -> int:
        print(f"kindred linkage: {message}", file=sys.stderr)
        return status

    try:
        if args.operation == "new-secret":
            return _new_secret(args, _, fail)
        if args.operation == "encode":
            return _encode(args, _)
        return _match(args, _, fail)
    except LinkageError as error:
        return fail(error.translated(_), 1 if error.message in FILE_ERRORS else 2)


def _new_secret(args, _, fail) -> int:
    value = new_secret() + "\n"
    if not args.output or args.output == "-":
        sys.stdout.write(value)
        return 0
    try:
        descriptor = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return fail(_(SECRET_EXISTS) % {"path": args.output}, 1)
    except OSError as error:
        return fail(_(CANNOT_WRITE) % {"path": args.output, "reason": error.strerror}, 1)
    with os.fdopen(descriptor, "w") as file:
        file.write(value)
    return 0


def _encode(args, _) -> int:
    started = time.perf_counter()
    secret = read_secret(Path(args.secret_file))
    ids, records = read_persons(Path(args.persons))
    encoded = encode(ids, records, secret)
    if args.output and args.output != "-":
        write_encoded(encoded, args.output)
    else:
        sys.stdout.write(encoded_csv(encoded))
    if not args.quiet:
        print(
            _(ENCODED) % {"count": len(ids), "seconds": time.perf_counter() - started},
            file=sys.stderr,
        )
    return 0


def _match(args, _, fail) -> int:
    started = time.perf_counter()
    try:
        threshold = float(args.threshold)
    except ValueError:
        threshold = float("nan")
    if not 0.0 <= threshold <= 1.0:  # also refuses NaN
        return fail(_(BAD_THRESHOLD) % {"value": repr(args.threshold)}, 2)
    a = read_encoded(Path(args.a))
    b = read_encoded(Path(args.b))
    pairs = match(a, b, threshold, names=(args.a, args.b))
    if args.output and args.output != "-":
        write_pairs(pairs, args.output)
    else:
        sys.stdout.write(pairs_csv(pairs))
    if not args.quiet:
        print(
            _(MATCHED)
            % {
                "pairs": len(pairs),
                "threshold": threshold,
                "a": len(a.ids),
                "b": len(b.ids),
                "seconds": time.perf_counter() - started,
            },
            file=sys.stderr,
        )
    return 0
