"""Tag hygiene: TLP, confidence and ATT&CK on every to_ids indicator, objects' included."""

from __future__ import annotations

import copy
import json

import pytest

from conftest import shared_path
from misp_attack_pack.validators import validate_event
from misp_attack_pack.validators.policy import default_policy, with_overrides

T1071 = 'misp-galaxy:mitre-attack-pattern="Application Layer Protocol - T1071"'
EVENT_UUID = "0c1b5ab4-8a4e-4a3a-9d43-6f1c2b3a4d5e"


def _attribute(uuid: str, value: str, tags=(), to_ids=True, kind="ip-dst") -> dict:
    return {"uuid": uuid, "type": kind, "category": "Network activity", "value": value,
            "to_ids": to_ids, "Tag": [{"name": name} for name in tags]}


def _event(attributes, tags=(), objects=()) -> dict:
    return {"Event": {"uuid": EVENT_UUID, "info": "tag hygiene", "distribution": "0",
                      "Tag": [{"name": name} for name in tags],
                      "Attribute": list(attributes), "Object": list(objects)}}


def _rules(report, severity="errors") -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in getattr(report, severity):
        found.setdefault(finding.rule_id, []).append(finding.uuid)
    return {rule: uuids for rule, uuids in found.items() if rule.startswith("tag.")}


def test_an_indicator_without_any_tag_misses_all_three():
    report = validate_event(_event([_attribute("a-1", "203.0.113.9")]))

    assert _rules(report) == {"tag.missing-tlp": ["a-1"], "tag.missing-confidence": ["a-1"],
                              "tag.missing-attack": ["a-1"]}
    assert report.valid is False


def test_event_tags_are_inherited_by_every_indicator():
    event = _event([_attribute("a-1", "203.0.113.9"), _attribute("a-2", "203.0.113.10")],
                   tags=["tlp:green", 'confidence:level="high"', T1071])

    assert _rules(validate_event(event)) == {}


def test_without_inheritance_only_the_attribute_own_tags_count():
    event = _event([_attribute("a-1", "203.0.113.9", tags=["tlp:green"])],
                   tags=['confidence:level="high"', T1071])
    policy = with_overrides(default_policy(), {"tags": {"inheritance": False}})

    report = validate_event(event, policy=policy)

    assert _rules(report) == {"tag.missing-confidence": ["a-1"], "tag.missing-attack": ["a-1"]}


def test_attributes_inside_objects_are_checked_and_inherit_from_their_object():
    inner = _attribute("o-a-1", "198.51.100.7")
    inner["object_relation"] = "ip"
    bare = _attribute("o-a-2", "198.51.100.8")
    bare["object_relation"] = "ip"
    objects = [
        {"uuid": "obj-1", "name": "domain-ip", "Attribute": [inner],
         "Tag": [{"name": "tlp:amber"}, {"name": 'confidence:level="low"'}, {"name": T1071}]},
        {"uuid": "obj-2", "name": "domain-ip", "Attribute": [bare]},
    ]
    report = validate_event(_event([], objects=objects))

    assert _rules(report) == {"tag.missing-tlp": ["o-a-2"], "tag.missing-confidence": ["o-a-2"],
                              "tag.missing-attack": ["o-a-2"]}
    pointers = {finding.pointer for finding in report.errors if finding.uuid == "o-a-2"}
    assert pointers == {"/Event/Object/1/Attribute/0"}


def test_attributes_without_to_ids_need_no_tags():
    report = validate_event(_event([_attribute("a-1", "203.0.113.9", to_ids=False)]))

    assert _rules(report) == {}


def test_an_attack_pattern_tag_counts_as_a_technique():
    event = _event([_attribute("a-1", "203.0.113.9",
                               tags=["tlp:clear", 'confidence:level="moderate"',
                                     "attack-pattern:T1071"])])

    assert _rules(validate_event(event)) == {}


def test_two_tlp_levels_on_one_attribute_are_an_error():
    event = _event([_attribute("a-1", "203.0.113.9", tags=["tlp:green", "tlp:red"])],
                   tags=['confidence:level="high"', T1071])

    report = validate_event(event)

    assert _rules(report) == {"tag.multiple-tlp": ["a-1"]}
    message = next(f.message for f in report.errors if f.rule_id == "tag.multiple-tlp")
    assert "2 TLP levels (green, red)" in message


def test_values_outside_the_taxonomies_are_errors_and_odd_spelling_a_warning():
    event = _event([_attribute("a-1", "203.0.113.9", tags=["tlp:purple"]),
                    _attribute("a-2", "203.0.113.10", tags=["TLP:AMBER+STRICT"])],
                   tags=['confidence:level="certain"', T1071])

    report = validate_event(event)

    assert _rules(report) == {"tag.unknown-tlp": ["a-1"], "tag.unknown-confidence": [EVENT_UUID]}
    assert _rules(report, "warnings") == {"tag.tlp-spelling": ["a-2"]}


@pytest.mark.parametrize("tlp", ["clear", "white", "green", "amber", "amber+strict", "red",
                                 "ex:chr", "unclear"])
def test_every_tlp_value_of_misp_taxonomies_v10_is_accepted(tlp):
    event = _event([_attribute("a-1", "203.0.113.9", tags=[f"tlp:{tlp}"])],
                   tags=['confidence:level="high"', T1071])

    assert "tag.unknown-tlp" not in validate_event(event).counts()


def test_the_policy_tlp_values_are_those_of_the_shared_taxonomy():
    taxonomy = json.loads(shared_path("taxonomies", "tlp", "machinetag.json").read_text())

    assert taxonomy["version"] == 10
    assert {p["value"] for p in taxonomy["predicates"]} == default_policy().tlp_values


def test_eset_backdoordiplomacy_fails_tag_hygiene_on_all_66_indicators():
    # 67 attributes, 66 with to_ids; event tags are only "ESET" and an osint source type,
    # no attribute carries a tag and the event has no galaxy.
    raw = shared_path("events", "eset-backdoordiplomacy.json").read_bytes()

    report = validate_event(raw)

    counts = report.counts()
    assert (counts["tag.missing-tlp"], counts["tag.missing-confidence"],
            counts["tag.missing-attack"]) == (66, 66, 66)
    assert report.summary["to_ids_attributes"] == 66


def test_eset_cloudmensis_has_attack_tags_but_no_tlp_or_confidence():
    # 11 to_ids attributes; twelve mitre-attack-pattern galaxy tags on the event cover ATT&CK.
    report = validate_event(shared_path("events", "eset-cloudmensis.json").read_bytes())

    counts = report.counts()
    assert counts["tag.missing-tlp"] == 11
    assert counts["tag.missing-confidence"] == 11
    assert "tag.missing-attack" not in counts


def test_citizenlab_uppercase_tlp_is_accepted_with_a_spelling_warning():
    # The event carries TLP:GREEN; the tlp taxonomy writes tlp:green.
    raw = shared_path("events", "citizenlab-reckless-exploit.json").read_bytes()
    report = validate_event(raw)

    spelling = [f for f in report.warnings if f.rule_id == "tag.tlp-spelling"]
    assert [(f.pointer, f.message) for f in spelling] == [
        ("/Event", ("the event: 'TLP:GREEN' should be spelled 'tlp:green' as the tlp "
                    "taxonomy writes it"))]
    assert "tag.missing-tlp" not in report.counts()


def test_the_example_event_passes_tag_hygiene(example_event):
    report = validate_event(copy.deepcopy(example_event))

    assert _rules(report) == {}
