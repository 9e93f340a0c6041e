"""Turn an event's attributes and objects into rule drafts, and say what was left out and why.

Combined objects (``network-connection``, ``ip-port``, ``domain-ip``) are handled first; the
attributes they used are not exported again on their own. Every other detection candidate goes
through its type's template. Bad values become findings with the attribute uuid, values on a
MISP warninglist are set aside with the names of the lists, and a draft that matches exactly
what an earlier draft matches is dropped as a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from misp_attack_pack.events.model import Attribute, Event
from misp_attack_pack.exports.base import ExportOptions, is_detection_candidate
from misp_attack_pack.exports.indicators import IndicatorError
from misp_attack_pack.exports.suricata.draft import RuleDraft
from misp_attack_pack.exports.suricata.objects import COMBINED_OBJECTS, object_rules
from misp_attack_pack.exports.suricata.templates import drafts_for
from misp_attack_pack.exports.suricata.warninglists import SuricataWarninglists
from misp_attack_pack.findings import Finding

PASSTHROUGH_TYPES = frozenset({"snort", "suricata"})
SKIPPED_RULE_ID = "suricata.skipped-indicator"


@dataclass(frozen=True, slots=True)
class WarninglistHit:
    """A value left out because warninglists name it a likely false positive."""

    uuid: str
    misp_type: str
    value: str
    lists: tuple[str, ...]


@dataclass(slots=True)
class Collection:
    drafts: list[RuleDraft] = field(default_factory=list)
    passthrough: list[Attribute] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warninglisted: list[WarninglistHit] = field(default_factory=list)
    unmapped_types: dict[str, int] = field(default_factory=dict)
    not_for_detection: int = 0
    duplicates: int = 0


def collect(event: Event, options: ExportOptions,
            warninglists: SuricataWarninglists | None) -> Collection:
    collection = Collection()
    used: set[str] = set()
    seen: set[tuple] = set()
    for misp_object in event.objects:
        if misp_object.name not in COMBINED_OBJECTS:
            continue
        candidates = [attribute for attribute in misp_object.attributes
                      if is_detection_candidate(attribute, options)]
        result = object_rules(misp_object, candidates)
        for attribute, reason in result.problems:
            collection.findings.append(skipped(attribute, reason))
            used.add(attribute.uuid)
        _keep(collection, result.drafts, warninglists, seen)
        used |= result.used

    for attribute in event.all_attributes():
        if attribute.uuid and attribute.uuid in used:
            continue
        if not is_detection_candidate(attribute, options):
            collection.not_for_detection += 1
            continue
        _route(collection, attribute, warninglists, seen)
    return collection


def skipped(attribute: Attribute, reason: str) -> Finding:
    return Finding(SKIPPED_RULE_ID, f"{attribute.type} skipped: {reason}", attribute.pointer,
                   attribute.uuid)


def _route(collection: Collection, attribute: Attribute,
           warninglists: SuricataWarninglists | None, seen: set[tuple]) -> None:
    if attribute.type in PASSTHROUGH_TYPES:
        collection.passthrough.append(attribute)
        return
    try:
        drafts = drafts_for(attribute)
    except IndicatorError as error:
        collection.findings.append(skipped(attribute, str(error)))
        return
    if drafts is None:
        unmapped = collection.unmapped_types
        unmapped[attribute.type] = unmapped.get(attribute.type, 0) + 1
        return
    _keep(collection, drafts, warninglists, seen)


def _keep(collection: Collection, drafts: list[RuleDraft],
          warninglists: SuricataWarninglists | None, seen: set[tuple]) -> None:
    """Add drafts unless every indicator they match is warninglisted, or they repeat one."""
    for draft in drafts:
        hits = _warninglist_hits(draft, warninglists)
        if hits is not None:
            known = {(hit.uuid, hit.value) for hit in collection.warninglisted}
            collection.warninglisted += [hit for hit in hits
                                         if (hit.uuid, hit.value) not in known]
            continue
        signature = draft.signature()
        if signature in seen:
            collection.duplicates += 1
            continue
        seen.add(signature)
        collection.drafts.append(draft)


def _warninglist_hits(draft: RuleDraft, warninglists: SuricataWarninglists | None
                      ) -> list[WarninglistHit] | None:
    """The hits when all of the draft's indicators are warninglisted, else ``None``.

    A combined rule with one listed and one unlisted value still matches only the unlisted
    traffic, so it is kept.
    """
    if warninglists is None or not draft.indicators:
        return None
    hits = []
    for indicator in draft.indicators:
        names = warninglists.lookup(indicator.attribute.type, indicator.kind, indicator.value)
        if not names:
            return None
        hits.append(WarninglistHit(indicator.attribute.uuid, indicator.attribute.type,
                                   indicator.value, tuple(names)))
    return hits
