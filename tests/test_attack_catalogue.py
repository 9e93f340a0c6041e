"""The ATT&CK catalogue works offline, follows revocations and resolves old and new tactics."""

from __future__ import annotations

import json

import pytest

from conftest import shared_path
from misp_attack_pack.attack import (
    CatalogueSourceError,
    catalogue_from_file,
    embedded_catalogue,
    load_catalogue,
)


def test_embedded_catalogue_holds_attack_18_1_enterprise():
    catalogue = embedded_catalogue()

    assert len(catalogue.techniques) == 835
    assert sum(t.revoked for t in catalogue.techniques.values()) == 132
    assert sum(t.deprecated for t in catalogue.techniques.values()) == 12


def test_sub_technique_knows_its_parent_and_tactics():
    catalogue = embedded_catalogue()
    powershell = catalogue.technique("t1059.001")

    assert powershell.name == "PowerShell"
    assert powershell.parent_id == "T1059"
    assert powershell.tactics == ("execution",)
    assert catalogue.full_name(powershell) == "Command and Scripting Interpreter: PowerShell"
    assert powershell.url == "https://attack.mitre.org/techniques/T1059/001/"


def test_revoked_technique_resolves_to_its_replacement():
    catalogue = embedded_catalogue()

    assert catalogue.technique("T1086").revoked
    assert catalogue.technique("T1086").replaced_by == "T1059.001"
    assert catalogue.current("T1086").technique_id == "T1059.001"


def test_name_lookup_prefers_the_active_technique():
    catalogue = embedded_catalogue()

    assert catalogue.find_by_name("Pass the Hash").technique_id == "T1550.002"
    assert catalogue.find_by_name("use alternate authentication material: pass the hash") \
        .technique_id == "T1550.002"
    assert catalogue.find_by_name("No Such Technique") is None


@pytest.mark.parametrize("text, shortname, tactic_id", [
    ("defense-evasion", "defense-evasion", "TA0005"),
    ("Defense Evasion", "defense-evasion", "TA0005"),
    ("TA0011", "command-and-control", "TA0011"),
    ("mitre-attack:command-and-control", "command-and-control", "TA0011"),
    ("attack-Windows:stealth", "stealth", ""),
    ("Defense Impairment", "defense-impairment", ""),
])
def test_old_and_new_tactic_names_resolve(text, shortname, tactic_id):
    tactic = embedded_catalogue().tactic(text)

    assert (tactic.shortname, tactic.tactic_id) == (shortname, tactic_id)


def test_defense_evasion_and_its_v19_successors_are_equivalent():
    catalogue = embedded_catalogue()

    assert catalogue.equivalent_tactics("defense-evasion") == ("stealth", "defense-impairment")
    assert catalogue.equivalent_tactics("stealth") == ("defense-evasion",)


def test_misp_galaxy_file_adds_attack_v19():
    galaxy = catalogue_from_file(
        shared_path("attack", "misp-galaxy-cluster-mitre-attack-pattern.json"))
    merged = embedded_catalogue().merged_with(galaxy)

    v19_only = set(galaxy.techniques) - set(embedded_catalogue().techniques)
    assert "T1682" in v19_only
    assert merged.technique("T1682") is not None
    assert merged.technique("T1086").replaced_by == "T1059.001"
    assert "stealth" in {t for tech in galaxy.techniques.values() for t in tech.tactics}
    assert merged.tactic("TA0005").shortname == "defense-evasion"


def test_official_stix_bundle_loads_with_tactic_ids():
    bundle = catalogue_from_file(
        shared_path("attack", "enterprise-attack-techniques-tactics.mitre-cti.stix20.json"))

    assert len(bundle.techniques) == 835
    assert bundle.tactic("command-and-control").tactic_id == "TA0011"
    assert bundle.technique("T1071.001").tactics == ("command-and-control",)


def test_ics_stix_2_1_bundle_loads():
    ics = catalogue_from_file(shared_path("attack", "ics-attack-18.1.stix21.json"))

    assert ics.tactic("inhibit-response-function").tactic_id == "TA0107"
    assert ics.technique("T0800").domain == "ics-attack"


def test_load_catalogue_overlays_sources_from_the_environment(monkeypatch):
    path = shared_path("attack", "misp-galaxy-cluster-mitre-attack-pattern.json")
    monkeypatch.setenv("MISP_ATTACK_PACK_CATALOGUE", str(path))
    load_catalogue.cache_clear()
    try:
        assert load_catalogue().technique("T1682") is not None
    finally:
        monkeypatch.delenv("MISP_ATTACK_PACK_CATALOGUE")
        load_catalogue.cache_clear()


def test_unreadable_source_names_the_file(tmp_path):
    bad = tmp_path / "attack.json"
    bad.write_text(json.dumps({"neither": []}))

    with pytest.raises(CatalogueSourceError, match="attack.json: neither a STIX bundle"):
        catalogue_from_file(bad)


@pytest.mark.parametrize("path", ["/dev/zero", "/nonexistent/attack.json", "/tmp"])
def test_only_regular_files_are_read_as_attack_sources(path):
    with pytest.raises(CatalogueSourceError, match="not a regular file"):
        catalogue_from_file(path)
