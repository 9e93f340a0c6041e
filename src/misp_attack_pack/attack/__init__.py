"""The ATT&CK catalogue and the resolution of ATT&CK mentions in MISP events."""

from misp_attack_pack.attack.catalogue import Catalogue, Tactic, Technique
from misp_attack_pack.attack.resolve import EventTechniques, TechniqueMention, resolve_event
from misp_attack_pack.attack.sources import (
    CatalogueSourceError,
    catalogue_from_file,
    embedded_catalogue,
    load_catalogue,
)

__all__ = [
    "Catalogue", "CatalogueSourceError", "EventTechniques", "Tactic", "Technique",
    "TechniqueMention", "catalogue_from_file", "embedded_catalogue", "load_catalogue",
    "resolve_event",
]
