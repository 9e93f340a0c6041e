"""MISP warninglists, read offline once per process and shared by the exports and validators.

``pymispwarninglists`` bundles the lists as JSON, so no network is needed. Its own
``WarningLists`` is not used: in the one mode that honours host-name and CIDR semantics it
takes seconds to load, keeps every list twice and compares a value with each entry of each
list in turn. The package is not even imported (importing it compiles a grammar for
jsonschema, over a second and about 30 MB); only its data directory is read. The index keeps:

- string and host-name entries, lower-cased, in two sorted ``array`` tables of 64-bit words,
  each a 56-bit hash of the entry with the list's position in the low byte. Host-name entries,
  and string entries written ``.example.com``, also match every subdomain: a host is probed
  with each of its parent domains, the top-level label included, as pymispwarninglists does;
- CIDR entries as one sorted table of boundaries per IP version, each segment carrying the
  set of lists that cover it whole, so one bisection answers for every list;
- substring and regex entries as they are, tried only on the types their lists name.

A hash collision makes a value look as if it were on the colliding entry's list. With about
2.4 million entries and a handful of probes per value the odds are about one in 10^10 per
look-up; the Suricata export would then leave that indicator out (and name the list in its
header), the validators would warn about it. Comparing the entry itself on a hit would rule
it out, at the cost of keeping the entries (several times the memory of their hashes).

``hash`` of a string is salted per process, so an index is valid only in the process that
built it and in the processes it forks (gunicorn workers). The lists' ``matching_attributes``
decide which types a list applies to; which lists a consumer ignores is the consumer's policy.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import ipaddress
import itertools
import logging
import re
import socket
import threading
import time
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import orjson

from misp_attack_pack.exports.indicators import IndicatorError, url_parts

LOG = logging.getLogger(__name__)

HOST_KINDS = frozenset({"domain", "hostname"})
IP_KINDS = frozenset({"ip-src", "ip-dst", "ip"})
_HASH_MASK = (1 << 56) - 1
_MAX_HASHED_LISTS = 256  # the low byte of a word holds the list's position
_REGEX_FORM = re.compile(r"^/(?P<body>.*)/(?P<flags>[a-z]*)$", re.DOTALL)
_BUILD_LOCK = threading.Lock()

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Warninglist:
    """One list: ``slug`` is its directory in misp-warninglists, ``name`` what MISP shows."""

    slug: str
    name: str
    kind: str
    types: frozenset[str]

    def applies_to(self, misp_type: str) -> bool:
        """A list without ``matching_attributes`` applies to every type, as in MISP."""
        return not self.types or misp_type in self.types


@dataclass(slots=True)
class _Segments:
    """Address boundaries in order; ``covers[i]`` has a bit per list holding the whole segment
    from ``bounds[i]`` to just before ``bounds[i + 1]``."""

    bounds: array | list[int]
    covers: list[int]

    def covering(self, first: int, last: int) -> int:
        """The bits of the lists that hold every address from ``first`` to ``last``."""
        position = bisect.bisect_right(self.bounds, first) - 1
        if position < 0:
            return 0
        mask = self.covers[position]
        # A network spanning several segments is held only by lists covering each of them.
        for after in range(position + 1, len(self.bounds)):
            if not mask or self.bounds[after] > last:
                break
            mask &= self.covers[after]
        return mask


@dataclass(frozen=True, slots=True)
class _Substrings:
    """A substring list, searched whichever way costs fewer comparisons for a given value."""

    entries: tuple[str, ...]
    by_length: dict[int, frozenset[str]]

    @classmethod
    def of(cls, entries: Iterable[str]) -> _Substrings:
        unique = tuple(dict.fromkeys(entries))
        by_length: dict[int, set[str]] = {}
        for entry in unique:
            by_length.setdefault(len(entry), set()).add(entry)
        return cls(unique, {length: frozenset(group) for length, group in by_length.items()})

    def found_in(self, text: str) -> bool:
        if len(self.entries) <= len(self.by_length) * len(text):
            return any(entry in text for entry in self.entries)
        # Thousands of entries (disposable mail domains): look up every slice of each length.
        return any(text[start:start + length] in group
                   for length, group in self.by_length.items()
                   for start in range(len(text) - length + 1))


@dataclass(frozen=True, slots=True)
class _TypeLists:
    """What a look-up for one attribute type needs, worked out once per type."""

    positions: frozenset[int]
    substrings: tuple[tuple[int, _Substrings], ...]
    patterns: tuple[tuple[int, tuple[re.Pattern, ...]], ...]


@dataclass(slots=True)
class WarninglistIndex:
    """Answers "which lists hold this value" for any attribute type, in microseconds."""

    lists: list[Warninglist]
    exact: array
    suffix: array
    networks: dict[int, _Segments]
    substrings: dict[int, _Substrings]
    patterns: dict[int, tuple[re.Pattern, ...]]
    _by_type: dict[str, _TypeLists] = field(default_factory=dict)

    def lookup(self, misp_type: str, kind: str, value: str) -> list[Warninglist]:
        """The lists applying to ``misp_type`` that hold ``value``, in index order.

        ``kind`` says how to read the value: a host (``domain``, ``hostname``), a ``url``, an
        address or network (``ip-src``, ``ip-dst``, ``ip``) or anything else, compared whole.
        Case does not matter, except to regex entries written without the ``i`` flag.
        """
        applicable = self._for_type(misp_type)
        text = value.lower()
        found = set(_hits(self.exact, (text,)))
        found.update(_hits(self.suffix, _host_names(kind, text)))
        if kind in IP_KINDS:
            found.update(self._holding_network(value))
        found.update(position for position, entries in applicable.substrings
                     if entries.found_in(text))
        found.update(position for position, patterns in applicable.patterns
                     if any(pattern.search(value) for pattern in patterns))
        return [self.lists[position] for position in sorted(found & applicable.positions)]

    def _holding_network(self, value: str) -> Iterator[int]:
        span = _span(value.strip())
        if span is None:
            return iter(())
        version, first, last = span
        return _bits(self.networks[version].covering(first, last))

    def _for_type(self, misp_type: str) -> _TypeLists:
        cached = self._by_type.get(misp_type)
        if cached is None:
            positions = frozenset(position for position, warninglist in enumerate(self.lists)
                                  if warninglist.applies_to(misp_type))
            cached = _TypeLists(positions, _only(self.substrings, positions),
                                _only(self.patterns, positions))
            self._by_type[misp_type] = cached
        return cached


def _only(by_position: dict[int, _T], positions: frozenset[int]) -> tuple[tuple[int, _T], ...]:
    return tuple((position, item) for position, item in by_position.items()
                 if position in positions)


def bundled_index() -> WarninglistIndex:
    """The index of every list bundled with ``pymispwarninglists``, shared by the process.

    The first call builds it (about three seconds); a call made meanwhile from another thread
    waits for that build instead of starting a second one.
    """
    with _BUILD_LOCK:
        return _bundled_index()


@functools.lru_cache(maxsize=1)
def _bundled_index() -> WarninglistIndex:
    return build_index(bundled_files())


def bundled_files() -> list[Path]:
    """The ``list.json`` files inside ``pymispwarninglists``, found without importing it."""
    spec = importlib.util.find_spec("pymispwarninglists")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pymispwarninglists is not installed",
                                  name="pymispwarninglists")
    package = Path(next(iter(spec.submodule_search_locations)))
    return sorted((package / "data" / "misp-warninglists" / "lists").glob("*/list.json"))


def build_index(files: Iterable[Path]) -> WarninglistIndex:
    """An index of ``files``, each a misp-warninglists ``list.json``; unreadable ones are
    logged and left out."""
    started = time.monotonic()
    builder = _Builder()
    for path in files:
        document = _read(path)
        if document is not None:
            builder.add(_warninglist(path, document), document.get("list") or [])
        del document  # the largest lists hold a million entries: free each before the next
    index = builder.finish()
    LOG.info("warninglists: %d lists, %d exact and %d host-name entries indexed in %.1f s",
             len(index.lists), len(index.exact), len(index.suffix), time.monotonic() - started)
    return index


def _read(path: Path) -> dict | None:
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        LOG.warning("warninglist %s left out: %s", path, error)
        return None
    if not isinstance(document, dict):
        LOG.warning("warninglist %s left out: not a JSON object", path)
        return None
    return document


def _warninglist(path: Path, document: dict) -> Warninglist:
    return Warninglist(path.parent.name, str(document.get("name") or path.parent.name),
                       str(document.get("type", "")),
                       frozenset(document.get("matching_attributes") or ()))


@dataclass(slots=True)
class _Builder:
    """The index's tables while lists are added one at a time."""

    lists: list[Warninglist] = field(default_factory=list)
    exact: list[array] = field(default_factory=list)
    suffix: list[array] = field(default_factory=list)
    spans: dict[int, list[tuple[int, int, int]]] = field(default_factory=lambda: {4: [], 6: []})
    substrings: dict[int, _Substrings] = field(default_factory=dict)
    patterns: dict[int, tuple[re.Pattern, ...]] = field(default_factory=dict)

    def add(self, warninglist: Warninglist, entries: list) -> None:
        position = len(self.lists)
        if warninglist.kind in ("string", "hostname") and position >= _MAX_HASHED_LISTS:
            # Widening the position field (fewer hash bits) or a second array would fix it.
            LOG.error("warninglist %s left out: only the first %d lists can be hashed",
                      warninglist.slug, _MAX_HASHED_LISTS)
            return
        self.lists.append(warninglist)
        texts = list(filter(None, map(str.strip, map(str, entries))))
        if warninglist.kind == "cidr":
            self._add_networks(position, texts)
        elif warninglist.kind == "hostname":
            self.suffix.append(_words(position, (text.strip(".") for text in texts)))
        elif warninglist.kind == "string":
            self.exact.append(_words(position, (text for text in texts if text[0] != ".")))
            self.suffix.append(_words(position, (text.strip(".") for text in texts
                                                 if text[0] == ".")))
        elif warninglist.kind == "substring":
            self.substrings[position] = _Substrings.of(map(str.lower, texts))
        elif warninglist.kind == "regex":
            self.patterns[position] = tuple(filter(None, map(_regex, texts)))
        else:
            LOG.warning("warninglist %s: type %r is not understood; it matches nothing",
                        warninglist.slug, warninglist.kind)

    def _add_networks(self, position: int, texts: list[str]) -> None:
        for version, ranges in _merged_ranges(texts).items():
            self.spans[version] += [(start, end, position) for start, end in ranges]

    def finish(self) -> WarninglistIndex:
        # The words wait in compact per-list arrays while the next list's JSON is parsed;
        # only this last sort holds them as Python integers, one table at a time.
        exact = array("Q", sorted(itertools.chain.from_iterable(self.exact)))
        self.exact.clear()
        suffix = array("Q", sorted(itertools.chain.from_iterable(self.suffix)))
        self.suffix.clear()
        networks = {4: _segments(self.spans[4], array("Q")), 6: _segments(self.spans[6], [])}
        return WarninglistIndex(self.lists, exact, suffix, networks, self.substrings,
                                self.patterns)


def _words(position: int, texts: Iterable[str]) -> array:
    return array("Q", ((code & _HASH_MASK) << 8 | position
                       for code in map(hash, map(str.lower, texts))))


def _hash(text: str) -> int:
    return hash(text) & _HASH_MASK


def _hits(table: array, names: Iterable[str]) -> Iterator[int]:
    """Positions of the lists whose words in ``table`` carry the hash of one of ``names``."""
    for name in names:
        key = _hash(name)
        position = bisect.bisect_left(table, key << 8)
        while position < len(table) and table[position] >> 8 == key:
            yield table[position] & 0xFF
            position += 1


def _host_names(kind: str, text: str) -> Iterable[str]:
    """What a value is looked up as among host-name entries: a host and its parent domains,
    the host of a URL and its parents, or for other kinds the value itself."""
    if kind in HOST_KINDS:
        return _parent_domains(text.rstrip("."))
    if kind == "url":
        return _parent_domains(_url_host(text))
    return (text,)


def _url_host(url: str) -> str:
    """A URL's canonical host; text that does not parse as a URL is taken for a host name."""
    try:
        return url_parts(url).host
    except IndicatorError:
        return url


def _parent_domains(host: str) -> list[str]:
    labels = host.split(".")
    return [".".join(labels[start:]) for start in range(len(labels))]


def _merged_ranges(texts: list[str]) -> dict[int, list[tuple[int, int]]]:
    """A CIDR list as sorted first and last addresses per IP version, overlaps merged.

    Merging also joins adjacent networks, so a network that spans two entries of one list is
    held by that list.
    """
    spans: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    for version, first, last in filter(None, map(_span, texts)):
        spans[version].append((first, last))
    return {version: _merged(sorted(ranges)) for version, ranges in spans.items()}


def _span(text: str) -> tuple[int, int, int] | None:
    """IP version, first and last address of an address or network; ``None`` for neither.

    ``ipaddress`` takes five to eight microseconds a value. Plain IPv4, the bulk of both the
    lists and the indicators, is read here in under one, just as strictly: four decimal octets
    without leading zeros, a prefix length of at most 32.
    """
    address, slash, length = text.partition("/")
    if ":" not in address and (not slash or length.isascii() and length.isdigit()):
        host_bits = 32 - int(length or 32)
        try:
            number = int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
        except (OSError, ValueError):
            return None
        if host_bits < 0:
            return None
        first = number >> host_bits << host_bits
        return 4, first, first | (1 << host_bits) - 1
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return network.version, int(network.network_address), int(network.broadcast_address)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _segments(spans: list[tuple[int, int, int]], bounds: array | list[int]) -> _Segments:
    """Every list's ranges cut into segments that each list covers either whole or not at all.

    A list's merged ranges neither overlap nor touch, so at each boundary a list's bit flips
    exactly once: on where one of its ranges starts, off just after one ends.
    """
    flips: dict[int, int] = {}
    for start, end, position in spans:
        flips[start] = flips.get(start, 0) ^ 1 << position
        flips[end + 1] = flips.get(end + 1, 0) ^ 1 << position
    shared: dict[int, int] = {}
    covers: list[int] = []
    mask = 0
    for point in sorted(flips):
        mask ^= flips[point]
        bounds.append(point)
        covers.append(shared.setdefault(mask, mask))  # one object per distinct set of lists
    return _Segments(bounds, covers)


def _bits(mask: int) -> Iterator[int]:
    while mask:
        lowest = mask & -mask
        yield lowest.bit_length() - 1
        mask ^= lowest


def _regex(text: str) -> re.Pattern | None:
    """A MISP regex entry (``/body/flags``) in Python; only the ``i`` flag changes matching."""
    match = _REGEX_FORM.match(text)
    body, flags = (match.group("body"), match.group("flags")) if match else (text, "")
    try:
        return re.compile(body, re.IGNORECASE if "i" in flags else 0)
    except re.error:
        LOG.warning("warninglists: regex %r does not compile in Python; it is left out", text)
        return None
