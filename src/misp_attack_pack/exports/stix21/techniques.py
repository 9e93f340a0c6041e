"""ATT&CK attack-pattern objects and the ``indicates`` relationships that point at them."""

from __future__ import annotations

from misp_attack_pack.attack.catalogue import ATTACK_URL, Catalogue
from misp_attack_pack.attack.resolve import TechniqueMention
from misp_attack_pack.exports.stix21.ids import derived_id, is_uuid4

KILL_CHAIN = "mitre-attack"


def technique_key(mention: TechniqueMention) -> str:
    """The technique id an attack pattern stands for; ``""`` when the mention names nothing."""
    return mention.technique_id.upper()


def attack_pattern_id(mention: TechniqueMention) -> str:
    """MITRE's own STIX id when the catalogue has it, so bundles merge with ATT&CK data."""
    technique = mention.technique
    if technique and technique.stix_id.startswith("attack-pattern--"):
        if is_uuid4(technique.stix_id.split("--", 1)[1]):
            return technique.stix_id
    return derived_id("attack-pattern", technique_key(mention))


def attack_pattern(mention: TechniqueMention, catalogue: Catalogue, stamp: str,
                   marking_refs: list[str]) -> dict:
    """An attack-pattern SDO; a technique the catalogue does not know keeps its written id.

    ``stamp`` is the same for every export, since the content comes from the catalogue.
    """
    technique = mention.technique
    technique_id = technique_key(mention)
    name = catalogue.full_name(technique) if technique else (mention.written_name
                                                              or technique_id)
    sdo = {
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": attack_pattern_id(mention),
        "created": stamp,
        "modified": stamp,
        "name": name,
        "external_references": [{
            "source_name": KILL_CHAIN,
            "external_id": technique_id,
            "url": technique.url if technique else _url(technique_id),
        }],
    }
    if technique and technique.tactics:
        sdo["kill_chain_phases"] = [
            {"kill_chain_name": KILL_CHAIN, "phase_name": tactic} for tactic in technique.tactics
        ]
    if marking_refs:
        sdo["object_marking_refs"] = marking_refs
    return sdo


def indicates(indicator: dict, target_id: str, created_by_ref: str) -> dict:
    """``indicator --indicates--> attack-pattern``, with an id derived from both ends."""
    relationship = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": derived_id("relationship", f"{indicator['id']}|indicates|{target_id}"),
        "created_by_ref": created_by_ref,
        "created": indicator["created"],
        "modified": indicator["modified"],
        "relationship_type": "indicates",
        "source_ref": indicator["id"],
        "target_ref": target_id,
    }
    if "object_marking_refs" in indicator:
        relationship["object_marking_refs"] = indicator["object_marking_refs"]
    return relationship


def _url(technique_id: str) -> str:
    return f"{ATTACK_URL}techniques/{technique_id.replace('.', '/')}/"
