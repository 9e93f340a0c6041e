"""MISP warninglists, offline, in a form that answers thousands of look-ups per second.

``pymispwarninglists`` ships the lists as JSON inside the package, so no network is needed.
Its own ``WarningLists`` class is not used here: with ``slow_search`` (the only mode that
honours hostname and CIDR semantics) it takes about ten seconds to load, holds about 500 MB,
and tests a hostname against every entry of every list in turn (about 80 ms per value). This
index reads the same files once per process and keeps, per list kind:

- exact and hostname entries as one sorted ``array`` of 64-bit words, each a 56-bit hash
  of the entry with the list's index in the low byte (a hash collision can at worst leave an
  indicator out, at odds of about one in 10^10 per look-up);
- CIDR entries as merged, sorted address ranges per list;
- the few substring and regex lists as they are.

Lists that name things which are not false positives (dynamic DNS providers, URL
shorteners, free hosting used by attackers, disposable mail domains) are not applied:
an indicator on them is still worth a rule.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import ipaddress
import logging
import re
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

import orjson

LOG = logging.getLogger(__name__)

INFORMATIONAL_LISTS = frozenset({
    "dynamic-dns", "disposable-email", "url-shortener", "lots-project", "link-in-bio",
    "public-ipfs-gateways", "tlds",
})
_HASH_MASK = (1 << 56) - 1
_REGEX_FORM = re.compile(r"^/(?P<body>.*)/(?P<flags>[a-z]*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ListInfo:
    name: str
    kind: str
    types: frozenset[str]

    def applies_to(self, misp_type: str) -> bool:
        return not self.types or misp_type in self.types


@dataclass(slots=True)
class WarninglistIndex:
    """Answers "which warninglists hold this value" for the types the rules are made from."""

    lists: list[ListInfo] = field(default_factory=list)
    exact: array = field(default_factory=lambda: array("Q"))
    suffix: array = field(default_factory=lambda: array("Q"))
    ranges: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)
    substrings: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    patterns: list[tuple[int, re.Pattern]] = field(default_factory=list)

    def lookup(self, misp_type: str, kind: str, value: str) -> list[str]:
        """Names of the lists that apply to ``misp_type`` and hold ``value``.

        ``kind`` says how to read the value: ``domain``, ``ip-src``/``ip-dst`` (an address or
        network), ``url`` or anything else (compared as a string).
        """
        found: set[int] = set(self._hashed(self.exact, _variants(value)))
        if kind in ("domain", "url"):
            host = _url_host(value) if kind == "url" else value
            found.update(self._hashed(self.suffix, _parent_domains(host)))
        if kind in ("ip-src", "ip-dst"):
            found.update(self._in_ranges(value))
        found.update(index for index, entries in self.substrings
                     if any(entry in value for entry in entries))
        found.update(index for index, pattern in self.patterns if pattern.search(value))
        return sorted({self.lists[index].name for index in found
                       if self.lists[index].applies_to(misp_type)})

    def _hashed(self, table: array, values: Iterable[str]) -> list[int]:
        hits = []
        for value in values:
            key = _hash(value)
            position = bisect.bisect_left(table, key << 8)
            while position < len(table) and table[position] >> 8 == key:
                hits.append(table[position] & 0xFF)
                position += 1
        return hits

    def _in_ranges(self, value: str) -> list[int]:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return []
        first = int(network.network_address) + _shift(network)
        last = int(network.broadcast_address) + _shift(network)
        hits = []
        for index, (starts, ends) in self.ranges.items():
            position = bisect.bisect_right(starts, first) - 1
            if position >= 0 and ends[position] >= last:
                hits.append(index)
        return hits


@functools.lru_cache(maxsize=1)
def bundled_index() -> WarninglistIndex:
    """The index of the lists inside ``pymispwarninglists``; built once per process."""
    return build_index(_bundled_files())


def build_index(files: Iterable[Path]) -> WarninglistIndex:
    index = WarninglistIndex()
    exact: list[array] = []
    suffix: list[array] = []
    for path in files:
        if path.parent.name in INFORMATIONAL_LISTS:
            continue
        document = orjson.loads(path.read_bytes())
        position = len(index.lists)
        info = ListInfo(str(document.get("name") or path.parent.name), document.get("type", ""),
                        frozenset(document.get("matching_attributes") or ()))
        index.lists.append(info)
        _add_list(index, position, info.kind, document.get("list") or [], exact, suffix)
        del document
    # Words are kept in compact arrays per list while the JSON of the next list is parsed;
    # only the final sort (of already sorted runs, which is fast) holds them as integers.
    index.exact = array("Q", sorted(itertools.chain.from_iterable(exact)))
    index.suffix = array("Q", sorted(itertools.chain.from_iterable(suffix)))
    LOG.info("warninglists: %d lists, %d exact and %d hostname entries", len(index.lists),
             len(index.exact), len(index.suffix))
    return index


def _add_list(index: WarninglistIndex, position: int, kind: str, entries: list,
              exact: list[array], suffix: list[array]) -> None:
    texts = [text for text in (str(entry).strip() for entry in entries) if text]
    if kind == "cidr":
        index.ranges[position] = _merged_ranges(texts)
    elif kind == "hostname":
        suffix.append(_words(position, (text.strip(".").lower() for text in texts)))
    elif kind == "string":
        # Entries written as ".example.com" in string lists stand for the subdomains.
        suffix.append(_words(position, (text.strip(".").lower() for text in texts
                                        if text.startswith("."))))
        exact.append(_words(position, (text for text in texts if not text.startswith("."))))
    elif kind == "substring":
        index.substrings.append((position, tuple(texts)))
    elif kind == "regex":
        index.patterns += [(position, pattern) for pattern in map(_regex, texts) if pattern]


def _words(position: int, texts: Iterable[str]) -> array:
    return array("Q", (_hash(text) << 8 | position for text in texts))


def _merged_ranges(texts: list[str]) -> tuple[list[int], list[int]]:
    """A CIDR list as sorted ``(starts, ends)`` with overlapping networks merged."""
    spans = []
    for text in texts:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        spans.append((int(network.network_address) + _shift(network),
                      int(network.broadcast_address) + _shift(network)))
    spans.sort()
    starts: list[int] = []
    ends: list[int] = []
    for start, end in spans:
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _shift(network) -> int:
    """IPv6 addresses sit above every IPv4 address, so one sorted table holds both."""
    return 1 << 128 if network.version == 6 else 0


def _regex(text: str) -> re.Pattern | None:
    match = _REGEX_FORM.match(text)
    body, flags = (match.group("body"), match.group("flags")) if match else (text, "")
    try:
        return re.compile(body, re.IGNORECASE if "i" in flags else 0)
    except re.error:
        LOG.debug("warninglists: regex %r does not compile in Python", text)
        return None


def _hash(text: str) -> int:
    return hash(text) & _HASH_MASK


def _variants(value: str) -> tuple[str, ...]:
    lowered = value.lower()
    return (value,) if lowered == value else (value, lowered)


def _parent_domains(host: str) -> list[str]:
    labels = host.lower().rstrip(".").split(".")
    return [".".join(labels[index:]) for index in range(len(labels))]


def _url_host(url: str) -> str:
    text = url if "://" in url else f"http://{url}"
    try:
        return (urlsplit(text).hostname or "").lower()
    except ValueError:
        return ""


def _bundled_files() -> list[Path]:
    import pymispwarninglists

    root = Path(pymispwarninglists.__file__).parent / "data" / "misp-warninglists" / "lists"
    return sorted(root.glob("*/list.json"))
