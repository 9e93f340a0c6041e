"""The STIX 2.1 export: one bundle per request, every event a report or a grouping.

Plain dicts are built and serialised with orjson; the ``stix2`` library is far too slow for
events with tens of thousands of indicators and is used only by the tests, to check the result.
What could not be exported is listed in a ``note`` attached to the event's report, so a MISP
user who downloads the bundle sees it, and in the result's findings and the log.

Module options read here, besides the common ``include_non_ids`` and ``misp_url``:
``include_observables`` exports attributes that are not for detection as ``observed-data``
with their cyber-observable objects.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Iterable

import orjson

from misp_attack_pack.attack.catalogue import Catalogue
from misp_attack_pack.attack.resolve import EventTechniques, TechniqueMention, resolve_event
from misp_attack_pack.events.coerce import calendar_date, iso_moment, utc_moment
from misp_attack_pack.events.model import Attribute, Event, MispObject, Tag
from misp_attack_pack.exports.base import ExportOptions, ExportResult, tlp_level
from misp_attack_pack.exports.indicators import IndicatorError, single_line
from misp_attack_pack.exports.stix21 import mapping, markings, patterns, techniques
from misp_attack_pack.exports.stix21.ids import derived_id, sdo_id
from misp_attack_pack.exports.stix21.observables import observables
from misp_attack_pack.findings import Finding

LOG = logging.getLogger(__name__)

OBSERVABLES_OPTION = "include_observables"
SKIPPED_RULE = "stix21.skipped-indicator"

# Objects whose content does not come from the event (the creator identity, ATT&CK attack
# patterns) get a fixed timestamp, so every bundle carries the same version of them and an
# authoritative copy (MITRE's own attack pattern, with a later ``modified``) wins on merge.
_EPOCH = "1970-01-01T00:00:00.000Z"
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")


def export_stix21(events: Iterable[Event], catalogue: Catalogue,
                  options: ExportOptions = ExportOptions()) -> ExportResult:
    """Render every event into one STIX 2.1 bundle."""
    bundle = _Bundle(catalogue, options)
    event_uuids = []
    for event in events:
        bundle.add_event(event)
        event_uuids.append(event.uuid or event.pointer)
    document = {
        "type": "bundle",
        "id": derived_id("bundle", "|".join(event_uuids)),
        "objects": bundle.ordered_objects(),
    }
    content = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    return ExportResult(content=content, findings=bundle.findings, exported=bundle.exported,
                        skipped=bundle.skipped, skipped_by_reason=dict(bundle.by_reason))


class _EventScope:
    """What every object built from one event shares: its creator, TLP, confidence, time."""

    def __init__(self, event: Event, resolved: EventTechniques, identity_id: str) -> None:
        self.event = event
        self.resolved = resolved
        self.identity_id = identity_id
        self.tlp = tlp_level(event.tags)
        self.confidence = markings.confidence(event.tags)
        self.stamp = _stamp(event.timestamp) or _date_stamp(event.date) or _EPOCH
        self.refs: list[str] = []
        self.findings: list[Finding] = []
        self.unmapped: dict[str, int] = {}

    def marking_refs(self, level: str = "") -> list[str]:
        """The TLP marking for an element: its own level if it has one, else the event's."""
        level = level or self.tlp
        return [markings.TLP_MARKING_IDS[level]] if level else []

    def confidence_of(self, tags: tuple[Tag, ...]) -> int | None:
        own = markings.confidence(tags)
        return own if own is not None else self.confidence


class _Bundle:
    """Collects the objects of every event, each id once, in a stable order."""

    def __init__(self, catalogue: Catalogue, options: ExportOptions) -> None:
        self.catalogue = catalogue
        self.options = options
        self.with_observables = options.flag(OBSERVABLES_OPTION)
        self.objects: dict[str, dict] = {}
        self.levels: set[str] = set()
        self.findings: list[Finding] = []
        self.exported = 0
        self.skipped = 0
        self.by_reason: dict[str, int] = {}

    def add_event(self, event: Event) -> None:
        identity = _identity(event)
        self.objects.setdefault(identity["id"], identity)
        scope = _EventScope(event, resolve_event(event, self.catalogue), identity["id"])
        if scope.tlp:
            identity.setdefault("object_marking_refs", scope.marking_refs())

        pattern_ids = self._attack_patterns(scope)
        consumed = self._objects(scope, pattern_ids)
        for attribute in event.all_attributes():
            if id(attribute) not in consumed:
                self._attribute(scope, attribute, pattern_ids)

        self._close(scope)

    def _close(self, scope: _EventScope) -> None:
        """The report or grouping over everything exported, and the note on what was not."""
        container = _container(scope, self.options)
        self._add(container, scope)
        note = _skipped_note(scope, container)
        if note:
            self._add(note, scope)

        event = scope.event
        self.findings += event.load_findings + scope.resolved.findings + scope.findings
        for kind, count in scope.unmapped.items():
            reason = f"no STIX mapping for {kind}"
            self.by_reason[reason] = self.by_reason.get(reason, 0) + count
        LOG.info("event %s: %d STIX objects, %d attributes skipped", event.uuid,
                 len(scope.refs), sum(1 for f in scope.findings if f.rule_id == SKIPPED_RULE))

    def ordered_objects(self) -> list[dict]:
        definitions = [markings.tlp_marking_definition(level)
                       for level in markings.TLP_MARKING_IDS if level in self.levels]
        return definitions + list(self.objects.values())

    # -- ATT&CK ------------------------------------------------------------------------------

    def _attack_patterns(self, scope: _EventScope) -> dict[str, str]:
        """Add one attack pattern per technique of the event; returns their ids by technique."""
        ids = {}
        for mention in scope.resolved.all_mentions():
            technique_id = techniques.technique_key(mention)
            if not technique_id:
                continue
            sdo = techniques.attack_pattern(mention, self.catalogue, _EPOCH,
                                            scope.marking_refs())
            ids[technique_id] = sdo["id"]
            self._add(sdo, scope)
        return ids

    def _link(self, scope: _EventScope, indicator: dict,
              mentions: Iterable[TechniqueMention], pattern_ids: dict[str, str]) -> None:
        seen = set()
        for mention in mentions:
            target = pattern_ids.get(techniques.technique_key(mention))
            if target and target not in seen:
                seen.add(target)
                self._add(techniques.indicates(indicator, target, scope.identity_id), scope)

    # -- MISP objects ------------------------------------------------------------------------

    def _objects(self, scope: _EventScope, pattern_ids: dict[str, str]) -> set[int]:
        """Export the objects mapped as a whole; returns the attributes they consumed.

        An attribute whose relation the object mapping does not cover (the ``domain`` of a
        ``url`` object) is left to be exported on its own.
        """
        consumed: set[int] = set()
        for misp_object in scope.event.objects:
            builders = mapping.object_builders(misp_object)
            if builders is None or not any(self._is_candidate(a) for a in misp_object.attributes):
                continue
            comparisons = self._object_comparisons(scope, misp_object, builders)
            if not comparisons:
                continue
            consumed.update(id(attribute) for attribute in misp_object.attributes
                            if attribute.object_relation in builders)
            source = _ObjectSource(misp_object, scope, str(comparisons[0].value))
            indicator = _indicator(scope, source, patterns.render(comparisons))
            self._add(indicator, scope)
            self.exported += 1
            mentions = list(scope.resolved.event_level)
            mentions += scope.resolved.by_object.get(misp_object.uuid, ())
            for attribute in misp_object.attributes:
                mentions += scope.resolved.own_and_object(attribute)
            self._link(scope, indicator, mentions, pattern_ids)
        return consumed

    def _object_comparisons(self, scope: _EventScope, misp_object: MispObject,
                            builders: dict) -> list[patterns.Comparison]:
        comparisons = []
        for attribute in misp_object.attributes:
            builder = builders.get(attribute.object_relation)
            if builder is None:
                continue
            try:
                comparisons += builder(attribute)
            except IndicatorError as error:
                self._skip(scope, attribute, str(error))
        return comparisons

    # -- attributes --------------------------------------------------------------------------

    def _attribute(self, scope: _EventScope, attribute: Attribute,
                   pattern_ids: dict[str, str]) -> None:
        if attribute.type == "vulnerability":
            self._vulnerability(scope, attribute)
            return
        as_indicator = self._is_candidate(attribute)
        if not as_indicator and not self.with_observables:
            return
        try:
            indicator, comparisons = self._attribute_pattern(scope, attribute)
        except IndicatorError as error:
            self._skip(scope, attribute, str(error))
            return
        if as_indicator and indicator is not None:
            self._add(indicator, scope)
            self.exported += 1
            self._link(scope, indicator, scope.resolved.for_attribute(attribute), pattern_ids)
        elif not as_indicator and comparisons is not None:
            self._observation(scope, attribute, comparisons)
        else:
            scope.unmapped[attribute.type] = scope.unmapped.get(attribute.type, 0) + 1

    def _attribute_pattern(self, scope: _EventScope, attribute: Attribute):
        """``(indicator, comparisons)``; both ``None`` when the type has no mapping."""
        source = _AttributeSource(attribute, scope)
        rule_type = mapping.RULE_TYPES.get(attribute.type)
        if rule_type:
            return _indicator(scope, source, mapping.rule_text(attribute), rule_type), None
        comparisons = mapping.attribute_comparisons(attribute)
        if comparisons is None:
            return None, None
        return _indicator(scope, source, patterns.render(comparisons)), comparisons

    def _observation(self, scope: _EventScope, attribute: Attribute,
                     comparisons: list[patterns.Comparison]) -> None:
        scos = observables(comparisons)
        if scos is None:
            scope.unmapped[attribute.type] = scope.unmapped.get(attribute.type, 0) + 1
            return
        marking_refs = scope.marking_refs(tlp_level(attribute.tags))
        for sco in scos:
            if marking_refs:
                sco["object_marking_refs"] = marking_refs
            self.objects.setdefault(sco["id"], sco)
            scope.refs.append(sco["id"])
        self._add(_observed_data(scope, attribute, [sco["id"] for sco in scos]), scope)
        self.exported += 1

    def _vulnerability(self, scope: _EventScope, attribute: Attribute) -> None:
        """A CVE is context for the whole event, exported whether or not it is for detection."""
        cve = attribute.value.strip().upper()
        if not _CVE.match(cve):
            self._skip(scope, attribute, f"{attribute.value[:60]!r} is not a CVE identifier")
            return
        source = _AttributeSource(attribute, scope)
        vulnerability = {
            "type": "vulnerability",
            "spec_version": "2.1",
            "id": sdo_id("vulnerability", attribute.uuid, source.key),
            "created_by_ref": scope.identity_id,
            "created": source.stamp,
            "modified": source.stamp,
            "name": cve,
            "external_references": [{"source_name": "cve", "external_id": cve}],
        }
        if attribute.comment:
            vulnerability["description"] = attribute.comment
        _common(vulnerability, scope, attribute.tags, source.tlp)
        self._add(vulnerability, scope)
        self.exported += 1

    def _is_candidate(self, attribute: Attribute) -> bool:
        return attribute.to_ids or self.options.include_non_ids

    def _skip(self, scope: _EventScope, attribute: Attribute, reason: str) -> None:
        LOG.warning("event %s: attribute %s (%s) skipped: %s", scope.event.uuid, attribute.uuid,
                    attribute.type, reason)
        scope.findings.append(Finding(SKIPPED_RULE, f"{attribute.type} skipped: {reason}",
                                      attribute.pointer, attribute.uuid))
        self.skipped += 1
        self.by_reason[f"invalid {attribute.type}"] = (
            self.by_reason.get(f"invalid {attribute.type}", 0) + 1)

    def _add(self, sdo: dict, scope: _EventScope) -> None:
        if sdo["id"] in self.objects:
            return
        self.objects[sdo["id"]] = sdo
        scope.refs.append(sdo["id"])
        for ref in sdo.get("object_marking_refs", ()):
            self.levels.add(markings.LEVEL_BY_MARKING_ID[ref])


class _AttributeSource:
    """The parts of an attribute an indicator or observation is made from."""

    def __init__(self, attribute: Attribute, scope: _EventScope) -> None:
        self.uuid = attribute.uuid
        self.key = f"{scope.event.uuid}:{attribute.pointer}"
        self.name = f"{attribute.type}: {_one_line(attribute.value)}"
        self.comment = attribute.comment or (
            f"{attribute.category or 'MISP'} {attribute.type} attribute of MISP event "
            f"{scope.event.uuid}")
        self.tags = attribute.tags
        self.tlp = tlp_level(attribute.tags)
        self.to_ids = attribute.to_ids
        self.stamp = _stamp(attribute.timestamp) or scope.stamp
        self.first_seen = _iso_stamp(attribute.first_seen)
        self.last_seen = _iso_stamp(attribute.last_seen)


class _ObjectSource:
    """The parts of a MISP object its single indicator is made from."""

    def __init__(self, misp_object: MispObject, scope: _EventScope, first_value: str) -> None:
        attributes = misp_object.attributes
        self.uuid = misp_object.uuid
        self.key = f"{scope.event.uuid}:{misp_object.pointer}"
        self.name = f"{misp_object.name}: {_one_line(first_value)}"
        self.comment = misp_object.comment or (
            f"{misp_object.meta_category or 'MISP'} {misp_object.name} object of MISP event "
            f"{scope.event.uuid}")
        self.tags = misp_object.tags + tuple(tag for a in attributes for tag in a.tags)
        self.tlp = markings.most_restrictive(
            [tlp_level(misp_object.tags)] + [tlp_level(a.tags) for a in attributes])
        self.to_ids = any(attribute.to_ids for attribute in attributes)
        stamps = [attribute.timestamp for attribute in attributes] + [misp_object.timestamp]
        self.stamp = _stamp(max(stamps)) or scope.stamp
        self.first_seen = min((_iso_stamp(a.first_seen) for a in attributes if a.first_seen),
                              default="")
        self.last_seen = max((_iso_stamp(a.last_seen) for a in attributes if a.last_seen),
                             default="")


def _indicator(scope: _EventScope, source, pattern: str, pattern_type: str = "stix") -> dict:
    valid_from = source.first_seen or source.stamp
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": sdo_id("indicator", source.uuid, source.key),
        "created_by_ref": scope.identity_id,
        "created": source.stamp,
        "modified": source.stamp,
        "name": source.name,
        "description": source.comment,
        "indicator_types": ["malicious-activity" if source.to_ids else "unknown"],
        "pattern": pattern,
        "pattern_type": pattern_type,
        "valid_from": valid_from,
    }
    if pattern_type == "stix":
        indicator["pattern_version"] = "2.1"
    indicator["description"] = source.comment
    if source.last_seen and source.last_seen > valid_from:
        indicator["valid_until"] = source.last_seen
    _common(indicator, scope, source.tags, source.tlp)
    return indicator


def _observed_data(scope: _EventScope, attribute: Attribute, refs: list[str]) -> dict:
    source = _AttributeSource(attribute, scope)
    first = source.first_seen or source.stamp
    last = source.last_seen if source.last_seen > first else first
    observed = {
        "type": "observed-data",
        "spec_version": "2.1",
        "id": sdo_id("observed-data", attribute.uuid, source.key),
        "created_by_ref": scope.identity_id,
        "created": source.stamp,
        "modified": source.stamp,
        "first_observed": first,
        "last_observed": last,
        "number_observed": 1,
        "object_refs": refs,
    }
    _common(observed, scope, attribute.tags, source.tlp)
    return observed


def _common(sdo: dict, scope: _EventScope, tags: tuple[Tag, ...], level: str = "") -> None:
    """Labels, confidence and TLP marking, the attribute's own first, then the event's."""
    labels = _labels(tags)
    if labels:
        sdo["labels"] = labels
    confidence = scope.confidence_of(tags)
    if confidence is not None:
        sdo["confidence"] = confidence
    marking_refs = scope.marking_refs(level)
    if marking_refs:
        sdo["object_marking_refs"] = marking_refs


def _identity(event: Event) -> dict:
    organisation = event.orgc if event.orgc.name or event.orgc.uuid else event.org
    name = single_line(organisation.name, 200) or "MISP"
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": sdo_id("identity", organisation.uuid, f"organisation:{name}"),
        "created": _EPOCH,
        "modified": _EPOCH,
        "name": name,
        "identity_class": "organization",
    }


def _container(scope: _EventScope, options: ExportOptions) -> dict:
    """A ``report`` for a published event, a ``grouping`` for one still being worked on."""
    event = scope.event
    created = _date_stamp(event.date) or scope.stamp
    modified = max(created, scope.stamp)
    kind = "report" if event.published else "grouping"
    container = {
        "type": kind,
        "spec_version": "2.1",
        "id": sdo_id(kind, event.uuid, event.pointer),
        "created_by_ref": scope.identity_id,
        "created": created,
        "modified": modified,
        "name": single_line(event.info, 500) or f"MISP event {event.uuid}",
    }
    if kind == "report":
        container["report_types"] = ["threat-report"]
        container["published"] = _stamp(event.publish_timestamp) or modified
    else:
        container["context"] = "suspicious-activity"
    container["object_refs"] = list(dict.fromkeys(scope.refs)) or [scope.identity_id]
    container["external_references"] = [_event_reference(event, options)]
    _common(container, scope, ())
    return container


def _event_reference(event: Event, options: ExportOptions) -> dict:
    reference = {"source_name": "misp", "external_id": event.uuid or event.pointer}
    if options.misp_url:
        reference["url"] = options.event_reference(event)
    return reference


def _skipped_note(scope: _EventScope, container: dict) -> dict | None:
    """A note on the report listing what was left out, for the analyst who opens the bundle."""
    lines = [finding.one_line() for finding in scope.findings]
    lines += [f"no STIX mapping for {kind}: {count} attributes"
              for kind, count in sorted(scope.unmapped.items())]
    if not lines:
        return None
    note = {
        "type": "note",
        "spec_version": "2.1",
        "id": derived_id("note", f"skipped:{container['id']}"),
        "created_by_ref": scope.identity_id,
        "created": container["modified"],
        "modified": container["modified"],
        "abstract": "MISP attributes not exported to STIX",
        "content": "\n".join(lines),
        "object_refs": [container["id"]],
    }
    _common(note, scope, ())
    note.pop("confidence", None)
    return note


def _one_line(value: str, limit: int = 120) -> str:
    """A value fit for a name; most values already are, and checking that is cheap."""
    if len(value) <= limit and value.isprintable() and "  " not in value:
        return value.strip()
    return single_line(value, limit)


def _labels(tags: tuple[Tag, ...]) -> list[str]:
    """Tag names other than TLP, which becomes a marking instead."""
    return list(dict.fromkeys(tag.name for tag in tags if tag.namespace != "tlp"))


@functools.lru_cache(maxsize=4096)
def _stamp(timestamp: int) -> str:
    moment = utc_moment(timestamp)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z") if moment else ""


def _date_stamp(text: str) -> str:
    day = calendar_date(text)
    return f"{day.isoformat()}T00:00:00.000Z" if day else ""


@functools.lru_cache(maxsize=4096)
def _iso_stamp(text: str) -> str:
    """MISP ``first_seen`` / ``last_seen`` (ISO 8601, any offset) as a STIX UTC timestamp."""
    moment = iso_moment(text)
    if moment is None:
        return ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
