"""The event model accepts every shape MISP hands over and normalises it once."""

from __future__ import annotations

import json

import pytest

from conftest import EVENTS_DIR, event_params, require_event, shared_path
from misp_attack_pack.events import EventFormatError, load_event, load_events

ATTRIBUTE = {"uuid": "0b1d4c0e-6a5e-4f7e-9c3b-2a1d0e9f8c7b", "type": "domain",
             "category": "Network activity", "value": "evil.example.com", "to_ids": True}


def _event(**extra) -> dict:
    body = {"uuid": "e1a3c5d7-0000-4000-8000-000000000001", "info": "test event",
            "Attribute": [dict(ATTRIBUTE)]}
    body.update(extra)
    return body


@pytest.mark.parametrize("envelope", [
    pytest.param(lambda e: {"Event": e}, id="event-envelope"),
    pytest.param(lambda e: {"response": [{"Event": e}]}, id="restsearch-response"),
    pytest.param(lambda e: e, id="bare-event"),
    pytest.param(lambda e: [{"Event": e}], id="list-of-events"),
    pytest.param(lambda e: {"module": "x", "config": {}, "data": [{"Event": e}]},
                 id="export-module-request"),
    pytest.param(lambda e: json.dumps({"Event": e}).encode(), id="json-bytes"),
])
def test_every_envelope_yields_the_same_event(envelope):
    event = load_event(envelope(_event()))

    assert event.uuid == "e1a3c5d7-0000-4000-8000-000000000001"
    assert [a.value for a in event.attributes] == ["evil.example.com"]


def test_raw_fetch_shape_reads_sibling_lists_and_nested_tags():
    raw = {
        "Event": {"uuid": "e1a3c5d7-0000-4000-8000-000000000002", "info": "raw",
                  "threat_level_id": "2", "published": "1"},
        "Attribute": [{**ATTRIBUTE, "AttributeTag": [{"Tag": {"name": "tlp:green"}}]}],
        "EventTag": [{"Tag": {"name": "tlp:amber", "local": "0"}}],
        "Orgc": {"name": "CIRCL", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"},
    }

    event = load_event(raw)

    assert event.threat_level_id == 2
    assert event.published is True
    assert [t.name for t in event.tags] == ["tlp:amber"]
    assert [t.name for t in event.attributes[0].tags] == ["tlp:green"]
    assert event.orgc.name == "CIRCL"


def test_numbers_and_booleans_written_as_strings_are_coerced():
    attribute = {**ATTRIBUTE, "to_ids": "1", "timestamp": "1700000000", "distribution": "3"}
    event = load_event({"Event": _event(distribution="1", Attribute=[attribute])})

    parsed = event.attributes[0]
    assert (parsed.to_ids, parsed.timestamp, parsed.distribution) == (True, 1700000000, 3)
    assert event.distribution == 1


def test_object_attributes_keep_their_relation_and_object_uuid():
    misp_object = {
        "uuid": "0a0a0a0a-1111-4222-8333-444444444444", "name": "domain-ip",
        "Attribute": [{**ATTRIBUTE, "object_relation": "domain"}],
        "ObjectReference": [{"referenced_uuid": "0b0b0b0b-1111-4222-8333-444444444444",
                             "relationship_type": "resolves-to"}],
    }
    event = load_event({"Event": _event(Attribute=[], Object=[misp_object])})

    nested = list(event.all_attributes())
    assert [(a.object_uuid, a.object_relation) for a in nested] == [
        ("0a0a0a0a-1111-4222-8333-444444444444", "domain")]
    assert event.objects[0].references[0].relationship_type == "resolves-to"
    assert nested[0].pointer == "/Event/Object/0/Attribute/0"


def test_deleted_attributes_and_objects_are_dropped():
    attributes = [dict(ATTRIBUTE), {**ATTRIBUTE, "uuid": "x", "deleted": True}]
    objects = [{"uuid": "o", "name": "file", "deleted": "1", "Attribute": [dict(ATTRIBUTE)]}]

    event = load_event({"Event": _event(Attribute=attributes, Object=objects)})

    assert event.attribute_count() == 1


def test_broken_attributes_are_reported_and_the_rest_kept():
    attributes = [
        "not an object",
        {**ATTRIBUTE, "uuid": "u-no-type", "type": None},
        {**ATTRIBUTE, "uuid": "u-dict-value", "value": {"a": 1}},
        {**ATTRIBUTE, "uuid": "u-empty", "value": "   "},
        dict(ATTRIBUTE),
    ]

    event = load_event({"Event": _event(Attribute=attributes)})

    assert [a.value for a in event.attributes] == ["evil.example.com"]
    assert [(f.rule_id, f.pointer, f.uuid) for f in event.load_findings] == [
        ("attribute.shape", "/Event/Attribute/0", ""),
        ("attribute.type", "/Event/Attribute/1", "u-no-type"),
        ("attribute.value", "/Event/Attribute/2", "u-dict-value"),
        ("attribute.value", "/Event/Attribute/3", "u-empty"),
    ]
    assert "must be a string, got dict" in event.load_findings[2].message


@pytest.mark.parametrize("raw, field, reason", [
    (b'{"Event": ', "body", "not valid JSON"),
    (b'{"foo": 1}', "/Event", "missing"),
    (b'[]', "Event", "no MISP event"),
    (b'{"Event": "text"}', "/Event", "expected an object, got str"),
    (b'42', "body", "expected an object, got int"),
])
def test_input_without_an_event_raises_an_error_naming_the_field(raw, field, reason):
    with pytest.raises(EventFormatError) as caught:
        load_events(raw)

    assert caught.value.field == field
    assert reason in caught.value.reason


def test_galaxy_external_id_as_list_or_string():
    galaxy = [{"type": "mitre-attack-pattern", "GalaxyCluster": [
        {"value": "PowerShell - T1059.001", "meta": {"external_id": ["T1059.001"]}},
        {"value": "DNS - T1071.004", "meta": {"external_id": "T1071.004",
                                              "kill_chain": "mitre-attack:command-and-control"}},
    ]}]
    event = load_event({"Event": _event(Galaxy=galaxy)})

    assert [c.external_ids for c in event.galaxies] == [("T1059.001",), ("T1071.004",)]
    assert event.galaxies[1].kill_chain == ("mitre-attack:command-and-control",)


@pytest.mark.parametrize("path", event_params())
def test_every_real_event_loads_without_findings(path):
    event = load_event(require_event(path).read_bytes())

    assert event.uuid
    assert event.load_findings == []


def test_restsearch_variant_equals_its_unwrapped_event():
    wrapped = shared_path("events", "_variants", "eset-turla-outlook.response-wrapper.json")
    plain = load_event((EVENTS_DIR / "eset-turla-outlook.json").read_bytes())

    from_wrapper = load_event(wrapped.read_bytes())

    assert from_wrapper.uuid == plain.uuid
    assert [a.value for a in from_wrapper.all_attributes()] == [
        a.value for a in plain.all_attributes()]


def test_published_trailing_comma_file_is_rejected_with_its_position():
    broken = shared_path("events", "_variants", "eset-pypi-backdoor.trailing-comma.json")

    with pytest.raises(EventFormatError) as caught:
        load_events(broken.read_bytes())

    assert caught.value.field == "body"
    assert "trailing comma" in caught.value.reason


def test_lone_surrogates_become_replacement_characters_not_a_lost_event():
    raw = (b'{"Event": {"uuid": "e1a3c5d7-0000-4000-8000-000000000003", "info": "x\\ud800y",'
           b' "Attribute": [{"uuid": "a", "type": "domain", "value": "bad\\udc00.example",'
           b' "to_ids": true}, {"uuid": "b", "type": "domain", "value": "good.example",'
           b' "to_ids": true}]}}')

    event = load_event(raw)

    assert event.info == "x\ufffdy"
    assert [a.value for a in event.attributes] == ["bad\ufffd.example", "good.example"]


@pytest.mark.parametrize("raw, expected", [
    ("7", 7), ("-3", -3), (True, 1), (2.9, 2), ("1" * 30, 4), (10**30, 4),
    (float("inf"), 4), (float("nan"), 4), ("١٢", 4), ("", 4), (None, 4), ([1], 4),
])
def test_numbers_outside_64_bits_or_not_numbers_fall_back_to_the_default(raw, expected):
    from misp_attack_pack.events.coerce import to_int

    assert to_int(raw, 4) == expected


def test_a_repeated_uuid_gets_a_derived_one_so_no_indicator_collapses():
    attributes = [dict(ATTRIBUTE), {**ATTRIBUTE, "value": "second.example.com"}]

    event = load_event({"Event": _event(Attribute=attributes)})
    again = load_event({"Event": _event(Attribute=attributes)})

    first, second = event.attributes
    assert first.uuid == ATTRIBUTE["uuid"]
    assert second.uuid != first.uuid and second.uuid == again.attributes[1].uuid
    assert [(f.rule_id, f.pointer, f.uuid) for f in event.load_findings] == [
        ("attribute.duplicate-uuid", "/Event/Attribute/1", ATTRIBUTE["uuid"])]
    assert event.load_findings[0].message == (
        f"uuid already used by an earlier attribute; exported as {second.uuid}")
