"""Which MISP warninglists the Suricata export applies, over the process-wide shared index.

An indicator on an applied list is left out of the rules as a likely false positive. Lists
that name things which are not false positives (dynamic DNS providers, URL shorteners, free
hosting used by attackers, disposable mail domains) are not applied: an indicator on them is
still worth a rule. How values are matched, and the odds of a hash collision, are described in
:mod:`misp_attack_pack.warninglists`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from misp_attack_pack import warninglists

INFORMATIONAL_LISTS = frozenset({
    "dynamic-dns", "disposable-email", "url-shortener", "lots-project", "link-in-bio",
    "public-ipfs-gateways", "tlds",
})


@dataclass(frozen=True, slots=True)
class SuricataWarninglists:
    """The shared index seen through the export's policy: informational lists left out."""

    index: warninglists.WarninglistIndex

    @property
    def lists(self) -> list[warninglists.Warninglist]:
        return [warninglist for warninglist in self.index.lists if _applied(warninglist)]

    def lookup(self, misp_type: str, kind: str, value: str) -> list[str]:
        """Sorted names of the applied lists that hold ``value`` for ``misp_type``.

        ``kind`` says how to read the value, as for :meth:`WarninglistIndex.lookup`.
        """
        return sorted({warninglist.name
                       for warninglist in self.index.lookup(misp_type, kind, value)
                       if _applied(warninglist)})


def bundled_index() -> SuricataWarninglists:
    """The lists bundled with ``pymispwarninglists``; the index is built once per process."""
    return SuricataWarninglists(warninglists.bundled_index())


def build_index(files: Iterable[Path]) -> SuricataWarninglists:
    return SuricataWarninglists(warninglists.build_index(files))


def _applied(warninglist: warninglists.Warninglist) -> bool:
    return warninglist.slug not in INFORMATIONAL_LISTS
