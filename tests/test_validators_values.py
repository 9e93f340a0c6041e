"""Values and ATT&CK: describeTypes pairs, values that cannot be of their type, techniques."""

from __future__ import annotations

import pytest

from conftest import shared_path
from misp_attack_pack.validators import validate_event

EVENT_UUID = "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b"


def _event(*attributes: dict, tags=()) -> dict:
    return {"Event": {"uuid": EVENT_UUID, "info": "values", "distribution": "0",
                      "Tag": [{"name": name} for name in tags], "Attribute": list(attributes)}}


def _attribute(kind: str, value, category: str = "", uuid: str = "attr-1") -> dict:
    attribute = {"uuid": uuid, "type": kind, "value": value, "to_ids": False}
    if category:
        attribute["category"] = category
    return attribute


def _value_findings(report) -> list[tuple[str, str]]:
    return [(f.rule_id, f.message) for f in report.errors
            if f.rule_id.startswith(("value.", "attribute."))]


@pytest.mark.parametrize("kind, value, rule_id, reason", [
    ("ip-dst", "203.0.113.300", "value.invalid-ip",
     "'203.0.113.300' is not an IP address or CIDR network"),
    ("md5", "d41d8cd98f00b204e9800998ecf8427", "value.invalid-hash",
     "md5 value has 31 hex digits, expected 32"),
    ("sha256", "zz" * 32, "value.invalid-hash", "sha256 value 'zzzz"),
    ("port", "70000", "value.invalid-port", "'70000' is not a port number between 0 and 65535"),
    ("ip-dst|port", "203.0.113.5|http", "value.invalid-port", "'http' is not a port number"),
    ("filename|sha1", "a.exe|abc", "value.invalid-hash", "sha1 value has 3 hex digits"),
    ("domain", "bad_host-.example", "value.invalid-hostname", "is not a valid host name"),
    ("email-src", "no-at-sign.example", "value.invalid-email", "is not an e-mail address"),
    ("AS", "ASN-one", "value.invalid-as", "is not an AS number"),
])
def test_values_that_cannot_be_of_their_type(kind, value, rule_id, reason):
    [(found_rule, message)] = _value_findings(validate_event(_event(_attribute(kind, value))))

    assert found_rule == rule_id
    assert reason in message


@pytest.mark.parametrize("kind, value", [
    ("ip-dst", "2001:db8::1"), ("ip-src", "192.0.2.0/24"),
    ("md5", "D41D8CD98F00B204E9800998ECF8427E"),
    ("domain|ip", "bücher.example|198.51.100.1"), ("url", "evil.example/a?b=c"),
    ("port", "0"), ("AS", "AS64500"), ("hostname", "mail.example."),
])
def test_well_formed_values_pass(kind, value):
    assert _value_findings(validate_event(_event(_attribute(kind, value)))) == []


def test_a_category_outside_describe_types_for_the_type_is_named():
    report = validate_event(_event(_attribute("md5", "d41d8cd98f00b204e9800998ecf8427e",
                                              category="Network activity")))

    [(rule_id, message)] = _value_findings(report)
    assert rule_id == "value.category-mismatch"
    assert "category 'Network activity' is not allowed for type md5" in message
    assert "Payload delivery" in message


def test_an_unknown_type_and_an_empty_value_are_errors_and_the_rest_is_kept():
    report = validate_event(_event(_attribute("ip-dts", "203.0.113.1", uuid="typo"),
                                   _attribute("ip-dst", "   ", uuid="empty"),
                                   _attribute("ip-dst", "203.0.113.2", uuid="fine")))

    assert [(f.rule_id, f.uuid, f.pointer) for f in report.errors] == [
        ("attribute.value", "empty", "/Event/Attribute/1"),
        ("value.unknown-type", "typo", "/Event/Attribute/0"),
    ]
    assert report.summary["attributes"] == 2


def test_a_revoked_technique_names_its_replacement():
    # eset-oceanlotus-macos tags T1158 (revoked in ATT&CK, replaced by T1564.001).
    report = validate_event(shared_path("events", "eset-oceanlotus-macos.json").read_bytes())

    revoked = sorted(f.message for f in report.warnings
                     if f.rule_id == "attack.revoked-technique")
    assert revoked == [
        "technique T1022 is revoked; replaced by T1560 (Archive Collected Data)",
        "technique T1094 is revoked; replaced by T1095 (Non-Application Layer Protocol)",
        "technique T1099 is revoked; replaced by T1070.006 (Timestomp)",
        "technique T1107 is revoked; replaced by T1070.004 (File Deletion)",
        "technique T1158 is revoked; replaced by T1564.001 (Hidden Files and Directories)",
    ]
    assert {f.uuid for f in report.warnings if f.rule_id == "attack.revoked-technique"} == {
        report.summary["event_uuid"]}


def test_an_unknown_technique_id_is_an_error():
    event = _event(tags=['misp-galaxy:mitre-attack-pattern="Made Up - T1999"'])

    [finding] = [f for f in validate_event(event).errors if f.rule_id.startswith("attack.")]
    assert finding.rule_id == "attack.unknown-technique"
    assert finding.message.startswith("technique T1999 is not in the ATT&CK catalogue")


def test_a_mobile_technique_is_unknown_to_the_enterprise_catalogue():
    # pymisp-circl-babyshark tags T1441, an ATT&CK for Mobile technique.
    report = validate_event(shared_path("events", "pymisp-circl-babyshark.json").read_bytes())

    unknown = [f.message.split(";")[0] for f in report.errors
               if f.rule_id == "attack.unknown-technique"]
    assert unknown == ["technique T1441 is not in the ATT&CK catalogue"]
