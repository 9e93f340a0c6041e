"""ATT&CK mentions are found in every form MISP teams record them."""

from __future__ import annotations

import re

from conftest import event_params, require_event
from misp_attack_pack.attack import resolve_event
from misp_attack_pack.events import load_event

import pytest


def _event(tags=(), attributes=(), objects=(), galaxies=()) -> dict:
    return {"Event": {"uuid": "e1a3c5d7-0000-4000-8000-0000000000aa", "info": "resolve",
                      "Tag": [{"name": name} for name in tags], "Attribute": list(attributes),
                      "Object": list(objects), "Galaxy": list(galaxies)}}


def _ids(mentions) -> list[str]:
    return [mention.technique_id for mention in mentions]


@pytest.mark.parametrize("tag, expected", [
    ('misp-galaxy:mitre-attack-pattern="Application Layer Protocol - T1071"', "T1071"),
    ('misp-galaxy:mitre-enterprise-attack-attack-pattern="PowerShell - T1086"', "T1059.001"),
    ('misp-galaxy:mitre-attack-pattern="Screen Capture"', "T1113"),
    ("attack-pattern:T1059.001", "T1059.001"),
    ('attack-pattern:id="T1566.002"', "T1566.002"),
])
def test_tag_forms_resolve_to_techniques(catalogue, tag, expected):
    result = resolve_event(load_event(_event(tags=[tag])), catalogue)

    assert _ids(result.event_level) == [expected]


def test_revoked_id_is_replaced_and_reported(catalogue):
    tag = 'misp-galaxy:mitre-attack-pattern="PowerShell - T1086"'
    result = resolve_event(load_event(_event(tags=[tag])), catalogue)

    mention = result.event_level[0]
    assert (mention.written_id, mention.technique_id, mention.was_replaced) == (
        "T1086", "T1059.001", True)
    assert [f.rule_id for f in result.findings] == ["attack.revoked-technique"]


def test_unknown_ids_and_names_are_reported(catalogue):
    tags = ['misp-galaxy:mitre-attack-pattern="Made Up - T1999"',
            'misp-galaxy:mitre-attack-pattern="Exploitation of Vulnerability"']
    result = resolve_event(load_event(_event(tags=tags)), catalogue)

    assert [f.rule_id for f in result.findings] == [
        "attack.unknown-technique", "attack.unknown-technique-name"]
    assert all(m.technique is None for m in result.event_level)


def test_galaxy_cluster_and_attack_pattern_object(catalogue):
    galaxy = {"type": "mitre-attack-pattern", "GalaxyCluster": [
        {"value": "Ingress Tool Transfer - T1105", "meta": {"external_id": ["T1105"]}}]}
    capec = {"uuid": "o-capec", "name": "attack-pattern", "Attribute": [
        {"type": "text", "value": "62", "object_relation": "id"}]}
    attack = {"uuid": "o-attack", "name": "attack-pattern", "Attribute": [
        {"type": "text", "value": "T1566.001", "object_relation": "id"},
        {"type": "text", "value": "Spearphishing Attachment", "object_relation": "name"}]}

    result = resolve_event(load_event(_event(galaxies=[galaxy], objects=[capec, attack])),
                           catalogue)

    assert _ids(result.event_level) == ["T1105", "T1566.001"]


def test_attribute_level_attack_adds_to_the_event_level(catalogue):
    attribute = {"uuid": "a-1", "type": "domain", "value": "evil.example", "to_ids": True,
                 "Tag": [{"name": 'misp-galaxy:mitre-attack-pattern="DNS - T1071.004"'}]}
    other = {"uuid": "a-2", "type": "domain", "value": "other.example", "to_ids": True}
    event = load_event(_event(tags=["attack-pattern:T1105"], attributes=[attribute, other]))

    result = resolve_event(event, catalogue)

    assert _ids(result.for_attribute(event.attributes[0])) == ["T1105", "T1071.004"]
    assert _ids(result.for_attribute(event.attributes[1])) == ["T1105"]
    assert _ids(result.own_and_object(event.attributes[0])) == ["T1071.004"]


_GALAXY_TAG_ID = re.compile(
    r'misp-galaxy:mitre-[a-z-]*attack-pattern=\\?"[^"\\]*?- (T\d{4}(?:\.\d{3})?)')


@pytest.mark.parametrize("path", event_params())
def test_every_attack_galaxy_tag_of_a_real_event_becomes_a_mention(catalogue, path):
    raw = require_event(path).read_text(encoding="utf-8")
    expected = {
        (catalogue.current(written) or catalogue.technique(written)).technique_id
        if catalogue.technique(written) else written
        for written in _GALAXY_TAG_ID.findall(raw)
    }

    result = resolve_event(load_event(raw), catalogue)

    assert expected <= {m.technique_id for m in result.all_mentions()}
