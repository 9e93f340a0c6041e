"""STIX 2.1 export: indicators with patterns, linked to ATT&CK attack patterns, TLP 2.0 marked."""

from misp_attack_pack.exports.stix21.export import export_stix21

__all__ = ["export_stix21"]
