"""What a rule says about itself: msg, classtype, priority, reference and ET-style metadata.

ATT&CK goes into ``metadata`` the way Emerging Threats writes it (``mitre_tactic_id TA0011,
mitre_tactic_name Command_And_Control, mitre_technique_id T1071, mitre_technique_name
Application_Layer_Protocol``), so rule managers that already read ET rules read these. A
tactic introduced by ATT&CK v19 (Stealth, Defense Impairment) has no id in the catalogue yet;
then only its name is written.
"""

from __future__ import annotations

import functools

from misp_attack_pack.attack.catalogue import Catalogue
from misp_attack_pack.attack.resolve import TechniqueMention
from misp_attack_pack.events.coerce import calendar_date, utc_moment
from misp_attack_pack.events.model import Attribute, Event, Tag
from misp_attack_pack.exports.base import attribute_tlp, tlp_level
from misp_attack_pack.exports.suricata.content import (
    message,
    metadata_value,
    reference_url,
    title_words,
)

# MISP threat levels 1 High, 2 Medium, 3 Low, 4 Undefined. An undefined level still marks a
# known-bad indicator, so it gets the medium priority.
PRIORITIES = {1: 1, 2: 2, 3: 3, 4: 2}
_TLP_ORDER = ("red", "amber+strict", "amber", "green", "clear")

# Confidence tags MISP users set, mapped to the High/Medium/Low of ET's ``confidence``.
_CONFIDENCE = {
    ("misp", "confidence-level"): {
        "completely-confident": "High", "usually-confident": "High",
        "fairly-confident": "Medium", "rarely-confident": "Low", "unconfident": "Low",
    },
    ("estimative-language", "confidence-in-analytic-judgment"): {
        "high": "High", "moderate": "Medium", "low": "Low",
    },
    ("admiralty-scale", "information-credibility"): {
        "1": "High", "2": "High", "3": "Medium", "4": "Low", "5": "Low",
    },
}
_CONFIDENCE_RANK = {"High": 3, "Medium": 2, "Low": 1}


def rule_message(event: Event, label: str) -> str:
    info = event.info.strip() or f"MISP event {event.uuid}"
    return message(f"MISP {info} - {label}")


def priority(event: Event) -> int:
    return PRIORITIES.get(event.threat_level_id, 2)


def reference(event: Event, misp_url: str) -> str:
    """``reference:url,...;`` to the event in MISP, or ``""`` without a MISP base URL."""
    if not misp_url:
        return ""
    return f"reference:url,{reference_url(f'{misp_url}/events/view/{event.uuid}')};"


def metadata_option(entries: list[str]) -> str:
    return f"metadata:{', '.join(entries)};" if entries else ""


def metadata(event: Event, attributes: tuple[Attribute, ...], object_uuid: str,
             attack: list[str]) -> list[str]:
    """``metadata`` entries: ATT&CK, the MISP uuids, TLP, confidence and dates."""
    entries = list(attack)
    if metadata_value(event.uuid):
        entries.append(f"misp_event_uuid {metadata_value(event.uuid)}")
    if metadata_value(object_uuid):
        entries.append(f"misp_object_uuid {metadata_value(object_uuid)}")
    entries += [f"misp_attribute_uuid {uuid}" for uuid in dict.fromkeys(
        metadata_value(attribute.uuid) for attribute in attributes) if uuid]
    level = rule_tlp(event, attributes)
    if level:
        entries.append(f"tlp {metadata_value(level)}")
    confidence = rule_confidence(event, attributes)
    if confidence:
        entries.append(f"confidence {confidence}")
    entries += _dates(event.date, event.timestamp)
    return entries


def attack_entries(mentions: list[TechniqueMention], catalogue: Catalogue) -> list[str]:
    """Tactics in catalogue order, then techniques by id, each as ET's id and name pairs."""
    techniques = {mention.technique.technique_id: mention.technique for mention in mentions
                  if mention.technique is not None and mention.technique.active}
    order = list(catalogue.tactics)
    tactics = sorted({name for technique in techniques.values() for name in technique.tactics
                      if name in catalogue.tactics}, key=order.index)
    entries: list[str] = []
    for shortname in tactics:
        tactic = catalogue.tactics[shortname]
        if tactic.tactic_id:
            entries.append(f"mitre_tactic_id {tactic.tactic_id}")
        entries.append(f"mitre_tactic_name {title_words(tactic.name)}")
    for technique_id in sorted(techniques):
        entries.append(f"mitre_technique_id {technique_id}")
        entries.append(f"mitre_technique_name {title_words(techniques[technique_id].name)}")
    return entries


def rule_tlp(event: Event, attributes: tuple[Attribute, ...]) -> str:
    """The most restrictive TLP of the rule's attributes: a rule is as secret as its input."""
    levels = {attribute_tlp(attribute, event) for attribute in attributes} or {
        tlp_level(event.tags)}
    return next((level for level in _TLP_ORDER if level in levels), "")


def rule_confidence(event: Event, attributes: tuple[Attribute, ...]) -> str:
    """The lowest confidence any attribute carries; an attribute's own tags beat the event's."""
    event_level = _confidence(event.tags)
    levels = [_confidence(attribute.tags) or event_level for attribute in attributes]
    known = [level for level in levels if level]
    return min(known, key=_CONFIDENCE_RANK.__getitem__) if known else ""


def _confidence(tags: tuple[Tag, ...]) -> str:
    for tag in tags:
        namespace, predicate, value = tag.parts()
        table = _CONFIDENCE.get((namespace.lower(), predicate.lower()))
        if table and value.lower() in table:
            return table[value.lower()]
    return ""


@functools.lru_cache(maxsize=64)
def _dates(date: str, timestamp: int) -> list[str]:
    created = _date(date)
    updated = _timestamp_date(timestamp)
    entries = [f"created_at {created}"] if created else []
    if updated and (not created or updated >= created):
        entries.append(f"updated_at {updated}")
    return entries


def _date(text: str) -> str:
    day = calendar_date(text)
    return day.strftime("%Y_%m_%d") if day else ""


def _timestamp_date(timestamp: int) -> str:
    moment = utc_moment(timestamp)
    return moment.strftime("%Y_%m_%d") if moment else ""
