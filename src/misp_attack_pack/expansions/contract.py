"""Expansion modules as misp-modules serves them to MISP in the ``misp_standard`` format.

MISP POSTs ``{"module", "attribute": {the full attribute}, "event_id", "config"}`` and shows
the ``{"results": {"Attribute", "Object", "Tag"}}`` answer as a preview the analyst accepts or
drops. Returned objects reference the input attribute by its uuid, and the input attribute is
echoed back with the tags the module adds, so MISP can attach them to it. A problem with the
request or the value becomes ``{"error": "<field>: <reason>"}``, which MISP shows verbatim.

Module files under ``modules/expansion/`` only forward to an :class:`ExpansionModule`.
"""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable

import orjson

from misp_attack_pack import __version__
from misp_attack_pack.attack.catalogue import Catalogue
from misp_attack_pack.attack.sources import CatalogueSourceError, load_catalogue
from misp_attack_pack.errors import FieldError

LOG = logging.getLogger(__name__)

# MISP's "inherit" distribution: returned data takes the event's distribution.
INHERIT_DISTRIBUTION = "5"


class ExpansionError(FieldError):
    """A request or attribute value the module cannot expand; ``field`` says which part."""


@dataclass(frozen=True, slots=True)
class InputAttribute:
    """The attribute MISP asks to expand, reduced to what an expansion reads."""

    uuid: str
    type: str
    value: str
    category: str = ""
    tags: tuple[str, ...] = ()

    @classmethod
    def from_request(cls, raw: Any, accepted_types: tuple[str, ...]) -> "InputAttribute":
        """Check the ``attribute`` member of a request; raise :class:`ExpansionError`."""
        if not isinstance(raw, dict):
            raise ExpansionError("attribute", "missing or not an object; MISP sends the full "
                                              "attribute to expand in 'attribute'")
        attribute_type = str(raw.get("type") or "").strip()
        if attribute_type not in accepted_types:
            raise ExpansionError("attribute.type", f"{attribute_type or 'missing'!r} is not "
                                 f"accepted; expected one of {', '.join(accepted_types)}")
        value = raw.get("value")
        if not isinstance(value, str) or not value.strip():
            raise ExpansionError("attribute.value", "empty; there is nothing to expand")
        attribute_uuid = str(raw.get("uuid") or "").strip()
        if not attribute_uuid:
            raise ExpansionError("attribute.uuid", "missing; MISP sends the attribute's uuid so "
                                                   "results can reference it")
        return cls(uuid=attribute_uuid, type=attribute_type, value=value,
                   category=str(raw.get("category") or ""), tags=_tag_names(raw.get("Tag")))


@dataclass(slots=True)
class Expansion:
    """What a module found: attributes, objects and tags for MISP's results preview."""

    attributes: list[dict] = field(default_factory=list)
    objects: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def results(self) -> dict[str, Any]:
        tags = [{"name": name} for name in dict.fromkeys(self.tags)]
        return {"results": {"Attribute": self.attributes, "Object": self.objects, "Tag": tags}}


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """How a module presents itself to MISP (``introspection()`` and ``version()``)."""

    name: str
    description: str
    module_types: tuple[str, ...]
    input_types: tuple[str, ...]
    output_types: tuple[str, ...]
    config_options: tuple[str, ...]
    input_text: str
    output_text: str
    references: tuple[str, ...] = ()


ExpandFunction = Callable[[InputAttribute, dict[str, str]], Expansion]


class ExpansionModule:
    """One expansion wrapped in the functions misp-modules expects of a module file."""

    def __init__(self, info: ModuleInfo, expand: ExpandFunction) -> None:
        self.info = info
        self._expand = expand

    def config_options(self) -> list[str]:
        """Option names MISP turns into ``Plugin.Enrichment_<module>_<option>`` settings."""
        return list(self.info.config_options)

    def introspection(self) -> dict[str, Any]:
        return {"input": list(self.info.input_types), "output": list(self.info.output_types),
                "format": "misp_standard"}

    def version(self) -> dict[str, Any]:
        return {
            "version": __version__,
            "author": "misp-attack-pack",
            "description": self.info.description,
            "module-type": list(self.info.module_types),
            "name": self.info.name,
            "config": self.config_options(),
            "requirements": ["misp-attack-pack"],
            "features": self.info.description,
            "references": list(self.info.references),
            "input": self.info.input_text,
            "output": self.info.output_text,
            "logo": "",
        }

    def handler(self, q: bytes | str | bool = False) -> dict[str, Any]:
        """The raw-body entry point misp-modules falls back to."""
        if not q:
            return {"error": "request: empty; expected {\"module\", \"attribute\", \"config\"}"}
        try:
            request = orjson.loads(q)
        except orjson.JSONDecodeError as error:
            return {"error": f"request: not JSON ({error})"}
        return self.dict_handler(request)

    def dict_handler(self, request: Any = None) -> dict[str, Any]:
        """Answer a decoded request; never raises, so misp-modules never falls back."""
        try:
            return self._answer(request)
        except ExpansionError as error:
            LOG.info("%s: %s", self.info.name, error)
            return {"error": str(error)}
        except Exception:
            LOG.exception("%s failed on a request", self.info.name)
            return {"error": f"{self.info.name} failed; see the module server log"}

    def _answer(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict):
            raise ExpansionError("request", "expected a JSON object with module, attribute and "
                                            "config")
        attribute = InputAttribute.from_request(request.get("attribute"), self.info.input_types)
        config = config_values(request.get("config"))
        expansion = self._expand(attribute, config)
        LOG.info("%s: attribute %s expanded into %d attributes, %d objects, %d tags",
                 self.info.name, attribute.uuid, len(expansion.attributes),
                 len(expansion.objects), len(expansion.tags))
        return expansion.results()


def config_values(raw: Any) -> dict[str, str]:
    """MISP sends each setting as a string, or not at all when the admin left it empty."""
    if not isinstance(raw, dict):
        return {}
    return {str(name): str(value).strip() for name, value in raw.items()
            if value is not None and str(value).strip()}


def catalogue_for(config: dict[str, str]) -> Catalogue:
    """The pack's catalogue, overlaid with the file named by the ``attack_catalogue`` option."""
    path = config.get("attack_catalogue", "")
    try:
        return load_catalogue((path,) if path else ())
    except CatalogueSourceError as error:
        raise ExpansionError("config.attack_catalogue", str(error)) from None


def echoed_attribute(attribute: InputAttribute, tags: list[str]) -> dict[str, Any]:
    """The input attribute as MISP knows it, carrying the tags the module adds to it."""
    echoed: dict[str, Any] = {"uuid": attribute.uuid, "type": attribute.type,
                              "value": attribute.value}
    if attribute.category:
        echoed["category"] = attribute.category
    echoed["Tag"] = [{"name": name} for name in dict.fromkeys(tags)]
    return echoed


def text_attribute(value: str, comment: str, category: str = "") -> dict[str, Any]:
    """A new ``text`` attribute: never an IDS indicator, never correlated."""
    return {
        "uuid": str(uuid.uuid4()),
        "type": "text",
        "category": category or default_category("text"),
        "value": value,
        "comment": comment,
        "to_ids": False,
        "disable_correlation": True,
        "distribution": INHERIT_DISTRIBUTION,
    }


class MispObjectDraft:
    """A MISP object built against its misp-objects template.

    Only relations the template defines are accepted, each with the attribute type the template
    gives it, so MISP's template check (when it runs) and misp-stix both read the object right.
    """

    def __init__(self, template_name: str, comment: str = "") -> None:
        self.template = object_template(template_name)
        self.comment = comment
        self.uuid = str(uuid.uuid4())
        self._attributes: list[dict[str, Any]] = []
        self._references: list[dict[str, str]] = []

    def add(self, relation: str, value: str, comment: str = "") -> None:
        definition = self.template["attributes"].get(relation)
        if definition is None:
            raise ValueError(f"the {self.template['name']} template has no {relation!r} relation")
        attribute_type = definition["misp-attribute"]
        self._attributes.append({
            "uuid": str(uuid.uuid4()),
            "object_relation": relation,
            "type": attribute_type,
            "category": default_category(attribute_type),
            "value": value,
            "comment": comment,
            "to_ids": False,
            "disable_correlation": bool(definition.get("disable_correlation", False)),
            "distribution": INHERIT_DISTRIBUTION,
        })

    def reference(self, referenced_uuid: str, relationship_type: str) -> None:
        self._references.append({"referenced_uuid": referenced_uuid,
                                 "relationship_type": relationship_type})

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.template["name"],
            "meta-category": self.template["meta-category"],
            "description": self.template["description"],
            "template_uuid": self.template["uuid"],
            "template_version": str(self.template["version"]),
            "uuid": self.uuid,
            "comment": self.comment,
            "distribution": INHERIT_DISTRIBUTION,
            "Attribute": list(self._attributes),
            "ObjectReference": list(self._references),
        }


@functools.lru_cache(maxsize=8)
def object_template(name: str) -> dict[str, Any]:
    """A misp-objects template as shipped in the installed PyMISP."""
    path = resources.files("pymisp").joinpath("data", "misp-objects", "objects", name,
                                              "definition.json")
    return orjson.loads(path.read_bytes())


def default_category(attribute_type: str) -> str:
    return _describe_types()["sane_defaults"].get(attribute_type, {}).get(
        "default_category", "Other")


@functools.lru_cache(maxsize=1)
def _describe_types() -> dict[str, Any]:
    path = resources.files("pymisp").joinpath("data", "describeTypes.json")
    return orjson.loads(path.read_bytes())["result"]


def _tag_names(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    names = (item.get("name") if isinstance(item, dict) else None for item in raw)
    return tuple(name for name in names if isinstance(name, str) and name)
