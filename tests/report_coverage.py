"""Print the suite's line coverage of src/kindred, counted the way coverage.py counts it.

`make test` collects coverage with SlipCover, which rewrites our modules' bytecode and
removes each probe once its line has run, instead of coverage.py's trace function (on
Python 3.11 that function made every frame, Django's included, run unspecialised: about
half of the suite's time). SlipCover's own table counts every line of a statement that
spans several lines, so its percentage is not the one Kindred has always measured. This
script hands SlipCover's executed lines to coverage.py, which maps each line to its
statement, applies its exclusions (`# pragma: no cover`) and prints the usual report, so
the figure stays comparable with every earlier one (docs/decisions/0016-…).

    python tests/report_coverage.py .slipcover.json [--fail-under 94]

Exit status 2 when the total is below --fail-under (as `coverage report` does).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parent.parent


def coverage_from(slipcover_json: Path, data_file: Path) -> coverage.Coverage:
    """A coverage.py session whose data holds SlipCover's executed lines, file by file."""
    files = json.loads(slipcover_json.read_text(encoding="utf-8"))["files"]
    cov = coverage.Coverage(data_file=str(data_file), config_file=str(ROOT / "pyproject.toml"))
    data = cov.get_data()
    data.add_lines(
        {
            str((ROOT / name).resolve()): set(entry["executed_lines"])
            for name, entry in files.items()
        }
    )
    return cov


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slipcover_json", type=Path)
    parser.add_argument("--fail-under", type=float, default=0.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cov = coverage_from(args.slipcover_json, Path(tmp) / ".coverage")
        total = cov.report(file=sys.stdout)
    if total < args.fail_under:
        print(f"FAIL: line coverage {total:.1f} % is below the floor of {args.fail_under:g} %.")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
