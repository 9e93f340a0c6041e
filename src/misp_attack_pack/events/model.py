"""The normalised MISP event every export and validator reads.

MISP hands events over in several shapes (core format, raw fetch, feeds, restSearch); the
loader turns all of them into these records once, with numbers as ``int``, booleans as
``bool`` and tags and galaxy clusters attached where they were found. Records keep the JSON
pointer of their source so a finding can point an analyst at the element in the input.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Iterator

_TAG_PARTS = re.compile(r'^(?P<namespace>[^:="]+):(?P<predicate>[^=]*?)(?:="(?P<value>.*)")?$')


@dataclass(frozen=True, slots=True)
class Tag:
    """A MISP tag. ``namespace:predicate="value"`` is parsed once, lazily by the properties."""

    name: str
    local: bool = False

    def parts(self) -> tuple[str, str, str]:
        """Return ``(namespace, predicate, value)``; a tag without a colon has only a predicate."""
        return _split_tag(self.name)

    @property
    def namespace(self) -> str:
        return self.parts()[0].lower()


@functools.lru_cache(maxsize=8192)
def _split_tag(name: str) -> tuple[str, str, str]:
    """Tag names repeat across attributes, so each distinct name is parsed once."""
    match = _TAG_PARTS.match(name.strip())
    if match is None:
        return "", name.strip(), ""
    return (
        match.group("namespace").strip(),
        match.group("predicate").strip(),
        (match.group("value") or "").strip(),
    )


@dataclass(frozen=True, slots=True)
class GalaxyCluster:
    """A galaxy cluster attached to an event or attribute, reduced to what ATT&CK needs."""

    galaxy_type: str
    value: str
    tag_name: str
    uuid: str
    external_ids: tuple[str, ...] = ()
    kill_chain: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class ObjectReference:
    """A link from one object to another object or attribute, by uuid."""

    referenced_uuid: str
    relationship_type: str
    comment: str = ""


@dataclass(slots=True)
class Attribute:
    """One MISP attribute, top-level or inside an object.

    ``object_uuid`` and ``object_relation`` are set for attributes nested in an object;
    ``pointer`` is where the attribute sits in the received JSON.
    """

    uuid: str
    type: str
    category: str
    value: str
    to_ids: bool
    pointer: str
    comment: str = ""
    timestamp: int = 0
    distribution: int = 5
    sharing_group_id: int = 0
    object_uuid: str = ""
    object_relation: str = ""
    first_seen: str = ""
    last_seen: str = ""
    tags: tuple[Tag, ...] = ()
    galaxies: tuple[GalaxyCluster, ...] = ()

    @property
    def is_composite(self) -> bool:
        """MISP composite types (``domain|ip``) hold two values separated by ``|``."""
        return "|" in self.type

    def value_parts(self) -> tuple[str, str]:
        """Split a composite value; the second part is empty for plain types."""
        if not self.is_composite:
            return self.value, ""
        left, _, right = self.value.partition("|")
        return left, right


@dataclass(slots=True)
class MispObject:
    """A MISP object: a template name and the attributes that fill its relations."""

    uuid: str
    name: str
    pointer: str
    meta_category: str = ""
    template_uuid: str = ""
    template_version: str = ""
    comment: str = ""
    distribution: int = 5
    timestamp: int = 0
    attributes: list[Attribute] = field(default_factory=list)
    references: list[ObjectReference] = field(default_factory=list)
    tags: tuple[Tag, ...] = ()

    def values_of(self, relation: str) -> list[str]:
        """All values filled in for one object relation, in input order."""
        return [attr.value for attr in self.attributes if attr.object_relation == relation]


@dataclass(slots=True)
class Organisation:
    name: str = ""
    uuid: str = ""


@dataclass(slots=True)
class Event:
    """A MISP event with its attributes, objects, tags and galaxy clusters normalised."""

    uuid: str
    info: str
    pointer: str = "/Event"
    date: str = ""
    threat_level_id: int = 4
    analysis: int = 0
    distribution: int = 0
    sharing_group_id: int = 0
    published: bool = False
    timestamp: int = 0
    publish_timestamp: int = 0
    orgc: Organisation = field(default_factory=Organisation)
    org: Organisation = field(default_factory=Organisation)
    tags: tuple[Tag, ...] = ()
    galaxies: tuple[GalaxyCluster, ...] = ()
    attributes: list[Attribute] = field(default_factory=list)
    objects: list[MispObject] = field(default_factory=list)
    load_findings: list = field(default_factory=list)
    source: dict = field(default_factory=dict, repr=False)

    def all_attributes(self) -> Iterator[Attribute]:
        """Top-level attributes first, then those of each object, in input order."""
        yield from self.attributes
        for misp_object in self.objects:
            yield from misp_object.attributes

    def object_by_uuid(self) -> dict[str, MispObject]:
        return {misp_object.uuid: misp_object for misp_object in self.objects}

    def attribute_count(self) -> int:
        return len(self.attributes) + sum(len(obj.attributes) for obj in self.objects)
