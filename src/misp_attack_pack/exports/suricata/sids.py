"""Signature ids that stay the same across re-exports and across MISP instances.

A sid is a hash of the rule key (attribute or object uuid, plus a variant suffix) folded into
the configured range, so every MISP instance that shares the event writes the same sid, unlike
MISP's NIDS export whose sids come from database ids. Two keys that land on one sid are
resolved by key order: the smaller key keeps the sid, the other tries ``key#1``, ``key#2``...
The outcome depends only on the set of keys, never on the order of the input.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

DEFAULT_RANGE = (1_000_000, 1_999_999)  # the range Snort and Suricata leave for local rules
# Suricata 7.0.10 rejects sid and rev 4294967295 ("value too high, max 4294967295"), although
# the message names it as the maximum; 4294967294 loads.
MAX_SID = 2**32 - 2
MAX_REV = 2**32 - 2


class SidRangeError(ValueError):
    """The configured ``sid_range`` is not ``FIRST-LAST`` within 1 to 4294967294."""


@dataclass(frozen=True, slots=True)
class SidRange:
    first: int
    last: int

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    @classmethod
    def parse(cls, text: str) -> "SidRange":
        if not text.strip():
            return cls(*DEFAULT_RANGE)
        first, separator, last = text.replace(" ", "").partition("-")
        if not separator or not first.isdigit() or not last.isdigit():
            raise SidRangeError(f"sid_range {text!r}: expected FIRST-LAST, e.g. 1000000-1999999")
        sid_range = cls(int(first), int(last))
        if not 1 <= sid_range.first <= sid_range.last <= MAX_SID:
            raise SidRangeError(f"sid_range {text!r}: expected 1 <= FIRST <= LAST <= {MAX_SID}")
        return sid_range


def allocate(keys: Iterable[str], sid_range: SidRange) -> dict[str, int]:
    """A distinct sid for each key; raises ``SidRangeError`` when the range is too small."""
    unique = sorted(set(keys))
    if len(unique) > sid_range.size:
        raise SidRangeError(
            f"sid_range holds {sid_range.size} sids; {len(unique)} rules need one")
    taken: set[int] = set()
    sids: dict[str, int] = {}
    for key in unique:
        attempt = 0
        sid = _candidate(key, attempt, sid_range)
        while sid in taken:
            attempt += 1
            sid = _candidate(key, attempt, sid_range)
        taken.add(sid)
        sids[key] = sid
    return sids


def _candidate(key: str, attempt: int, sid_range: SidRange) -> int:
    text = key if attempt == 0 else f"{key}#{attempt}"
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return sid_range.first + int.from_bytes(digest[:8], "big") % sid_range.size


def revision(timestamp: int) -> int:
    """``rev`` is the attribute's last change in epoch seconds: it grows with every edit."""
    return max(1, min(timestamp, MAX_REV))
