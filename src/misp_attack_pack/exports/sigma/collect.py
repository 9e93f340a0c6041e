"""Route each indicator of an event to the rule draft of its Sigma log source.

Invalid values are skipped with a finding that names the attribute and the reason; attribute
types that Sigma has no log source for are counted by type. Objects that describe one network
flow (``network-connection``, ``ip-port``) pair their addresses with their ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from misp_attack_pack.attack.resolve import EventTechniques
from misp_attack_pack.events.model import Attribute, Event, MispObject
from misp_attack_pack.exports import indicators
from misp_attack_pack.exports.base import ExportOptions, is_detection_candidate, tlp_level
from misp_attack_pack.exports.sigma import logsources as ls
from misp_attack_pack.exports.sigma.detection import RuleDraft
from misp_attack_pack.findings import Finding

FLOW_OBJECTS = {"network-connection", "ip-port"}
_FLOW_ADDRESS = {"ip-dst": "dst", "ip-src": "src", "ip": "dst"}
_FLOW_PORT = {"dst": "dst-port", "src": "src-port"}


@dataclass(slots=True)
class Collection:
    drafts: dict[str, RuleDraft] = field(default_factory=dict)
    sigma_attributes: list[Attribute] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unmapped_types: dict[str, int] = field(default_factory=dict)
    not_for_detection: int = 0
    routed: int = 0


def collect(event: Event, techniques: EventTechniques, options: ExportOptions) -> Collection:
    collection = Collection()
    router = _Router(event, techniques, collection)
    flow_consumed: set[str] = set()

    for misp_object in event.objects:
        if misp_object.name in FLOW_OBJECTS:
            flow_consumed |= router.route_flow_object(misp_object, options)

    for attribute in event.all_attributes():
        if attribute.uuid in flow_consumed and attribute.uuid:
            continue
        if not is_detection_candidate(attribute, options):
            collection.not_for_detection += 1
            continue
        router.route(attribute)
    return collection


class _Router:
    def __init__(self, event: Event, techniques: EventTechniques, collection: Collection) -> None:
        self.event = event
        self.event_tlp = tlp_level(event.tags)
        self.techniques = techniques
        self.collection = collection

    def route(self, attribute: Attribute) -> None:
        kind = attribute.type
        if kind in ls.PASSTHROUGH_TYPES:
            self.collection.sigma_attributes.append(attribute)
            return
        handler = _HANDLERS.get(kind)
        if handler is None:
            unmapped = self.collection.unmapped_types
            unmapped[kind] = unmapped.get(kind, 0) + 1
            return
        try:
            handler(self, attribute)
        except indicators.IndicatorError as error:
            self.skip(attribute, str(error))
            return
        self.collection.routed += 1

    def route_flow_object(self, misp_object: MispObject, options: ExportOptions) -> set[str]:
        """Pair an object's addresses with its ports; returns the attribute uuids it used."""
        used: set[str] = set()
        for address_relation, direction in _FLOW_ADDRESS.items():
            addresses = [a for a in misp_object.attributes
                         if a.object_relation == address_relation
                         and is_detection_candidate(a, options)]
            ports = [a for a in misp_object.attributes
                     if a.object_relation == _FLOW_PORT[direction]]
            if not addresses or not ports:
                continue
            for address in addresses:
                self._add_flow(address, ports, direction)
                used.add(address.uuid)
        return used

    def _add_flow(self, address: Attribute, ports: list[Attribute], direction: str) -> None:
        try:
            network = indicators.ip_or_network(address.value)
            numbers = [indicators.port_number(port.value) for port in ports]
        except indicators.IndicatorError as error:
            self.skip(address, str(error))
            return
        for number in numbers:
            self.draft(ls.NETWORK, address).add(f"{direction}_ip_port", (network, number),
                                                address)
        self.collection.routed += 1

    def draft(self, logsource: ls.LogSource, attribute: Attribute) -> RuleDraft:
        draft = self.collection.drafts.get(logsource.key)
        if draft is None:
            draft = self.collection.drafts[logsource.key] = RuleDraft(logsource)
        draft.add_techniques(self.techniques.own_and_object(attribute))
        level = (tlp_level(attribute.tags) if attribute.tags else "") or self.event_tlp
        if level:
            draft.tlp_levels.add(level)
        return draft

    def skip(self, attribute: Attribute, reason: str) -> None:
        self.collection.findings.append(Finding(
            rule_id="sigma.skipped-indicator",
            message=f"{attribute.type} skipped: {reason}",
            pointer=attribute.pointer,
            uuid=attribute.uuid,
        ))


def _ip(router: _Router, attribute: Attribute) -> None:
    direction = "src" if attribute.type.startswith("ip-src") else "dst"
    address, port = attribute.value_parts()
    network = indicators.ip_or_network(address)
    draft = router.draft(ls.NETWORK, attribute)
    if port:
        draft.add(f"{direction}_ip_port", (network, indicators.port_number(port)), attribute)
    else:
        draft.add(f"{direction}_ip", network, attribute)


def _host(router: _Router, attribute: Attribute) -> None:
    host, second = attribute.value_parts()
    name = indicators.hostname(host)
    if attribute.type == "domain|ip":
        network = indicators.ip_or_network(second)
        router.draft(ls.NETWORK, attribute).add("dst_ip", network, attribute)
    if attribute.type == "hostname|port":
        indicators.port_number(second)
    router.draft(ls.DNS, attribute).add("domain", name, attribute)


def _url(router: _Router, attribute: Attribute) -> None:
    parts = indicators.url_parts(attribute.value)
    draft = router.draft(ls.PROXY, attribute)
    if parts.path_and_query in ("", "/"):
        draft.add("host", parts.host, attribute)
    else:
        draft.add("url", (parts.host, parts.path_and_query), attribute)


def _uri(router: _Router, attribute: Attribute) -> None:
    value = attribute.value.strip()
    if not value:
        raise indicators.IndicatorError("uri is empty")
    router.draft(ls.PROXY, attribute).add("uri", value, attribute)


def _user_agent(router: _Router, attribute: Attribute) -> None:
    value = attribute.value.strip()
    if not value:
        raise indicators.IndicatorError("user-agent is empty")
    router.draft(ls.PROXY, attribute).add("user_agent", value, attribute)


def _hash(router: _Router, attribute: Attribute) -> None:
    kind = attribute.type.split("|")[-1]
    filename, digest = attribute.value_parts() if attribute.is_composite else ("", attribute.value)
    checked = indicators.file_hash(kind, digest)
    if filename:
        _add_filename(router, attribute, filename)
    router.draft(ls.PROCESS, attribute).add("hash", (kind, checked), attribute)


def _filename(router: _Router, attribute: Attribute) -> None:
    _add_filename(router, attribute, attribute.value)


def _add_filename(router: _Router, attribute: Attribute, filename: str) -> None:
    name = filename.strip()
    if not name:
        raise indicators.IndicatorError("file name is empty")
    router.draft(ls.PROCESS, attribute).add("image", name, attribute)
    router.draft(ls.FILE, attribute).add("filename", name, attribute)


_HANDLERS = {
    **{kind: _ip for kind in ls.IP_TYPES},
    **{kind: _host for kind in ls.HOST_TYPES},
    "url": _url,
    "uri": _uri,
    "user-agent": _user_agent,
    **{kind: _hash for kind in ls.HASH_TYPES},
    "filename": _filename,
}
