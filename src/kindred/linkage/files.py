"""Reading and writing the files of kindred-linkage/1: the persons CSV (kindred-duplicates/1),
the secret file, encoded files and pairs. Every problem is a `LinkageError` whose message
(`message % params`, translated by the command line) names the file and what is wrong."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .encoding import FIELDS, FORMAT, MIN_SECRET_BYTES, WORDS, Encoded, Secret


def gettext_noop(message: str) -> str:
    return message


NO_FILE = gettext_noop("%(path)s: no such file.")
A_FOLDER = gettext_noop("%(path)s is a folder, not a file.")
CANNOT_READ = gettext_noop("Cannot read %(path)s: %(reason)s.")
CANNOT_WRITE = gettext_noop("Cannot write %(path)s: %(reason)s.")
NOT_UTF8 = gettext_noop(
    "%(path)s is not a UTF-8 CSV file (undecodable bytes at position %(position)s)."
)
NOT_CSV = gettext_noop("%(path)s is not a valid CSV file (line %(line)s: %(error)s).")
NOT_TEXT = gettext_noop("%(path)s is not a CSV text file.")
EMPTY = gettext_noop("%(path)s is empty: a header row is needed.")
NO_ID = gettext_noop("%(path)s has no id column (the header row has: %(columns)s).")
EMPTY_ID = gettext_noop("%(path)s, line %(line)s: the id is empty.")
DUPLICATE_ID = gettext_noop(
    "%(path)s, line %(line)s: the id %(id)s is also on line %(first)s; ids must be unique."
)
TWICE = gettext_noop("%(path)s has the column %(column)s twice.")
NOT_ENCODED = gettext_noop(
    "%(path)s is not a file encoded by “kindred linkage encode” (%(format)s)."
)
BAD_ROW = gettext_noop("%(path)s, line %(line)s: this is not a valid encoding.")
SHORT_SECRET = gettext_noop(
    "The secret in %(path)s is too short: it needs at least %(bytes)s bytes of randomness "
    "(“kindred linkage new-secret” writes one)."
)

HEX = re.compile(r"[0-9a-fA-F]+")
BLOCK_KEY = re.compile(r"[0-9a-f]{16}")


class LinkageError(ValueError):
    """A file that cannot be used as it is; `message % params` says why."""

    def __init__(self, message: str, **params: Any):
        self.message = message
        self.params = params
        super().__init__(message % params)

    def translated(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.message) % self.params


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise LinkageError(NO_FILE, path=str(path)) from error
    except IsADirectoryError as error:
        raise LinkageError(A_FOLDER, path=str(path)) from error
    except OSError as error:
        raise LinkageError(CANNOT_READ, path=str(path), reason=error.strerror or error) from error


def _read_text(path: Path) -> str:
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LinkageError(NOT_UTF8, path=str(path), position=error.start) from error
    if "\x00" in text:
        raise LinkageError(NOT_TEXT, path=str(path))
    return text


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (line, row) of every non-blank row of a CSV file."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise LinkageError(EMPTY, path=str(path))
        rows = [(reader.line_num, row) for row in reader if len(row) > 1 or "".join(row).strip()]
    except csv.Error as error:
        raise LinkageError(NOT_CSV, path=str(path), line=reader.line_num, error=error) from error
    return header, rows


def _check_ids(path: Path, rows: list[tuple[int, list[str]]], position: int) -> list[str]:
    ids: list[str] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        record_id = row[position].strip() if position < len(row) else ""
        if not record_id:
            raise LinkageError(EMPTY_ID, path=str(path), line=line)
        if record_id in seen:
            raise LinkageError(
                DUPLICATE_ID, path=str(path), line=line, id=repr(record_id), first=seen[record_id]
            )
        seen[record_id] = line
        ids.append(record_id)
    return ids


def read_persons(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Ids and records (dicts of the known columns) of a kindred-duplicates/1 persons CSV."""
    header, rows = _rows(path)
    names = [cell.strip().lower() for cell in header]
    if "id" not in names:
        raise LinkageError(NO_ID, path=str(path), columns=", ".join(header)[:200])
    for name in set(names):
        if (name in FIELDS or name == "id") and names.count(name) > 1:
            raise LinkageError(TWICE, path=str(path), column=name)
    ids = _check_ids(path, rows, names.index("id"))
    known = [(i, name) for i, name in enumerate(names) if name in FIELDS]
    records = [
        {name: row[i].strip() for i, name in known if i < len(row) and row[i].strip()}
        for _, row in rows
    ]
    return ids, records


def read_secret(path: Path) -> Secret:
    """The secret file: hexadecimal as `new-secret` writes it, else its raw bytes."""
    data = _read_bytes(path).strip()
    text = data.decode("ascii", errors="replace")
    value = bytes.fromhex(text) if HEX.fullmatch(text) and len(text) % 2 == 0 else data
    if len(value) < MIN_SECRET_BYTES:
        raise LinkageError(SHORT_SECRET, path=str(path), bytes=MIN_SECRET_BYTES)
    return Secret(value)


def filter_column(fingerprint: str) -> str:
    return f"clk:{FORMAT}:{fingerprint}"


def encoded_csv(encoded: Encoded) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("id", filter_column(encoded.fingerprint), "blocks"))
    raw = encoded.filters.astype("<u8").tobytes()
    width = WORDS * 8
    for i, record_id in enumerate(encoded.ids):
        clk = base64.b64encode(raw[i * width : (i + 1) * width]).decode()
        blocks = " ".join(f"{key:016x}" for key in encoded.blocks[i])
        writer.writerow((record_id, clk, blocks))
    return buffer.getvalue()


def read_encoded(path: Path) -> Encoded:
    header, rows = _rows(path)
    cells = [cell.strip() for cell in header]
    prefix = f"clk:{FORMAT}:"
    if (
        len(cells) != 3
        or cells[0] != "id"
        or cells[2] != "blocks"
        or not (cells[1].startswith(prefix) and HEX.fullmatch(cells[1][len(prefix) :]))
    ):
        raise LinkageError(NOT_ENCODED, path=str(path), format=FORMAT)
    ids = _check_ids(path, rows, 0)
    width = WORDS * 8
    raw = bytearray()
    blocks: list[list[int]] = []
    for line, row in rows:
        try:
            if len(row) != 3:
                raise ValueError(row)
            clk = base64.b64decode(row[1], validate=True)
            if len(clk) != width:
                raise ValueError(row)
            keys = row[2].split()
            if not all(BLOCK_KEY.fullmatch(key) for key in keys):
                raise ValueError(row)
            blocks.append([int(key, 16) for key in keys])
        except (ValueError, binascii.Error) as error:
            raise LinkageError(BAD_ROW, path=str(path), line=line) from error
        raw += clk
    filters = np.frombuffer(bytes(raw), dtype="<u8").reshape(len(ids), WORDS)
    return Encoded(ids, filters, blocks, cells[1][len(prefix) :])


def pairs_csv(pairs: Sequence[tuple[str, str, float]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("id_a", "id_b", "score"))
    writer.writerows((a, b, f"{score:.4f}") for a, b, score in pairs)
    return buffer.getvalue()


def write_text(output: str, body: str) -> None:
    """Written beside the target and renamed: a failure never leaves half a file behind."""
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    try:
        partial.write_text(body, encoding="utf-8")
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise LinkageError(CANNOT_WRITE, path=output, reason=error.strerror or error) from error


def write_encoded(encoded: Encoded, output: str) -> None:
    write_text(output, encoded_csv(encoded))


def write_pairs(pairs: Sequence[tuple[str, str, float]], output: str) -> None:
    write_text(output, pairs_csv(pairs))
