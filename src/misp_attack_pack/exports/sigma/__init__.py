"""Sigma export: MISP indicators grouped by log source into ATT&CK-tagged Sigma rules."""

from misp_attack_pack.exports.sigma.export import export_sigma

__all__ = ["export_sigma"]
