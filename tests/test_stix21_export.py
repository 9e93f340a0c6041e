"""The STIX 2.1 export: what a bundle holds, checked with the OASIS validator and stix2."""

from __future__ import annotations

import copy
import json
import re
import uuid

import pytest
import stix2
from stix2patterns.validator import run_validator
from stix2validator import ValidationOptions, validate_string

from conftest import event_params, require_event
from misp_attack_pack.events import load_events
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.stix21 import export_stix21
from misp_attack_pack.exports.stix21.ids import PACK_NAMESPACE, sco_id
from misp_attack_pack.exports.stix21.markings import TLP_EXTENSION_ID, TLP_MARKING_IDS

VALIDATION = ValidationOptions(version="2.1")
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"

# The only warnings the validator may raise on our bundles, and why each one is unavoidable:
# 103 - ids derived as UUIDv5 (relationships, notes, bundles, replacements of non-v4 MISP
#       uuids), which determinism requires where the spec would prefer UUIDv4;
# 302 - the ATT&CK URL in an attack pattern's external reference, which has no content hash.
ALLOWED_WARNINGS = {"103", "302"}


def export(event: dict, **config: str):
    return export_stix21(load_events(event), _catalogue(), ExportOptions.from_config(config))


def bundle_of(event: dict, **config: str) -> dict:
    return json.loads(export(event, **config).content)


def objects_of(bundle: dict, stix_type: str) -> list[dict]:
    return [obj for obj in bundle["objects"] if obj["type"] == stix_type]


def by_id(bundle: dict) -> dict[str, dict]:
    return {obj["id"]: obj for obj in bundle["objects"]}


def _catalogue():
    from misp_attack_pack.attack import load_catalogue

    return load_catalogue()


def minimal_event(*attributes: dict, tags: tuple[str, ...] = ("tlp:amber",),
                  published: bool = True, objects: tuple[dict, ...] = ()) -> dict:
    return {"Event": {
        "uuid": "5b4c1e2a-0d6f-4c3b-9a8e-7f1d2c3b4a59",
        "info": "STIX test event",
        "date": "2026-11-20",
        "published": published,
        "timestamp": "1795000000",
        "publish_timestamp": "1795000100",
        "Orgc": {"name": "Test CERT", "uuid": "0f4e2d1c-3b5a-4c69-8d7e-6f5a4b3c2d1e"},
        "Tag": [{"name": name} for name in tags],
        "Attribute": list(attributes),
        "Object": list(objects),
    }}


def attribute(kind: str, value: str, uuid_text: str, to_ids: bool = True, **extra) -> dict:
    return {"type": kind, "category": "Network activity", "value": value, "to_ids": to_ids,
            "uuid": uuid_text, "timestamp": "1795000000", **extra}


def indicator_for(bundle: dict, attribute_uuid: str) -> dict:
    return by_id(bundle)[f"indicator--{attribute_uuid}"]


# -- every real event ------------------------------------------------------------------------

@pytest.mark.parametrize("path", event_params())
def test_real_event_bundle_is_valid_and_loads(path, catalogue):
    path = require_event(path)
    result = export_stix21(load_events(path.read_bytes()), catalogue, ExportOptions())
    text = result.content.decode("utf-8")

    validation = validate_string(text, VALIDATION)
    assert [str(error) for error in validation.errors] == []
    warning_codes = {re.search(r"\{(\d+)\}", str(w)).group(1) for w in validation.warnings}
    assert warning_codes <= ALLOWED_WARNINGS

    bundle = json.loads(text)
    for indicator in objects_of(bundle, "indicator"):
        if indicator["pattern_type"] == "stix":
            assert run_validator(indicator["pattern"], stix_version="2.1") == [], indicator
    parsed = stix2.parse(text, allow_custom=False)
    assert len(parsed.objects) == len(bundle["objects"])
    assert_every_object_marked_if_the_event_is(load_events(path.read_bytes()), bundle)


def assert_every_object_marked_if_the_event_is(events, bundle: dict) -> None:
    from misp_attack_pack.exports.base import tlp_level

    level = tlp_level(events[0].tags)
    if not level:
        return
    unmarked = [obj["id"] for obj in bundle["objects"]
                if obj["type"] != "marking-definition" and not obj.get("object_marking_refs")]
    assert unmarked == []
    assert TLP_MARKING_IDS[level] in {d["id"] for d in objects_of(bundle, "marking-definition")}


@pytest.mark.parametrize("path", event_params())
def test_real_event_with_observables_is_valid(path, catalogue):
    path = require_event(path)
    options = ExportOptions.from_config({"include_observables": "1"})
    result = export_stix21(load_events(path.read_bytes()), catalogue, options)

    validation = validate_string(result.content.decode("utf-8"), VALIDATION)
    assert [str(error) for error in validation.errors] == []


# -- patterns --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, value, pattern", [
    ("ip-dst", "203.0.113.45", "[ipv4-addr:value = '203.0.113.45']"),
    ("ip-src", "192.0.2.7/28", "[ipv4-addr:value = '192.0.2.0/28']"),
    ("ip-dst", "2001:DB8::1", "[ipv6-addr:value = '2001:db8::1']"),
    ("ip-dst|port", "198.51.100.23|8443",
     "[network-traffic:dst_ref.value = '198.51.100.23' AND network-traffic:dst_port = 8443]"),
    ("domain", "Evil.Example.", "[domain-name:value = 'evil.example']"),
    ("domain", "bücher.example", "[domain-name:value = 'xn--bcher-kva.example']"),
    ("domain|ip", "evil.example|203.0.113.9",
     "[domain-name:value = 'evil.example' AND "
     "domain-name:resolves_to_refs[*].value = '203.0.113.9']"),
    ("url", "http://evil.example/it's", "[url:value = 'http://evil.example/it\\'s']"),
    ("url", 'http://evil.example/a"b', "[url:value = 'http://evil.example/a\"b']"),
    ("regkey", "HKLM\\Software\\Run",
     "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Run']"),
    ("filename|sha256", "a.exe|" + "A" * 64,
     "[file:name = 'a.exe' AND file:hashes.'SHA-256' = '" + "a" * 64 + "']"),
    ("md5", "0cc175b9c0f1b6a831c399e269772661",
     "[file:hashes.MD5 = '0cc175b9c0f1b6a831c399e269772661']"),
    ("AS", "AS174", "[autonomous-system:number = 174]"),
    ("malware-sample", "dropper (2).exe|0CC175B9C0F1B6A831C399E269772661",
     "[file:name = 'dropper (2).exe' AND file:hashes.MD5 = '0cc175b9c0f1b6a831c399e269772661']"),
    ("mac-address", "00-1A-2B-3C-4D-5E", "[mac-addr:value = '00:1a:2b:3c:4d:5e']"),
    ("email-src", "a@evil.example", "[email-message:from_ref.value = 'a@evil.example']"),
    ("user-agent", "Evil/1.0",
     "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Evil/1.0']"),
])
def test_attribute_pattern_is_exact_escaped_and_parses(kind, value, pattern):
    attribute_uuid = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    result = export(minimal_event(attribute(kind, value, attribute_uuid)))

    indicator = indicator_for(json.loads(result.content), attribute_uuid)
    assert indicator["pattern"] == pattern
    assert run_validator(indicator["pattern"], stix_version="2.1") == []
    assert validate_string(result.content.decode(), VALIDATION).errors == []


def test_rule_attributes_keep_their_language_as_pattern_type():
    rule = 'rule evil { strings: $a = "x" condition: $a }'
    bundle = bundle_of(minimal_event(attribute("yara", rule,
                                               "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a")))

    indicator = indicator_for(bundle, "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a")
    assert (indicator["pattern"], indicator["pattern_type"]) == (rule, "yara")
    assert "pattern_version" not in indicator


def test_file_object_becomes_one_indicator_combining_its_fields():
    file_object = {
        "name": "file", "uuid": "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b", "meta-category": "file",
        "Attribute": [
            attribute("filename", "a.exe", "4f5a6b7c-8d9e-4f0a-9b2c-3d4e5f6a7b8c",
                      to_ids=False, object_relation="filename"),
            attribute("filename", "b.exe", "5a6b7c8d-9e0f-4a1b-8c3d-4e5f6a7b8c9d",
                      to_ids=False, object_relation="filename"),
            attribute("md5", "0cc175b9c0f1b6a831c399e269772661",
                      "6b7c8d9e-0f1a-4b2c-9d4e-5f6a7b8c9d0e", object_relation="md5"),
            attribute("size-in-bytes", "4096", "7c8d9e0f-1a2b-4c3d-8e5f-6a7b8c9d0e1f",
                      to_ids=False, object_relation="size-in-bytes"),
        ],
    }
    bundle = bundle_of(minimal_event(objects=(file_object,)))

    indicators = objects_of(bundle, "indicator")
    assert [indicator["pattern"] for indicator in indicators] == [
        "[(file:name = 'a.exe' OR file:name = 'b.exe') AND "
        "file:hashes.MD5 = '0cc175b9c0f1b6a831c399e269772661' AND file:size = 4096]"
    ]
    assert indicators[0]["id"] == "indicator--3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b"
    assert run_validator(indicators[0]["pattern"], stix_version="2.1") == []


# -- ATT&CK ----------------------------------------------------------------------------------

def test_example_event_links_each_indicator_to_its_techniques(example_event):
    bundle = bundle_of(example_event)
    patterns = {pattern["external_references"][0]["external_id"]: pattern
                for pattern in objects_of(bundle, "attack-pattern")}

    assert sorted(patterns) == ["T1059.001", "T1071.001", "T1071.004", "T1105", "T1566.002"]
    powershell = patterns["T1059.001"]
    assert powershell["name"] == "Command and Scripting Interpreter: PowerShell"
    assert powershell["id"] == "attack-pattern--970a3432-3237-47ad-bcca-7d8cbb217736"
    assert powershell["external_references"] == [{
        "source_name": "mitre-attack", "external_id": "T1059.001",
        "url": "https://attack.mitre.org/techniques/T1059/001/",
    }]
    assert powershell["kill_chain_phases"] == [
        {"kill_chain_name": "mitre-attack", "phase_name": "execution"}]

    targets = {}
    for relationship in objects_of(bundle, "relationship"):
        assert relationship["relationship_type"] == "indicates"
        targets.setdefault(relationship["source_ref"], set()).add(
            by_id(bundle)[relationship["target_ref"]]["external_references"][0]["external_id"])
    event_wide = {"T1071.001", "T1566.002"}
    assert targets["indicator--117bd4e6-c6d8-46a7-b009-9b6a03e6cc18"] == event_wide | {
        "T1059.001"}
    assert targets["indicator--77a35c3a-021b-431f-96f6-ebf160890d93"] == event_wide | {
        "T1071.004"}
    assert targets["indicator--29aaf9b1-c8f1-40e4-849c-96c4e47be022"] == event_wide
    assert set(targets) == {indicator["id"] for indicator in objects_of(bundle, "indicator")}


def test_name_only_galaxy_tag_becomes_an_attack_pattern():
    event = minimal_event(attribute("domain", "evil.example",
                                    "8d9e0f1a-2b3c-4d4e-9f6a-7b8c9d0e1f2a"),
                          tags=('misp-galaxy:mitre-attack-pattern="Pass the Hash"',))
    bundle = bundle_of(event)

    (pattern,) = objects_of(bundle, "attack-pattern")
    assert pattern["external_references"][0]["external_id"] == "T1550.002"
    (relationship,) = objects_of(bundle, "relationship")
    assert (relationship["source_ref"], relationship["target_ref"]) == (
        "indicator--8d9e0f1a-2b3c-4d4e-9f6a-7b8c9d0e1f2a", pattern["id"])


# -- TLP and confidence ----------------------------------------------------------------------

def test_every_object_carries_the_event_tlp_unless_the_attribute_says_otherwise():
    event = minimal_event(
        attribute("domain", "evil.example", "9e0f1a2b-3c4d-4e5f-8a7b-8c9d0e1f2a3b"),
        attribute("domain", "red.example", "0f1a2b3c-4d5e-4f6a-9b8c-9d0e1f2a3b4c",
                  Tag=[{"name": "tlp:red"}]),
        tags=("tlp:amber", 'misp-galaxy:mitre-attack-pattern="Ingress Tool Transfer - T1105"'))
    bundle = bundle_of(event)

    definitions = objects_of(bundle, "marking-definition")
    assert [definition["id"] for definition in definitions] == [AMBER, RED]
    assert definitions[0] == {
        "type": "marking-definition", "spec_version": "2.1", "id": AMBER,
        "created": "2022-10-01T00:00:00.000Z", "name": "TLP:AMBER",
        "extensions": {TLP_EXTENSION_ID: {"extension_type": "property-extension",
                                          "tlp_2_0": "amber"}},
    }
    marked = {obj["id"]: obj.get("object_marking_refs") for obj in bundle["objects"]
              if obj["type"] != "marking-definition"}
    red_ones = {"indicator--0f1a2b3c-4d5e-4f6a-9b8c-9d0e1f2a3b4c"}
    red_ones |= {rel["id"] for rel in objects_of(bundle, "relationship")
                 if rel["source_ref"] in red_ones}
    assert {key for key, refs in marked.items() if refs == [RED]} == red_ones
    assert {key for key, refs in marked.items() if refs != [RED]} == set(marked) - red_ones
    assert all(refs == [AMBER] for key, refs in marked.items() if key not in red_ones)


def test_tlp_white_is_written_as_tlp_clear():
    bundle = bundle_of(minimal_event(attribute("domain", "evil.example",
                                               "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
                                     tags=("TLP:WHITE",)))
    assert [d["id"] for d in objects_of(bundle, "marking-definition")] == [CLEAR]
    assert TLP_MARKING_IDS["clear"] == CLEAR


@pytest.mark.parametrize("tag, score", [
    ('confidence:level="high"', 85),
    ("confidence:75", 75),
    ('misp:confidence-level="usually-confident"', 75),
    ('misp:confidence-level="unconfident"', 0),
    ('estimative-language:confidence-in-analytic-judgment="moderate"', 50),
    ('misp:confidence-level="confidence-cannot-be-evaluated"', None),
])
def test_confidence_comes_from_tags(tag, score):
    attribute_uuid = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
    bundle = bundle_of(minimal_event(attribute("domain", "evil.example", attribute_uuid),
                                     tags=("tlp:green", tag)))
    assert indicator_for(bundle, attribute_uuid).get("confidence") == score


def test_attribute_confidence_wins_over_the_event_one():
    attribute_uuid = "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f"
    event = minimal_event(attribute("domain", "evil.example", attribute_uuid,
                                    Tag=[{"name": 'misp:confidence-level="rarely-confident"'}]),
                          tags=('confidence:level="high"',))
    bundle = bundle_of(event)
    assert indicator_for(bundle, attribute_uuid)["confidence"] == 25
    assert objects_of(bundle, "report")[0]["confidence"] == 85


# -- identifiers and containers --------------------------------------------------------------

def test_version_1_uuid_is_replaced_by_a_stable_uuid5():
    version_1 = "6e7a3b10-9c1f-11ef-a7e3-0242ac120002"
    bundle = bundle_of(minimal_event(attribute("domain", "evil.example", version_1)))

    (indicator,) = objects_of(bundle, "indicator")
    expected = uuid.uuid5(PACK_NAMESPACE, f"indicator:{version_1}")
    assert indicator["id"] == f"indicator--{expected}"
    assert uuid.UUID(indicator["id"].split("--")[1]).version == 5


def test_re_export_gives_the_same_bytes(example_event):
    first = export(copy.deepcopy(example_event)).content
    assert export(copy.deepcopy(example_event)).content == first


@pytest.mark.parametrize("sco", [
    {"type": "domain-name", "value": "evil.example"},
    {"type": "ipv4-addr", "value": "203.0.113.45"},
    {"type": "file", "name": "a.exe", "hashes": {"SHA-256": "a" * 64, "MD5": "b" * 32}},
    {"type": "windows-registry-key", "key": "HKEY_LOCAL_MACHINE\\Software\\Run",
     "values": [{"data": "évil"}]},
    {"type": "email-addr", "value": "a@evil.example"},
    {"type": "autonomous-system", "number": 174},
])
def test_sco_ids_follow_the_stix_rule(sco):
    from stix2.v21 import observables

    classes = {"domain-name": observables.DomainName, "ipv4-addr": observables.IPv4Address,
               "file": observables.File, "windows-registry-key": observables.WindowsRegistryKey,
               "email-addr": observables.EmailAddress,
               "autonomous-system": observables.AutonomousSystem}
    fields = {key: value for key, value in sco.items() if key != "type"}
    assert sco_id(sco) == classes[sco["type"]](**fields).id


def test_published_event_is_a_report_and_unpublished_a_grouping():
    domain = attribute("domain", "evil.example", "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f8a")
    report = objects_of(bundle_of(minimal_event(domain)), "report")[0]
    grouping = objects_of(bundle_of(minimal_event(domain, published=False)), "grouping")[0]

    assert report["id"] == grouping["id"].replace("grouping", "report")
    assert report["published"] == "2026-11-18T11:08:20.000Z"
    assert report["object_refs"] == ["indicator--4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f8a"]
    assert grouping["context"] == "suspicious-activity"
    assert report["created_by_ref"] == "identity--0f4e2d1c-3b5a-4c69-8d7e-6f5a4b3c2d1e"


def test_observables_option_exports_non_ids_attributes_as_observed_data():
    attribute_uuid = "5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8a9b"
    event = minimal_event(attribute("domain|ip", "evil.example|203.0.113.9", attribute_uuid,
                                    to_ids=False))
    assert objects_of(bundle_of(event), "observed-data") == []

    bundle = bundle_of(event, include_observables="1")
    observed = by_id(bundle)[f"observed-data--{attribute_uuid}"]
    domain, address = (by_id(bundle)[ref] for ref in observed["object_refs"])
    assert domain["value"] == "evil.example"
    assert domain["resolves_to_refs"] == [address["id"]]
    assert address["id"] == stix2.v21.IPv4Address(value="203.0.113.9").id
    assert objects_of(bundle, "indicator") == []


# -- bad input -------------------------------------------------------------------------------

def test_invalid_value_is_skipped_and_reported_while_the_rest_exports():
    event = minimal_event(
        attribute("ip-dst", "999.1.2.3", "6f7a8b9c-0d1e-4f2a-9b4c-5d6e7f8a9b0c"),
        attribute("domain", "evil.example", "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c1d"),
    )
    result = export(event)
    bundle = json.loads(result.content)

    assert [finding.uuid for finding in result.findings] == [
        "6f7a8b9c-0d1e-4f2a-9b4c-5d6e7f8a9b0c"]
    assert result.findings[0].message == (
        "ip-dst skipped: '999.1.2.3' is not an IP address or CIDR network")
    assert (result.exported, result.skipped) == (1, 1)
    assert [i["id"] for i in objects_of(bundle, "indicator")] == [
        "indicator--7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c1d"]
    (note,) = objects_of(bundle, "note")
    assert "6f7a8b9c-0d1e-4f2a-9b4c-5d6e7f8a9b0c" in note["content"]
    assert note["object_refs"] == [objects_of(bundle, "report")[0]["id"]]
    assert validate_string(result.content.decode(), VALIDATION).errors == []


def test_skipped_attribute_is_logged_with_its_uuid(caplog):
    event = minimal_event(attribute("ip-dst", "not-an-ip",
                                    "8b9c0d1e-2f3a-4b4c-9d6e-7f8a9b0c1d2e"))
    with caplog.at_level("WARNING", logger="misp_attack_pack.exports.stix21.export"):
        export(event)
    assert any("8b9c0d1e-2f3a-4b4c-9d6e-7f8a9b0c1d2e" in record.getMessage()
               for record in caplog.records)


def test_technique_newer_than_the_catalogue_keeps_its_written_id(galaxy_catalogue):
    tag = 'misp-galaxy:mitre-attack-pattern="Query Public AI Services - T1682"'
    event = minimal_event(attribute("domain", "evil.example",
                                    "9c0d1e2f-3a4b-4c5d-8e7f-8a9b0c1d2e3f"), tags=(tag,))

    (unknown,) = objects_of(bundle_of(event), "attack-pattern")
    assert unknown["name"] == "Query Public AI Services"
    assert unknown["external_references"][0]["external_id"] == "T1682"
    assert "kill_chain_phases" not in unknown

    result = export_stix21(load_events(event), galaxy_catalogue, ExportOptions())
    (known,) = objects_of(json.loads(result.content), "attack-pattern")
    assert known["id"] == "attack-pattern--143122a8-fcda-4dd7-aded-5b9387d9c2d6"
    assert known["kill_chain_phases"] == [
        {"kill_chain_name": "mitre-attack", "phase_name": "reconnaissance"}]


def test_object_indicator_takes_the_strictest_tlp_of_its_parts():
    url_object = {
        "name": "url", "uuid": "0d1e2f3a-4b5c-4d6e-9f8a-9b0c1d2e3f4a",
        "Attribute": [
            attribute("url", "http://evil.example/a", "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b",
                      object_relation="url", Tag=[{"name": "tlp:green"}]),
            attribute("domain", "evil.example", "2f3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c",
                      object_relation="domain", Tag=[{"name": "tlp:red"}]),
        ],
    }
    bundle = bundle_of(minimal_event(objects=(url_object,), tags=("tlp:clear",)))

    url_indicator = by_id(bundle)["indicator--0d1e2f3a-4b5c-4d6e-9f8a-9b0c1d2e3f4a"]
    assert url_indicator["pattern"] == "[url:value = 'http://evil.example/a']"
    assert url_indicator["object_marking_refs"] == [RED]
    domain_indicator = indicator_for(bundle, "2f3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c")
    assert domain_indicator["pattern"] == "[domain-name:value = 'evil.example']"


def test_non_ids_attributes_become_indicators_of_unknown_type_on_request():
    attribute_uuid = "3a4b5c6d-7e8f-4a9b-8c1d-2e3f4a5b6c7d"
    event = minimal_event(attribute("domain", "maybe.example", attribute_uuid, to_ids=False))
    assert objects_of(bundle_of(event), "indicator") == []

    indicator = indicator_for(bundle_of(event, include_non_ids="1"), attribute_uuid)
    assert indicator["indicator_types"] == ["unknown"]


def test_several_events_share_one_bundle_and_one_identity():
    first = minimal_event(attribute("domain", "a.example",
                                    "4b5c6d7e-8f9a-4b0c-9d2e-3f4a5b6c7d8e"))
    second = copy.deepcopy(first)
    second["Event"]["uuid"] = "6d7e8f9a-0b1c-4d2e-8f4a-5b6c7d8e9f0a"
    second["Event"]["Attribute"][0]["uuid"] = "5c6d7e8f-9a0b-4c1d-8e3f-4a5b6c7d8e9f"

    result = export_stix21(load_events([first, second]), _catalogue(), ExportOptions())
    bundle = json.loads(result.content)

    assert [report["id"] for report in objects_of(bundle, "report")] == [
        "report--5b4c1e2a-0d6f-4c3b-9a8e-7f1d2c3b4a59",
        "report--6d7e8f9a-0b1c-4d2e-8f4a-5b6c7d8e9f0a"]
    assert len(objects_of(bundle, "identity")) == 1
    assert [r["object_refs"] for r in objects_of(bundle, "report")] == [
        ["indicator--4b5c6d7e-8f9a-4b0c-9d2e-3f4a5b6c7d8e"],
        ["indicator--5c6d7e8f-9a0b-4c1d-8e3f-4a5b6c7d8e9f"]]
    assert validate_string(result.content.decode(), VALIDATION).errors == []


def test_cve_attribute_becomes_a_vulnerability_whatever_its_detection_flag():
    event = minimal_event(
        attribute("vulnerability", "cve-2017-11882", "7e8f9a0b-1c2d-4e3f-9a5b-6c7d8e9f0a1b",
                  to_ids=False),
        attribute("vulnerability", "not a cve", "8f9a0b1c-2d3e-4f4a-8b6c-7d8e9f0a1b2c"))
    result = export(event)

    (vulnerability,) = objects_of(json.loads(result.content), "vulnerability")
    assert vulnerability["id"] == "vulnerability--7e8f9a0b-1c2d-4e3f-9a5b-6c7d8e9f0a1b"
    assert vulnerability["name"] == "CVE-2017-11882"
    assert vulnerability["external_references"] == [
        {"source_name": "cve", "external_id": "CVE-2017-11882"}]
    assert [finding.uuid for finding in result.findings] == [
        "8f9a0b1c-2d3e-4f4a-8b6c-7d8e9f0a1b2c"]
