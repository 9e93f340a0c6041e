"""Warninglists: ``to_ids`` values that MISP's warninglists know as benign are warnings.

The lists are matched with the process-wide index of :mod:`misp_attack_pack.warninglists`,
which reads the data pymispwarninglists bundles (so this works offline) and is built once,
in about three seconds, for every rule family and export that needs it. Each part of a
composite attribute (``domain|ip``, ``ip-dst|port``) is looked up on its own, against the
lists that name the attribute's type. A policy's exclusions are applied when matching, so
policies that differ share one index. Regex lists (phone numbers, common contact addresses)
are not applied by this rule, though the Suricata export applies them; dropping ``regex``
from ``_NOT_APPLIED_KINDS`` would apply them here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from misp_attack_pack import warninglists
from misp_attack_pack.events.model import Attribute
from misp_attack_pack.findings import Finding, Severity
from misp_attack_pack.validators.context import Context, describe

_NOT_APPLIED_KINDS = frozenset({"regex"})


@dataclass(frozen=True, slots=True)
class AttributeWarninglists:
    """The shared index read the way this rule reads an attribute: part by part."""

    index: warninglists.WarninglistIndex

    def matches(self, attribute: Attribute,
                excluded: frozenset[str] = frozenset()) -> list[str]:
        """Names of the lists ``attribute``'s value (or a part of it) is on, in index order."""
        names: list[str] = []
        for part_kind, part in _parts(attribute):
            value = _normalise(part_kind, part)
            if not value:
                continue
            for warninglist in self.index.lookup(attribute.type, part_kind, value):
                if warninglist.kind in _NOT_APPLIED_KINDS or warninglist.name in excluded:
                    continue
                if warninglist.name not in names:
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


def warninglist_index() -> AttributeWarninglists:
    """The process-wide index; the first call builds it (a few seconds), later ones share it."""
    return AttributeWarninglists(warninglists.bundled_index())


def _parts(attribute: Attribute) -> list[tuple[str, str]]:
    if not attribute.is_composite:
        return [(attribute.type, attribute.value)]
    left_kind, _, right_kind = attribute.type.partition("|")
    left, right = attribute.value_parts()
    return [(left_kind, left), (right_kind, right)]


def _normalise(kind: str, value: str) -> str:
    text = value.strip().lower()
    return text.rstrip(".") if kind in warninglists.HOST_KINDS else text
