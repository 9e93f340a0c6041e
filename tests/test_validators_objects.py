"""Object templates and the MISP core schema, with what real events break."""

from __future__ import annotations

import pytest

from conftest import shared_path
from misp_attack_pack.validators import validate_event
from misp_attack_pack.validators.policy import default_policy, with_overrides

EVENT_UUID = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def _obj_attribute(relation: str, kind: str, value: str, category: str = "",
                   uuid: str = "") -> dict:
    attribute = {"uuid": uuid or f"{relation}-uuid", "object_relation": relation, "type": kind,
                 "value": value, "to_ids": False}
    if category:
        attribute["category"] = category
    return attribute


def _event_with(name: str, *attributes: dict) -> dict:
    return {"Event": {"uuid": EVENT_UUID, "info": "objects", "distribution": "0",
                      "Object": [{"uuid": "obj-uuid", "name": name,
                                  "Attribute": list(attributes)}]}}


def _object_findings(report) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.uuid, f.message) for f in report.errors + report.warnings
            if f.rule_id.startswith("object.")]


def test_a_conforming_file_object_passes():
    event = _event_with("file", _obj_attribute("filename", "filename", "a.exe"),
                        _obj_attribute("md5", "md5", "d41d8cd98f00b204e9800998ecf8427e"),
                        _obj_attribute("state", "text", "Malicious"))

    assert _object_findings(validate_event(event)) == []


def test_required_one_of_missing_is_reported_on_the_object():
    event = _event_with("file", _obj_attribute("state", "text", "Malicious"))

    [(rule_id, uuid, message)] = _object_findings(validate_event(event))
    assert (rule_id, uuid) == ("object.missing-required-one-of", "obj-uuid")
    assert message.startswith("file object: needs at least one of filename, size-in-bytes")


def test_a_required_relation_missing_is_reported():
    event = _event_with("virustotal-report", _obj_attribute("detection-ratio", "text", "3/70"))

    assert _object_findings(validate_event(event)) == [
        ("object.missing-required", "obj-uuid",
         "virustotal-report object: required relation 'permalink' is missing")]


def test_type_values_list_category_multiple_and_unknown_relation():
    event = _event_with(
        "file",
        _obj_attribute("filename", "filename", "a.exe", uuid="f1"),
        _obj_attribute("sha256", "sha256", "ab" * 32, uuid="h1"),
        _obj_attribute("sha256", "sha256", "cd" * 32, uuid="h2"),
        _obj_attribute("md5", "sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", uuid="m1"),
        _obj_attribute("state", "text", "Evil", uuid="s1"),
        _obj_attribute("colour", "text", "blue", uuid="c1"),
    )
    event["Event"]["Object"].append({"uuid": "net-uuid", "name": "network-connection",
                                     "Attribute": [_obj_attribute("ip-dst", "ip-dst",
                                                                  "203.0.113.4", "Other",
                                                                  uuid="n1")]})

    found = [(rule_id, uuid) for rule_id, uuid, _ in _object_findings(validate_event(event))]

    assert found == [
        ("object.multiple", "obj-uuid"),
        ("object.relation-type", "m1"),
        ("object.values-list", "s1"),
        ("object.unknown-relation", "c1"),
        ("object.category", "n1"),
    ]


def test_an_unknown_template_is_only_a_warning():
    report = validate_event(_event_with("our-local-thing", _obj_attribute("x", "text", "y")))

    assert [(f.rule_id, f.severity.value) for f in report.warnings
            if f.rule_id.startswith("object.")] == [("object.unknown-template", "warning")]
    assert report.valid is True


def test_template_names_cannot_walk_out_of_the_template_directory():
    report = validate_event(_event_with("../../schema", _obj_attribute("x", "text", "y")))

    assert [f.rule_id for f in report.warnings if f.rule_id.startswith("object.")] == [
        "object.unknown-template"]


def test_training_atm_vulnerability_objects_use_an_underscore_relation():
    # Objects 1 and 7 are vulnerability objects with two 'vulnerable_configuration' each;
    # the template calls the relation 'vulnerable-configuration'.
    report = validate_event(shared_path("events", "training-atm-vulnerabilities.json")
                            .read_bytes())

    assert [f.pointer for f in report.errors if f.rule_id == "object.unknown-relation"] == [
        "/Event/Object/1/Attribute/7", "/Event/Object/1/Attribute/8",
        "/Event/Object/7/Attribute/8", "/Event/Object/7/Attribute/9"]


def test_multi_isac_suricata_object_holds_a_snort_attribute():
    report = validate_event(shared_path("events", "training-multi-isac-spearphishing.json")
                            .read_bytes())

    assert [(f.pointer, f.message) for f in report.errors if f.rule_id.startswith("object.")] == [
        ("/Event/Object/13/Attribute/1",
         "suricata object: relation 'suricata' expects type suricata, got snort")]


def test_a_number_where_the_schema_wants_a_string_is_one_grouped_warning():
    # eset-pypi-backdoor writes Galaxy[0].GalaxyCluster[*].tag_id as numbers (6 clusters).
    report = validate_event(shared_path("events", "eset-pypi-backdoor.json").read_bytes())

    [finding] = [f for f in report.warnings if f.rule_id == "schema.number-as-string"]
    assert finding.pointer == "/Event/Galaxy/0/GalaxyCluster/0/tag_id"
    assert "(6 places, first at /Event/Galaxy/0/GalaxyCluster/0/tag_id)" in finding.message
    assert not [f for f in report.errors if f.rule_id.startswith("schema.")]


def test_a_schema_type_error_points_at_the_field():
    # training-kobalos: Galaxy[3].GalaxyCluster[0].authors is null; the schema wants an array.
    report = validate_event(shared_path("events", "training-kobalos.json").read_bytes())

    assert [(f.rule_id, f.pointer) for f in report.errors if f.rule_id.startswith("schema.")] \
        == [("schema.type", "/Event/Galaxy/3/GalaxyCluster/0/authors")]


def test_schema_pointers_follow_the_restsearch_envelope():
    raw = shared_path("events", "_variants", "eset-turla-outlook.response-wrapper.json")
    policy = with_overrides(default_policy(), {"schema": {"variant": "strict"}})

    report = validate_event(raw.read_bytes(), policy=policy)

    extra = [f for f in report.warnings if f.rule_id == "schema.additional-property"]
    assert extra and all(f.pointer.startswith("/response/0/Event") for f in extra)


@pytest.mark.parametrize("variant", ["lax", "strict"])
def test_sharing_group_written_as_an_empty_list_is_not_an_error(variant):
    # eset-telebots: 95 attributes carry "SharingGroup": [] (PHP's empty object); the strict
    # schema reports nothing else for this event.
    policy = with_overrides(default_policy(), {"schema": {"variant": variant}})
    report = validate_event(shared_path("events", "eset-telebots.json").read_bytes(),
                            policy=policy)

    assert [f for f in report.errors + report.warnings if f.rule_id.startswith("schema.")] == []
