"""What every export shares: its options, its result, and the tags it reads from an event."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from misp_attack_pack.events.coerce import to_bool
from misp_attack_pack.events.model import Attribute, Event, Tag
from misp_attack_pack.findings import Finding

TLP_V2 = {
    "white": "clear", "clear": "clear", "green": "green", "amber": "amber",
    "amber+strict": "amber+strict", "amber-strict": "amber+strict", "red": "red",
}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Options a MISP administrator sets per module (``Plugin.Export_<module>_<option>``)."""

    include_non_ids: bool = False
    misp_url: str = ""
    settings: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> "ExportOptions":
        """Read MISP's module config, where every value arrives as a string (or is absent).

        Options only one format understands stay in ``settings``, as strings, for that format
        to read with :meth:`setting` and :meth:`flag`.
        """
        config = config or {}
        return cls(
            include_non_ids=to_bool(config.get("include_non_ids")),
            misp_url=str(config.get("misp_url") or "").strip().rstrip("/"),
            settings=MappingProxyType({
                str(key): "" if value is None else str(value) for key, value in config.items()
            }),
        )

    def setting(self, name: str, default: str = "") -> str:
        value = self.settings.get(name, "").strip()
        return value or default

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.settings.get(name, "").strip()
        return to_bool(value) if value else default

    def event_reference(self, event: Event) -> str:
        if self.misp_url:
            return f"{self.misp_url}/events/view/{event.uuid}"
        return f"urn:misp:event:{event.uuid}"


@dataclass(slots=True)
class ExportResult:
    """The file an export produced, what it left out and why, and how much it exported."""

    content: bytes
    findings: list[Finding] = field(default_factory=list)
    exported: int = 0
    skipped: int = 0
    skipped_by_reason: dict[str, int] = field(default_factory=dict)


def tlp_level(tags: tuple[Tag, ...]) -> str:
    """The TLP 2.0 level named by ``tlp:*`` tags (any case, TLP 1.0 values mapped); ``""``."""
    for tag in tags:
        namespace, predicate, _ = tag.parts()
        if namespace.lower() == "tlp":
            level = TLP_V2.get(predicate.lower())
            if level:
                return level
    return ""


def attribute_tlp(attribute: Attribute, event: Event) -> str:
    """An attribute's own TLP, else the event's: MISP's inheritance rule."""
    return tlp_level(attribute.tags) or tlp_level(event.tags)


def is_detection_candidate(attribute: Attribute, options: ExportOptions) -> bool:
    return attribute.to_ids or options.include_non_ids
