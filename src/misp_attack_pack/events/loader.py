"""Read MISP events in every shape MISP and its users hand over, and normalise them once.

Accepted input: ``{"Event": {...}}``, ``{"response": [{"Event": ...}]}``, a bare event dict, a
list of any of these, and the export-module request ``{"module", "config", "data": [...]}``.
Inside an event both the core format (``Attribute[].Tag``, ``Tag``) and MISP's raw fetch shape
(``Attribute`` beside ``Event``, ``AttributeTag[].Tag``, ``EventTag[].Tag``) are read.

A malformed attribute or object never sinks the event: it is left out and recorded as a
:class:`~misp_attack_pack.findings.Finding` in ``Event.load_findings``. Only input that holds
no event at all raises :class:`EventFormatError`.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any, Iterable

import orjson

from misp_attack_pack.errors import FieldError
from misp_attack_pack.events.coerce import to_bool, to_int, to_text
from misp_attack_pack.events.model import (
    Attribute,
    Event,
    GalaxyCluster,
    MispObject,
    ObjectReference,
    Organisation,
    Tag,
)
from misp_attack_pack.findings import Finding, Severity

LOG = logging.getLogger(__name__)

MAX_VALUE_LENGTH = 1 << 20
_DUPLICATE_NAMESPACE = uuid.UUID("3b9e4f1a-7c2d-5e8f-a1b0-6d4c2e9f8a7b")
_SURROGATE = re.compile("[\ud800-\udfff]")
_EVENT_KEYS = ("info", "Attribute", "Object", "uuid")


class EventFormatError(FieldError):
    """The input holds no readable MISP event. ``field`` names the offending element."""


def parse_json(raw: bytes | str) -> Any:
    """Decode JSON with a message that says where it broke.

    orjson refuses escaped lone surrogates (``"\\ud800"``), which the JSON grammar allows and
    some MISP exports contain; such a document is read by the standard library instead and
    each lone surrogate becomes U+FFFD, so one odd character does not cost the whole event.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        if "surrogate" not in str(error):
            raise EventFormatError("body", f"not valid JSON ({error})") from None
        LOG.warning("input holds lone UTF-16 surrogates; they are replaced by U+FFFD")
        return _without_surrogates(json.loads(raw))


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        if not _SURROGATE.search(value):
            return value
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(key): _without_surrogates(item) for key, item in value.items()}
    return value


def load_events(raw: bytes | str | dict | list) -> list[Event]:
    """Every event found in ``raw``, normalised; raises when there is none."""
    document = parse_json(raw) if isinstance(raw, (bytes, bytearray, str)) else raw
    events = [_build_event(body, pointer) for body, pointer in _find_event_bodies(document, "")]
    if not events:
        raise EventFormatError("Event", "no MISP event found in the input")
    return events


def load_event(raw: bytes | str | dict | list) -> Event:
    """The single event in ``raw``; several events are an error for callers that want one."""
    events = load_events(raw)
    if len(events) > 1:
        raise EventFormatError("Event", f"expected one event, found {len(events)}")
    return events[0]


def _find_event_bodies(document: Any, pointer: str) -> Iterable[tuple[dict, str]]:
    """Yield ``(event dict, JSON pointer)`` for each event, unwrapping known envelopes."""
    if isinstance(document, list):
        for index, item in enumerate(document):
            yield from _find_event_bodies(item, f"{pointer}/{index}")
        return

    if not isinstance(document, dict):
        raise EventFormatError(pointer or "body", f"expected an object, got {_kind(document)}")

    if "data" in document and ("module" in document or "config" in document):
        yield from _find_event_bodies(document["data"], f"{pointer}/data")
    elif "response" in document:
        yield from _find_event_bodies(document["response"], f"{pointer}/response")
    elif "Event" in document:
        yield _merge_raw_fetch(document, pointer), f"{pointer}/Event"
    elif any(key in document for key in _EVENT_KEYS):
        yield document, pointer
    else:
        raise EventFormatError(f"{pointer}/Event", "missing: no Event, response or data key")


def _merge_raw_fetch(envelope: dict, pointer: str) -> dict:
    """Fold MISP's raw fetch shape (lists beside ``Event``) into the event dict."""
    body = envelope["Event"]
    if not isinstance(body, dict):
        raise EventFormatError(f"{pointer}/Event", f"expected an object, got {_kind(body)}")

    siblings = {key: value for key, value in envelope.items() if key != "Event"}
    if not siblings:
        return body

    merged = dict(body)
    for key, value in siblings.items():
        merged.setdefault(key, value)
    return merged


def _build_event(body: dict, pointer: str) -> Event:
    findings: list[Finding] = []
    event = Event(
        uuid=to_text(body.get("uuid")),
        info=to_text(body.get("info")),
        pointer=pointer,
        date=to_text(body.get("date")),
        threat_level_id=to_int(body.get("threat_level_id"), 4),
        analysis=to_int(body.get("analysis"), 0),
        distribution=to_int(body.get("distribution"), 0),
        sharing_group_id=to_int(body.get("sharing_group_id"), 0),
        published=to_bool(body.get("published")),
        timestamp=to_int(body.get("timestamp"), 0),
        publish_timestamp=to_int(body.get("publish_timestamp"), 0),
        orgc=_organisation(body.get("Orgc")),
        org=_organisation(body.get("Org")),
        tags=_tags(body, ("Tag", "EventTag")),
        galaxies=_galaxies(body.get("Galaxy")),
        source=body,
    )
    if not event.uuid:
        findings.append(_finding("event.uuid", "the event has no uuid", pointer))

    event.attributes = _attributes(body.get("Attribute"), f"{pointer}/Attribute", "", findings)
    event.objects = _objects(body.get("Object"), f"{pointer}/Object", findings)
    _separate_duplicate_uuids(event, findings)
    event.load_findings = findings
    if findings:
        LOG.info("event %s: %d elements could not be read", event.uuid, len(findings))
    return event


def _separate_duplicate_uuids(event: Event, findings: list[Finding]) -> None:
    """Give a repeated attribute uuid's later holders a uuid of their own, and report it.

    Exports key rules, sids and STIX ids on the attribute uuid, so two attributes sharing one
    would collapse into one indicator. The replacement is a UUIDv5 of the event uuid and the
    attribute's position, so a re-export of the same input gives the same uuid.
    """
    seen: set[str] = set()
    for attribute in event.all_attributes():
        if not attribute.uuid:
            continue
        if attribute.uuid in seen:
            replacement = str(uuid.uuid5(_DUPLICATE_NAMESPACE,
                                         f"{event.uuid}:{attribute.pointer}"))
            findings.append(_finding(
                "attribute.duplicate-uuid",
                f"uuid already used by an earlier attribute; exported as {replacement}",
                attribute.pointer, attribute.uuid))
            attribute.uuid = replacement
        seen.add(attribute.uuid)


def _attributes(raw: Any, pointer: str, object_uuid: str, findings: list[Finding]) -> list:
    if raw is None:
        return []
    if not isinstance(raw, list):
        findings.append(_finding("attribute.list", f"expected a list, got {_kind(raw)}", pointer))
        return []

    attributes = []
    for index, item in enumerate(raw):
        attribute = _attribute(item, f"{pointer}/{index}", object_uuid, findings)
        if attribute is not None:
            attributes.append(attribute)
    return attributes


def _attribute(raw: Any, pointer: str, object_uuid: str, findings: list[Finding]):
    """One attribute, or ``None`` (with a finding) when it cannot be used."""
    if not isinstance(raw, dict):
        findings.append(_finding("attribute.shape", f"expected an object, got {_kind(raw)}",
                                 pointer))
        return None
    if "Attribute" in raw and isinstance(raw["Attribute"], dict) and "type" not in raw:
        raw = raw["Attribute"]
    if to_bool(raw.get("deleted")):
        return None

    attribute_uuid = to_text(raw.get("uuid"))
    problem = _attribute_problem(raw)
    if problem:
        findings.append(_finding(f"attribute.{problem[0]}", problem[1], pointer, attribute_uuid))
        return None

    return Attribute(
        uuid=attribute_uuid,
        type=raw["type"].strip(),
        category=to_text(raw.get("category")),
        value=_attribute_value(raw["value"]),
        to_ids=to_bool(raw.get("to_ids")),
        pointer=pointer,
        comment=to_text(raw.get("comment")),
        timestamp=to_int(raw.get("timestamp"), 0),
        distribution=to_int(raw.get("distribution"), 5),
        sharing_group_id=to_int(raw.get("sharing_group_id"), 0),
        object_uuid=object_uuid,
        object_relation=to_text(raw.get("object_relation")),
        first_seen=to_text(raw.get("first_seen")),
        last_seen=to_text(raw.get("last_seen")),
        tags=_tags(raw, ("Tag", "AttributeTag")),
        galaxies=_galaxies(raw.get("Galaxy")),
    )


def _attribute_problem(raw: dict) -> tuple[str, str] | None:
    """Why an attribute is unusable, as ``(field, reason)``; ``None`` when it is fine."""
    kind = raw.get("type")
    if not isinstance(kind, str) or not kind.strip():
        return "type", f"type is missing or not a string ({_kind(kind)})"

    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return "value", f"value of a {kind} attribute must be a string, got {_kind(value)}"
    text = _attribute_value(value)
    if not text.strip():
        return "value", f"value of a {kind} attribute is empty"
    if len(text) > MAX_VALUE_LENGTH:
        return "value", f"value of a {kind} attribute is {len(text)} characters, over the limit"
    return None


def _attribute_value(value: str | int | float) -> str:
    return value if isinstance(value, str) else str(value)


def _objects(raw: Any, pointer: str, findings: list[Finding]) -> list[MispObject]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        findings.append(_finding("object.list", f"expected a list, got {_kind(raw)}", pointer))
        return []

    objects = []
    for index, item in enumerate(raw):
        misp_object = _object(item, f"{pointer}/{index}", findings)
        if misp_object is not None:
            objects.append(misp_object)
    return objects


def _object(raw: Any, pointer: str, findings: list[Finding]) -> MispObject | None:
    if isinstance(raw, dict) and "Object" in raw and isinstance(raw["Object"], dict):
        raw = raw["Object"]
    if not isinstance(raw, dict):
        findings.append(_finding("object.shape", f"expected an object, got {_kind(raw)}",
                                 pointer))
        return None
    if to_bool(raw.get("deleted")):
        return None

    own_uuid = to_text(raw.get("uuid"))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        findings.append(_finding("object.name", "object has no template name", pointer,
                                 own_uuid))
        return None

    misp_object = MispObject(
        uuid=own_uuid,
        name=name.strip(),
        pointer=pointer,
        meta_category=to_text(raw.get("meta-category") or raw.get("meta_category")),
        template_uuid=to_text(raw.get("template_uuid")),
        template_version=to_text(raw.get("template_version")),
        comment=to_text(raw.get("comment")),
        distribution=to_int(raw.get("distribution"), 5),
        timestamp=to_int(raw.get("timestamp"), 0),
        references=_references(raw.get("ObjectReference")),
        tags=_tags(raw, ("Tag",)),
    )
    misp_object.attributes = _attributes(raw.get("Attribute"), f"{pointer}/Attribute",
                                         own_uuid, findings)
    return misp_object


def _references(raw: Any) -> list[ObjectReference]:
    if not isinstance(raw, list):
        return []
    references = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("ObjectReference"), dict):
            item = item["ObjectReference"]
        if isinstance(item, dict) and item.get("referenced_uuid"):
            references.append(ObjectReference(
                referenced_uuid=to_text(item.get("referenced_uuid")),
                relationship_type=to_text(item.get("relationship_type")),
                comment=to_text(item.get("comment")),
            ))
    return references


def _tags(container: dict, keys: tuple[str, ...]) -> tuple[Tag, ...]:
    """Tags from ``Tag: [...]`` or the raw ``EventTag/AttributeTag: [{"Tag": ...}]`` lists."""
    seen: dict[str, Tag] = {}
    for key in keys:
        entries = container.get(key)
        if not entries or not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("Tag"), dict):
                entry = entry["Tag"]
            tag = _tag(entry)
            if tag is not None and tag.name not in seen:
                seen[tag.name] = tag
    return tuple(seen.values())


def _tag(entry: Any) -> Tag | None:
    if isinstance(entry, str):
        name, local = entry, False
    elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
        name, local = entry["name"], to_bool(entry.get("local"))
    else:
        return None
    name = name.strip()
    return Tag(name=name, local=local) if name else None


def _galaxies(raw: Any) -> tuple[GalaxyCluster, ...]:
    if not raw or not isinstance(raw, list):
        return ()
    clusters = []
    for galaxy in raw:
        if not isinstance(galaxy, dict):
            continue
        galaxy_type = to_text(galaxy.get("type"))
        members = galaxy.get("GalaxyCluster")
        for cluster in members if isinstance(members, list) else ():
            if isinstance(cluster, dict):
                clusters.append(_cluster(cluster, galaxy_type))
    return tuple(clusters)


def _cluster(raw: dict, galaxy_type: str) -> GalaxyCluster:
    meta = raw.get("meta") if isinstance(raw.get("meta"), dict) else {}
    return GalaxyCluster(
        galaxy_type=to_text(raw.get("type")) or galaxy_type,
        value=to_text(raw.get("value")),
        tag_name=to_text(raw.get("tag_name")),
        uuid=to_text(raw.get("uuid")),
        external_ids=_strings(meta.get("external_id")),
        kill_chain=_strings(meta.get("kill_chain")),
        description=to_text(raw.get("description")),
    )


def _strings(value: Any) -> tuple[str, ...]:
    """``meta`` fields are lists inside events and plain strings in galaxy files."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str) and item)
    return ()


def _organisation(raw: Any) -> Organisation:
    if not isinstance(raw, dict):
        return Organisation()
    return Organisation(name=to_text(raw.get("name")), uuid=to_text(raw.get("uuid")))


def _finding(rule_id: str, message: str, pointer: str, element_uuid: str = "") -> Finding:
    return Finding(rule_id=rule_id, message=message, pointer=pointer, uuid=element_uuid,
                   severity=Severity.WARNING)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
