"""`kindred allocate INSTANCE.json [-o RESULT.json]`: solve a kindred-allocation/1 instance.

Runs without starting Django (`kindred.__main__` hands the command here), so reading,
solving and writing is all the time it takes. Messages come from Kindred's own translation
catalogues through the standard library's gettext, in the language of the environment
(KINDRED_LANGUAGE, else LANGUAGE, LC_ALL, LC_MESSAGES, LANG). An invalid instance or an
unreadable file ends with one line on standard error and exit status 2 (1 for files), never
a traceback.
"""

from __future__ import annotations

import argparse
import gettext
import json
import os
import sys
from pathlib import Path

from .instance import InstanceError, gettext_noop, parse_instance, result_json
from .solver import solve

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

CANNOT_READ = gettext_noop("Cannot read %(file)s: %(reason)s.")
CANNOT_WRITE = gettext_noop("Cannot write %(file)s: %(reason)s.")
DESCRIPTION = gettext_noop(
    "Allocate stock to need lines fairly and optimally (format kindred-allocation/1)."
)
INSTANCE_HELP = gettext_noop("the instance, a JSON file")
OUTPUT_HELP = gettext_noop("write the result here instead of to standard output")


def translation() -> gettext.NullTranslations:
    chosen = os.environ.get("KINDRED_LANGUAGE")
    return gettext.translation(
        "django", localedir=LOCALE_DIR, languages=[chosen] if chosen else None, fallback=True
    )


def main(argv: list[str] | None = None) -> int:
    _ = translation().gettext
    parser = argparse.ArgumentParser(prog="kindred allocate", description=_(DESCRIPTION))
    parser.add_argument("instance", help=_(INSTANCE_HELP))
    parser.add_argument("-o", "--output", help=_(OUTPUT_HELP))
    args = parser.parse_args(argv)

    def fail(message: str, status: int) -> int:
        print(f"kindred allocate: {message}", file=sys.stderr)
        return status

    try:
        text = Path(args.instance).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return fail(_(CANNOT_READ) % {"file": args.instance, "reason": reason}, 1)
    try:
        result = solve(parse_instance(text))
    except InstanceError as error:
        return fail(error.translated(_), 2)
    body = json.dumps(result_json(result), ensure_ascii=False, separators=(",", ":"))
    if not args.output or args.output == "-":
        sys.stdout.write(body + "\n")
        return 0
    try:
        Path(args.output).write_text(body + "\n", encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        return fail(_(CANNOT_WRITE) % {"file": args.output, "reason": reason}, 1)
    return 0
