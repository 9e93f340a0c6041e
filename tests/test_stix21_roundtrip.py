"""Round trip: misp-stix imports our bundle back into a MISP event without losing ATT&CK or TLP.

Our bundles carry no misp-stix tool label, so misp-stix reads them with its parser for STIX
from other producers, ``ExternalSTIX2toMISPParser``, as a MISP instance importing them would.
"""

from __future__ import annotations

import copy
import json

import pytest
import stix2
from misp_stix_converter import ExternalSTIX2toMISPParser

from conftest import shared_path
from misp_attack_pack.events import load_events
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.stix21 import export_stix21


def round_trip(content: bytes):
    parser = ExternalSTIX2toMISPParser()
    parser.load_stix_bundle(stix2.parse(content.decode("utf-8"), allow_custom=True))
    parser.parse_stix_bundle()
    return parser.misp_event


def attack_clusters(misp_entity) -> dict[str, str]:
    """ATT&CK id -> cluster value, for the attack-pattern clusters attached to an entity."""
    found = {}
    for galaxy in getattr(misp_entity, "galaxies", ()):
        for cluster in galaxy.clusters:
            external_ids = cluster.meta.get("external_id", [])
            for external_id in [external_ids] if isinstance(external_ids, str) else external_ids:
                found[external_id] = cluster.value
    return found


def test_indicator_values_tlp_and_techniques_survive(example_event, catalogue):
    content = export_stix21(load_events(example_event), catalogue, ExportOptions()).content
    misp_event = round_trip(content)

    assert "tlp:amber" in [tag.name for tag in misp_event.tags]
    values = {attribute.value for attribute in misp_event.attributes}
    assert {"203.0.113.45", "harbour-lights.example", "xn--bcher-update-dlb.example",
            "http://files.harbour-lights.example/get.php;jsessionid=a1\"b2",
            "0cc175b9c0f1b6a831c399e269772661"} <= values

    by_value = {attribute.value: attribute for attribute in misp_event.attributes}
    powershell_hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert attack_clusters(by_value[powershell_hash]) == {
        "T1059.001": "Command and Scripting Interpreter: PowerShell",
        "T1071.001": "Application Layer Protocol: Web Protocols",
        "T1566.002": "Phishing: Spearphishing Link",
    }
    assert set(attack_clusters(by_value["harbour-lights.example"])) == {
        "T1071.004", "T1071.001", "T1566.002"}


@pytest.mark.parametrize("name, tlp_tag", [
    ("training-kobalos.json", "tlp:clear"),
    ("training-multi-isac-spearphishing.json", "tlp:amber"),
])
def test_real_event_attack_patterns_come_back_as_galaxy_clusters(name, tlp_tag, catalogue):
    event = load_events(shared_path("events", name).read_bytes())
    content = export_stix21(event, catalogue, ExportOptions()).content
    bundle = json.loads(content)
    exported_ids = {pattern["external_references"][0]["external_id"]
                    for pattern in bundle["objects"] if pattern["type"] == "attack-pattern"
                    and any(rel.get("target_ref") == pattern["id"]
                            for rel in bundle["objects"] if rel["type"] == "relationship")}

    misp_event = round_trip(content)

    imported = set()
    for entity in list(misp_event.attributes) + [
            attribute for misp_object in misp_event.objects
            for attribute in misp_object.attributes]:
        imported |= set(attack_clusters(entity))
    assert imported == exported_ids
    assert tlp_tag in [tag.name for tag in misp_event.tags]


def test_attribute_tlp_stronger_than_the_event_survives(example_event, catalogue):
    event = copy.deepcopy(example_event)
    (address,) = [a for a in event["Event"]["Attribute"] if a["value"] == "203.0.113.45"]
    address["Tag"] = [{"name": "tlp:red"}]
    content = export_stix21(load_events(event), catalogue, ExportOptions()).content

    by_value = {attribute.value: attribute for attribute in round_trip(content).attributes}
    assert [tag.name for tag in by_value["203.0.113.45"].tags] == ["tlp:red"]
    assert [tag.name for tag in by_value["harbour-lights.example"].tags] == []
