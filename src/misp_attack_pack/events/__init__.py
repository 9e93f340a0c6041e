"""Loading and normalising MISP events: the one place raw MISP JSON is read."""

from misp_attack_pack.events.loader import EventFormatError, load_event, load_events
from misp_attack_pack.events.model import (
    Attribute,
    Event,
    GalaxyCluster,
    MispObject,
    ObjectReference,
    Organisation,
    Tag,
)

__all__ = [
    "Attribute", "Event", "EventFormatError", "GalaxyCluster", "MispObject", "ObjectReference",
    "Organisation", "Tag", "load_event", "load_events",
]
