"""What every rule family reads: the event, its ATT&CK mentions, the policy and the step."""

from __future__ import annotations

from dataclasses import dataclass, field

from misp_attack_pack.attack.resolve import EventTechniques
from misp_attack_pack.events.model import Attribute, Event, MispObject, Tag
from misp_attack_pack.validators.policy import Policy


@dataclass(slots=True)
class Context:
    """One validation run. ``step`` is the publication step asked for, ``""`` for none."""

    event: Event
    techniques: EventTechniques
    policy: Policy
    step: str = ""
    objects: dict[str, MispObject] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.objects = self.event.object_by_uuid()

    def object_of(self, attribute: Attribute) -> MispObject | None:
        return self.objects.get(attribute.object_uuid) if attribute.object_uuid else None

    def inherited_tags(self, attribute: Attribute) -> tuple[Tag, ...]:
        """The attribute's own tags, then its object's and the event's when inheritance is on."""
        if not self.policy.inheritance:
            return attribute.tags
        misp_object = self.object_of(attribute)
        object_tags = misp_object.tags if misp_object else ()
        return attribute.tags + object_tags + self.event.tags


def describe(attribute: Attribute, limit: int = 80) -> str:
    """``ip-dst 203.0.113.45``: how an analyst recognises an attribute in a message."""
    value = " ".join(attribute.value.split())
    if len(value) > limit:
        value = value[: limit - 3] + "..."
    relation = attribute.object_relation
    where = f" in object relation {relation}" if relation else ""
    return f"{attribute.type} {value!r}{where}"


def pointer_join(pointer: str, *parts: object) -> str:
    """A JSON pointer with each part escaped as RFC 6901 asks."""
    escaped = [str(part).replace("~", "~0").replace("/", "~1") for part in parts]
    return "/".join([pointer.rstrip("/")] + escaped) if escaped else pointer
