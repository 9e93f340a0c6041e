"""Cyber-observable objects (SCOs) for attributes exported as observations, not indicators.

The SCOs are built from the same comparisons as the patterns, so an observed value and an
indicator agree on what the value is. Only comparisons on plain properties, hashes and simple
references are turned into objects; anything else (extensions, network flows without a known
protocol) is reported as having no observable form.
"""

from __future__ import annotations

import re

from misp_attack_pack.exports.stix21.ids import sco_id
from misp_attack_pack.exports.stix21.patterns import Comparison

_PLAIN = re.compile(r"^[a-z_]+$")
_HASH = re.compile(r"^hashes\.'?([A-Za-z0-9-]+)'?$")
_REFERENCE = re.compile(r"^([a-z_]+_refs?)(\[\*\])?\.value$")
_REGISTRY_VALUE = re.compile(r"^values\[\*\]\.(name|data)$")

_REFERENCED_TYPE = {"from_ref": "email-addr", "to_refs": "email-addr", "cc_refs": "email-addr",
                    "bcc_refs": "email-addr"}
_REQUIRED = {"email-message": {"is_multipart": False}}


def observables(comparisons: list[Comparison]) -> list[dict] | None:
    """The SCOs for one attribute, main object first; ``None`` when there is no SCO form."""
    sco_types = {comparison.sco_type for comparison in comparisons}
    if len(sco_types) != 1:
        return None
    sco_type = sco_types.pop()
    if sco_type == "network-traffic":
        return None

    sco: dict = {"type": sco_type, "spec_version": "2.1", **_REQUIRED.get(sco_type, {})}
    referenced: list[dict] = []
    for comparison in comparisons:
        if not _fill(sco, comparison, referenced):
            return None
    if not _identifiable(sco):
        return referenced or None
    sco["id"] = sco_id(sco)
    return [sco, *referenced]


def _identifiable(sco: dict) -> bool:
    """Whether the SCO can have a deterministic id, and its value is what its type says.

    An email message seen only through its recipients has no ID-contributing property, and
    STIX then asks for a random id; the addresses alone are exported instead. A ``url`` must
    be an absolute URL, which MISP ``uri`` values and bare host names are not.
    """
    if sco["type"] == "email-message":
        return any(name in sco for name in ("from_ref", "subject", "body"))
    if sco["type"] == "url":
        return "://" in sco.get("value", "")
    return True


def _fill(sco: dict, comparison: Comparison, referenced: list[dict]) -> bool:
    path, value = comparison.path, comparison.value
    hash_match = _HASH.match(path)
    reference = _REFERENCE.match(path)
    registry_value = _REGISTRY_VALUE.match(path)
    if _PLAIN.match(path):
        sco[path] = value
    elif hash_match:
        sco.setdefault("hashes", {})[hash_match.group(1)] = value
    elif reference and isinstance(value, str):
        target = _referenced(reference.group(1), value)
        referenced.append(target)
        if reference.group(2):
            sco.setdefault(reference.group(1), []).append(target["id"])
        else:
            sco[reference.group(1)] = target["id"]
    elif registry_value:
        values = sco.setdefault("values", [{}])
        values[0][registry_value.group(1)] = value
    else:
        return False
    return True


def _referenced(property_name: str, value: str) -> dict:
    sco_type = _REFERENCED_TYPE.get(property_name) or (
        "ipv6-addr" if ":" in value else "ipv4-addr")
    target = {"type": sco_type, "spec_version": "2.1", "value": value}
    target["id"] = sco_id(target)
    return target
