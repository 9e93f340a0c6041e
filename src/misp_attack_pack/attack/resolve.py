"""Find the ATT&CK techniques an event and each of its attributes are mapped to.

MISP teams record ATT&CK in several ways, and real events mix them: galaxy clusters, galaxy
tags (current ``mitre-attack-pattern`` and legacy ``mitre-enterprise-attack-attack-pattern``),
galaxy tags that carry only a name, plain ``attack-pattern:T1059.001`` tags, and
``attack-pattern`` objects. All of them become :class:`TechniqueMention` records here, once per
event, and exports only read the result.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterable

from misp_attack_pack.attack.catalogue import Catalogue, Technique
from misp_attack_pack.events.model import Attribute, Event, GalaxyCluster, MispObject, Tag
from misp_attack_pack.findings import Finding, Severity

LOG = logging.getLogger(__name__)

_ID_ANYWHERE = re.compile(r"\b(T\d{4}(?:\.\d{3})?)\b", re.IGNORECASE)
_ID_AT_END = re.compile(r"\s-\s*(T\d{4}(?:\.\d{3})?)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TechniqueMention:
    """One place where the input names a technique, and what the catalogue says of it.

    ``written_id`` is the id as the input gave it (empty for a name-only tag); ``technique`` is
    the current catalogue entry, after following ``revoked-by``; ``None`` when unknown.
    """

    written_id: str
    written_name: str
    origin: str
    technique: Technique | None

    @property
    def technique_id(self) -> str:
        return self.technique.technique_id if self.technique else self.written_id

    @property
    def was_replaced(self) -> bool:
        return bool(self.technique and self.written_id
                    and self.technique.technique_id != self.written_id)


@dataclass(slots=True)
class EventTechniques:
    """ATT&CK mentions of one event: event-wide, per object and per attribute."""

    event_level: tuple[TechniqueMention, ...] = ()
    by_object: dict[str, tuple[TechniqueMention, ...]] = field(default_factory=dict)
    by_attribute: dict[str, tuple[TechniqueMention, ...]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def for_attribute(self, attribute: Attribute) -> tuple[TechniqueMention, ...]:
        """Event-level techniques, then the object's, then the attribute's own."""
        return _unique(self.event_level + self.own_and_object(attribute))

    def own_and_object(self, attribute: Attribute) -> tuple[TechniqueMention, ...]:
        """Only what the attribute or its object say, without the event-wide mentions."""
        own = self.by_attribute.get(attribute.uuid or attribute.pointer, ())
        if not attribute.object_uuid:
            return own
        return _unique(self.by_object.get(attribute.object_uuid, ()) + own)

    def all_mentions(self) -> tuple[TechniqueMention, ...]:
        mentions = list(self.event_level)
        for group in (self.by_object, self.by_attribute):
            for values in group.values():
                mentions.extend(values)
        return _unique(tuple(mentions))


def resolve_event(event: Event, catalogue: Catalogue) -> EventTechniques:
    """Collect and resolve every ATT&CK mention in ``event``."""
    resolver = _Resolver(catalogue, event.uuid)
    result = EventTechniques()

    event_mentions = resolver.from_tags(event.tags, event.pointer)
    event_mentions += resolver.from_clusters(event.galaxies, event.pointer)
    for misp_object in event.objects:
        if misp_object.name == "attack-pattern":
            event_mentions += resolver.from_attack_pattern_object(misp_object)
        elif misp_object.tags:
            result.by_object[misp_object.uuid] = _unique(
                resolver.from_tags(misp_object.tags, misp_object.pointer)
            )
    result.event_level = _unique(event_mentions)

    for attribute in event.all_attributes():
        mentions = resolver.from_tags(attribute.tags, attribute.pointer, attribute.uuid)
        mentions += resolver.from_clusters(attribute.galaxies, attribute.pointer, attribute.uuid)
        if mentions:
            result.by_attribute[attribute.uuid or attribute.pointer] = _unique(mentions)

    result.findings = resolver.findings
    return result


class _Resolver:
    """Turns tags, clusters and objects into mentions, reporting what it cannot resolve."""

    def __init__(self, catalogue: Catalogue, event_uuid: str) -> None:
        self.catalogue = catalogue
        self.event_uuid = event_uuid
        self.findings: list[Finding] = []
        self._reported: set[tuple[str, str]] = set()

    def from_tags(self, tags: Iterable[Tag], pointer: str,
                  uuid: str = "") -> tuple[TechniqueMention, ...]:
        mentions = []
        for tag in tags:
            mention = self._from_tag(tag, pointer, uuid)
            if mention is not None:
                mentions.append(mention)
        return tuple(mentions)

    def from_clusters(self, clusters: Iterable[GalaxyCluster], pointer: str,
                      uuid: str = "") -> tuple[TechniqueMention, ...]:
        mentions = []
        for cluster in clusters:
            if "attack-pattern" not in cluster.galaxy_type:
                continue
            written = next((ext for ext in cluster.external_ids if _ID_ANYWHERE.fullmatch(ext)),
                           "") or _id_in(cluster.value)
            name = _ID_AT_END.sub("", cluster.value).strip()
            mentions.append(self._mention(written, name, "galaxy-cluster", pointer, uuid))
        return tuple(mentions)

    def from_attack_pattern_object(self, misp_object: MispObject) -> tuple[TechniqueMention, ...]:
        """An ``attack-pattern`` object names ATT&CK in ``id`` or CAPEC; only ATT&CK counts."""
        ids = [value for value in misp_object.values_of("id")
               if _ID_ANYWHERE.fullmatch(value.strip())]
        names = misp_object.values_of("name")
        if ids:
            return tuple(
                self._mention(value.strip(), names[0] if names else "", "attack-pattern-object",
                              misp_object.pointer, misp_object.uuid)
                for value in ids
            )
        return ()

    def _from_tag(self, tag: Tag, pointer: str, uuid: str) -> TechniqueMention | None:
        namespace, predicate, value = tag.parts()
        namespace = namespace.lower()
        if namespace == "misp-galaxy" and "attack-pattern" in predicate.lower():
            written = _id_in(value)
            name = _ID_AT_END.sub("", value).strip()
            return self._mention(written, name, "galaxy-tag", pointer, uuid)
        if namespace == "attack-pattern":
            text = value or predicate
            written = _id_in(text)
            if written or text:
                return self._mention(written, "" if written else text, "attack-pattern-tag",
                                     pointer, uuid)
        return None

    def _mention(self, written_id: str, name: str, origin: str, pointer: str,
                 uuid: str) -> TechniqueMention:
        written_id = written_id.upper()
        if written_id:
            technique = self.catalogue.current(written_id)
            if technique is None:
                self._report("attack.unknown-technique",
                             f"technique {written_id} is not in the ATT&CK catalogue",
                             pointer, uuid)
            elif technique.technique_id != written_id:
                self._report("attack.revoked-technique",
                             f"technique {written_id} is revoked; replaced by "
                             f"{technique.technique_id} ({technique.name})", pointer, uuid,
                             Severity.INFO)
            elif technique.deprecated:
                self._report("attack.deprecated-technique",
                             f"technique {written_id} ({technique.name}) is deprecated",
                             pointer, uuid, Severity.INFO)
        else:
            found = self.catalogue.find_by_name(name) if name else None
            technique = self.catalogue.current(found.technique_id) if found else None
            if technique is None:
                self._report("attack.unknown-technique-name",
                             f"no ATT&CK technique is named {name!r}", pointer, uuid)
        return TechniqueMention(written_id, name, origin, technique)

    def _report(self, rule_id: str, message: str, pointer: str, uuid: str,
                severity: Severity = Severity.WARNING) -> None:
        key = (rule_id, message)
        if key in self._reported:
            return
        self._reported.add(key)
        LOG.debug("event %s: %s", self.event_uuid, message)
        self.findings.append(Finding(rule_id, message, pointer, uuid, severity))


def _id_in(text: str) -> str:
    match = _ID_AT_END.search(text) or _ID_ANYWHERE.search(text)
    return match.group(1).upper() if match else ""


def _unique(mentions: tuple[TechniqueMention, ...]) -> tuple[TechniqueMention, ...]:
    """Keep the first mention of each technique; unknown ones are kept by their written form."""
    seen: set[str] = set()
    unique = []
    for mention in mentions:
        key = mention.technique_id or f"name:{mention.written_name.lower()}"
        if key not in seen:
            seen.add(key)
            unique.append(mention)
    return tuple(unique)
