"""Objects that describe one connection become one rule that combines their fields.

A ``network-connection`` or ``ip-port`` object says "this address, on this port, over this
protocol": written as separate rules per attribute it would fire on any traffic to the address.
Here addresses and ports go into one rule header, the transport from ``layer4-protocol``, and a
destination host name joins the same rule as ``http.host`` or ``tls.sni`` when
``layer7-protocol`` names HTTP or TLS. A ``domain-ip`` object becomes one DNS rule for all of
its names and one rule for all of its addresses: no single rule can see both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from misp_attack_pack.events.model import Attribute, MispObject
from misp_attack_pack.exports import indicators
from misp_attack_pack.exports.indicators import IndicatorError
from misp_attack_pack.exports.suricata.draft import (
    Condition,
    Indicator,
    Match,
    Network,
    RuleDraft,
)
from misp_attack_pack.exports.suricata.templates import domain_drafts, shown_network

COMBINED_OBJECTS = frozenset({"network-connection", "ip-port", "domain-ip"})
_SOURCE_RELATIONS = {"ip-src"}
_DESTINATION_RELATIONS = {"ip-dst", "ip"}
_HOST_RELATIONS = {"hostname-dst", "hostname", "domain"}
_TRANSPORTS = {"tcp": "tcp", "udp": "udp"}
_APPLICATIONS = {"http": "http", "https": "tls", "tls": "tls", "ssl": "tls"}


@dataclass(slots=True)
class ObjectRules:
    """The drafts an object gives, the attributes they used, and the values that were bad."""

    drafts: list[RuleDraft] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    problems: list[tuple[Attribute, str]] = field(default_factory=list)


def object_rules(misp_object: MispObject, candidates: list[Attribute]) -> ObjectRules:
    """Rules for a combined object from its detection candidates (``to_ids`` or opted in)."""
    result = ObjectRules()
    if misp_object.name == "domain-ip":
        _domain_ip(misp_object, candidates, result)
    else:
        _connection(misp_object, candidates, result)
    for draft in result.drafts:
        draft.misp_object = misp_object
    return result


def _connection(misp_object: MispObject, candidates: list[Attribute],
                result: ObjectRules) -> None:
    sources = _networks(candidates, _SOURCE_RELATIONS, result)
    destinations = _networks(candidates, _DESTINATION_RELATIONS, result)
    hosts = _hosts(candidates, result)
    try:
        source_ports = _ports(misp_object, "src-port")
        destination_ports = _ports(misp_object, "dst-port")
    except IndicatorError as error:
        result.problems += [(attribute, str(error)) for attribute, _ in sources + destinations]
        return

    application = _APPLICATIONS.get(_text(misp_object, "layer7-protocol"))
    transport = _TRANSPORTS.get(_text(misp_object, "layer4-protocol"), "ip")
    combined_hosts = hosts if application and len(hosts) == 1 else []
    if sources or destinations or combined_hosts:
        found = tuple(indicator for _, indicator in sources + destinations + combined_hosts)
        conditions = ()
        if combined_hosts:
            match = Match.HTTP_HOST if application == "http" else Match.TLS_SNI
            conditions = (Condition(match, (combined_hosts[0][1].value,)),)
        result.drafts.append(RuleDraft(
            object_key(misp_object), application if combined_hosts else transport,
            _connection_label(misp_object, sources, destinations, combined_hosts,
                              destination_ports),
            found, conditions,
            source=tuple(net for net, _ in _parsed(sources)), source_ports=source_ports,
            destination=tuple(net for net, _ in _parsed(destinations)),
            destination_ports=destination_ports,
        ))
        result.used |= {indicator.attribute.uuid for indicator in found}
    if not combined_hosts:
        for index, (attribute, indicator) in enumerate(hosts):
            _add_domain(result, f"{object_key(misp_object)}/host{index}", indicator)


def _domain_ip(misp_object: MispObject, candidates: list[Attribute],
               result: ObjectRules) -> None:
    hosts = _hosts(candidates, result)
    addresses = _networks(candidates, _DESTINATION_RELATIONS | _SOURCE_RELATIONS, result)
    names = list(dict.fromkeys(indicator.value for _, indicator in hosts))
    if len(names) == 1:
        for draft in domain_drafts(object_key(misp_object), names[0],
                                   tuple(indicator for _, indicator in hosts)):
            result.drafts.append(draft)
    elif names:
        result.drafts.append(RuleDraft(
            object_key(misp_object), "dns", f"DNS query for {', '.join(names)}",
            tuple(indicator for _, indicator in hosts),
            (Condition(Match.DNS_DOMAINS, tuple(names)),)))
    if addresses:
        networks = tuple(dict.fromkeys(net for net, _ in _parsed(addresses)))
        shown = ", ".join(shown_network(net) for net in networks)
        result.drafts.append(RuleDraft(
            f"{object_key(misp_object)}/ip", "ip", f"traffic to {shown}",
            tuple(indicator for _, indicator in addresses), destination=networks))
    result.used |= {attribute.uuid for attribute, _ in hosts + addresses}


def object_key(misp_object: MispObject) -> str:
    return misp_object.uuid or misp_object.pointer


def _add_domain(result: ObjectRules, key: str, indicator: Indicator) -> None:
    result.drafts += domain_drafts(key, indicator.value, (indicator,))
    result.used.add(indicator.attribute.uuid)


def _networks(candidates: list[Attribute], relations: set[str],
              result: ObjectRules) -> list[tuple[Attribute, Indicator]]:
    found = []
    for attribute in candidates:
        if attribute.object_relation not in relations:
            continue
        try:
            network = indicators.ip_or_network(attribute.value)
        except IndicatorError as error:
            result.problems.append((attribute, str(error)))
            continue
        if network.prefixlen == 0:
            result.problems.append((attribute, f"{attribute.value!r} covers every address"))
            continue
        kind = "ip-src" if attribute.object_relation in _SOURCE_RELATIONS else "ip-dst"
        found.append((attribute, Indicator(attribute, kind, shown_network(network))))
    return found


def _parsed(pairs: list[tuple[Attribute, Indicator]]) -> list[tuple[Network, Attribute]]:
    return [(indicators.ip_or_network(indicator.value), attribute)
            for attribute, indicator in pairs]


def _hosts(candidates: list[Attribute], result: ObjectRules) -> list[tuple[Attribute, Indicator]]:
    found = []
    for attribute in candidates:
        if attribute.object_relation not in _HOST_RELATIONS:
            continue
        try:
            name = indicators.hostname(attribute.value)
        except IndicatorError as error:
            result.problems.append((attribute, str(error)))
            continue
        found.append((attribute, Indicator(attribute, "domain", name)))
    return found


def _ports(misp_object: MispObject, relation: str) -> tuple[int, ...]:
    return tuple(dict.fromkeys(indicators.port_number(value)
                               for value in misp_object.values_of(relation)))


def _text(misp_object: MispObject, relation: str) -> str:
    values = misp_object.values_of(relation)
    return values[0].strip().lower() if values else ""


def _connection_label(misp_object: MispObject, sources, destinations, hosts,
                      destination_ports: tuple[int, ...]) -> str:
    where = ", ".join([indicator.value for _, indicator in hosts]
                      + [indicator.value for _, indicator in destinations]) or "any"
    if destination_ports:
        where += f" port {', '.join(str(port) for port in destination_ports)}"
    origin = ", ".join(indicator.value for _, indicator in sources)
    return f"{misp_object.name} {'from ' + origin + ' ' if origin else ''}to {where}"
