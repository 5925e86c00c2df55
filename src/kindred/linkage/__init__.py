"""Linkage without sharing names (`../shared/formats/linkage.md`, "kindred-linkage/1").

Plain Python and numpy, no Django (ARCHITECTURE.md rule 6). Each organisation encodes its own
persons CSV with a secret that only the participants hold (`encoding.encode`): every record
becomes a keyed and permuted Bloom filter (a cryptographic long-term key, Schnell et
al.) and a few keyed blocking keys. Only encodings travel; `matching.match` compares two
encoded files by Sørensen-Dice similarity of the filters, among the pairs that share a
blocking key, and pairs them one-to-one. `cli.py` is the `kindred linkage` command line.
The encodings and their threat model: docs/linkage.md.
"""

from .encoding import FORMAT, Encoded, Secret, encode, new_secret
from .files import LinkageError, read_encoded, read_persons, write_encoded, write_pairs
from .matching import DEFAULT_THRESHOLD, match

__all__ = [
    "DEFAULT_THRESHOLD",
    "FORMAT",
    "Encoded",
    "LinkageError",
    "Secret",
    "encode",
    "match",
    "new_secret",
    "read_encoded",
    "read_persons",
    "write_encoded",
    "write_pairs",
]
