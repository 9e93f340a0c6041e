"""Warninglists: ``to_ids`` values that MISP's warninglists know as benign are warnings.

The lists come from the data pymispwarninglists bundles, so this works offline. Its own
``WarningLists`` keeps every list twice (as a list and a set, about 350 MB for 2.5 million
entries) and searches a host name against a million entries one by one; this module reads the
same files into one compact index instead. Exact and host-name lists keep only a sorted array
of the 64-bit hashes of their entries (8 bytes each; a host name is looked up with each of its
parent domains), CIDR lists a table of network numbers per prefix length. A hash collision
could only add a spurious warning, with odds near one in 10^12 per value. The index is built
once per process (two to four seconds) and shared. Regex lists (phone numbers, contact
addresses) are not applied.
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
import logging
import threading
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from misp_attack_pack.events.model import Attribute
from misp_attack_pack.exports.indicators import IndicatorError, url_parts
from misp_attack_pack.findings import Finding, Severity
from misp_attack_pack.validators.context import Context, describe

LOG = logging.getLogger(__name__)

_HOST_TYPES = {"domain", "hostname"}
_LOCK = threading.Lock()


@dataclass(slots=True)
class _List:
    """One warninglist reduced to what matching needs."""

    name: str
    kind: str
    types: frozenset[str]
    hashes: array = field(default_factory=lambda: array("q"))
    substrings: tuple[str, ...] = ()
    networks: dict[int, dict[int, set[int]]] = field(default_factory=dict)

    def matches(self, kind: str, value: str) -> bool:
        if self.kind == "cidr":
            return _in_networks(self.networks, value)
        if self.kind == "substring":
            return any(entry in value for entry in self.substrings)
        if self.kind == "hostname":
            host = _url_host(value) if kind == "url" else value
            return any(self._holds(candidate) for candidate in _host_and_parents(host))
        return self._holds(value)

    def _holds(self, value: str) -> bool:
        wanted = hash(value)
        position = bisect.bisect_left(self.hashes, wanted)
        return position < len(self.hashes) and self.hashes[position] == wanted


@dataclass(slots=True)
class WarninglistIndex:
    """Every applicable warninglist, and which lists apply to each attribute type."""

    lists: list[_List]
    by_type: dict[str, list[_List]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for warninglist in self.lists:
            for kind in warninglist.types:
                self.by_type.setdefault(kind, []).append(warninglist)

    def matches(self, attribute: Attribute,
                excluded: frozenset[str] = frozenset()) -> list[str]:
        """Names of the lists ``attribute``'s value (or a part of it) is on."""
        names: list[str] = []
        for part_kind, part in _parts(attribute):
            value = _normalise(part_kind, part)
            if not value:
                continue
            for warninglist in self.by_type.get(attribute.type, ()):
                if warninglist.name in names or warninglist.name in excluded:
                    continue
                if warninglist.matches(part_kind, value):
                    names.append(warninglist.name)
        return names


def check(context: Context) -> list[Finding]:
    index = warninglist_index()
    excluded = context.policy.warninglists_excluded
    findings = []
    for attribute in context.event.all_attributes():
        if not attribute.to_ids:
            continue
        names = index.matches(attribute, excluded)
        if names:
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            shown = "; ".join(names[:3]) + more
            findings.append(Finding(
                "warninglist.match",
                f"indicator {describe(attribute)} is on {len(names)} warninglist"
                f"{'s' if len(names) > 1 else ''} ({shown}); it may cause false positives",
                attribute.pointer, attribute.uuid, Severity.WARNING))
    return findings


def warninglist_index() -> WarninglistIndex:
    """The process-wide index; the first call builds it (a few seconds), later ones share it.

    It holds every list; a policy's exclusions are applied when matching, so policies that
    differ share one index.
    """
    with _LOCK:
        return _build_index()


@functools.lru_cache(maxsize=1)
def _build_index() -> WarninglistIndex:
    started = time.monotonic()
    lists = list(_read_lists(_lists_dir()))
    LOG.info("warninglists: %d lists indexed in %.1f s", len(lists), time.monotonic() - started)
    return WarninglistIndex(lists)


def _lists_dir() -> Path:
    import pymispwarninglists

    return Path(pymispwarninglists.__file__).resolve().parent / "data" / "misp-warninglists" / (
        "lists")


def _read_lists(directory: Path) -> Iterable[_List]:
    for path in sorted(directory.glob("*/list.json")):
        try:
            raw = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as error:
            LOG.warning("warninglist %s left out: %s", path, error)
            continue
        warninglist = _from_raw(raw)
        if warninglist is not None:
            yield warninglist


def _from_raw(raw: dict) -> _List | None:
    kind = raw.get("type")
    entries = [str(entry) for entry in raw.get("list") or ()]
    warninglist = _List(name=str(raw.get("name", "")), kind=str(kind),
                        types=frozenset(raw.get("matching_attributes") or ()))
    if kind == "cidr":
        warninglist.networks = _network_table(entries)
    elif kind == "substring":
        warninglist.substrings = tuple(entry.lower() for entry in entries if entry)
    elif kind == "hostname":
        warninglist.hashes = _hash_array(_host_entry(entry) for entry in entries)
    elif kind == "string":
        warninglist.hashes = _hash_array(entry.strip().lower() for entry in entries)
    else:
        return None
    return warninglist


def _hash_array(entries: Iterable[str]) -> array:
    """Sorted hashes of ``entries``; ``hash`` is stable within the process that built it."""
    return array("q", sorted({hash(entry) for entry in entries}))


def _network_table(entries: list[str]) -> dict[int, dict[int, set[int]]]:
    """``{ip version: {prefix length: {network number}}}``; lookup is one probe per length."""
    table: dict[int, dict[int, set[int]]] = {4: {}, 6: {}}
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            continue
        shift = network.max_prefixlen - network.prefixlen
        by_length = table[network.version].setdefault(network.prefixlen, set())
        by_length.add(int(network.network_address) >> shift)
    return table


def _in_networks(table: dict[int, dict[int, set[int]]], value: str) -> bool:
    try:
        address = ipaddress.ip_address(value.split("/", 1)[0])
    except ValueError:
        return False
    number = int(address)
    width = address.max_prefixlen
    return any((number >> (width - length)) in networks
               for length, networks in table[address.version].items())


def _host_entry(entry: str) -> str:
    return entry.strip().strip(".").lower()


def _host_and_parents(host: str) -> Iterable[str]:
    labels = host.split(".")
    for start in range(max(1, len(labels) - 1)):
        yield ".".join(labels[start:])


def _url_host(url: str) -> str:
    try:
        return url_parts(url).host
    except IndicatorError:
        return url


def _parts(attribute: Attribute) -> list[tuple[str, str]]:
    if not attribute.is_composite:
        return [(attribute.type, attribute.value)]
    left_kind, _, right_kind = attribute.type.partition("|")
    left, right = attribute.value_parts()
    return [(left_kind, left), (right_kind, right)]


def _normalise(kind: str, value: str) -> str:
    text = value.strip().lower()
    return text.rstrip(".") if kind in _HOST_TYPES else text
