"""Suricata export: one rule per indicator with exact matching, ATT&CK metadata, stable sids."""

from misp_attack_pack.exports.suricata.export import export_suricata

__all__ = ["export_suricata"]
