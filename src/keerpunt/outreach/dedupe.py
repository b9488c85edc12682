"""Near-duplicate signatures: the same ad reposted dozens of times, with an emoji more or
a different price, is one item.

A post's signature is a MinHash of the 5-character shingles of its letters (case folded,
look-alikes folded by NFKC, digits, punctuation and emoji left out, so a changed price
or decoration hardly moves it). Its bands (locality-sensitive hashing) are stored with
the item, so the candidates for a new post are found by a query, in any process and
after a restart; a candidate joins when the estimated Jaccard similarity is at least
`SIMILAR`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

PERMUTATIONS = 128
# 16 bands of 8 rows: two posts with similarity s share a band with probability
# 1 - (1 - s^8)^16: 0.94 at 0.8, 0.35 at 0.6, so few candidates are measured in vain.
BANDS, ROWS = 16, 8
SHINGLE = 5
SIMILAR = 0.8
SEED = 7


@dataclass(frozen=True)
class Signature:
    hashvalues: bytes

    def bands(self) -> list[tuple[int, str]]:
        values = np.frombuffer(self.hashvalues, dtype=np.uint64)
        return [
            (
                band,
                hashlib.blake2b(
                    values[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=12
                ).hexdigest(),
            )
            for band in range(BANDS)
        ]

    def similarity(self, other: Signature) -> float:
        mine = np.frombuffer(self.hashvalues, dtype=np.uint64)
        theirs = np.frombuffer(other.hashvalues, dtype=np.uint64)
        return float(np.count_nonzero(mine == theirs)) / PERMUTATIONS


def letters(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(c if c.isalpha() else " " for c in folded)
    return " ".join(kept.split())


def shingles(text: str) -> set[str]:
    flat = letters(text)
    if len(flat) <= SHINGLE:
        return {flat}
    return {flat[i : i + SHINGLE] for i in range(len(flat) - SHINGLE + 1)}


def signature(text: str) -> Signature:
    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED)
    minhash.update_batch([s.encode() for s in sorted(shingles(text))])
    return Signature(np.asarray(minhash.hashvalues, dtype=np.uint64).tobytes())
