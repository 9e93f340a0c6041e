"""Collect an event's indicators per log source and turn each collection into a detection.

A :class:`RuleDraft` gathers canonical values per log source; ``detection()`` turns them into
named selections joined by ``1 of selection_*``. Values are deduplicated and keep the order in
which the event lists them, so a re-export produces the same rule text.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from misp_attack_pack.attack.resolve import TechniqueMention
from misp_attack_pack.events.model import Attribute
from misp_attack_pack.exports import indicators
from misp_attack_pack.exports.sigma.logsources import (
    DNS,
    FILE,
    NETWORK,
    PROCESS,
    PROXY,
    SYSMON_HASH_NAMES,
    LogSource,
)
from misp_attack_pack.exports.sigma.values import SigmaMatch, literal

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(slots=True)
class RuleDraft:
    """Canonical indicator values for one log source of one event, before rendering."""

    logsource: LogSource
    values: dict[str, dict] = field(default_factory=dict)
    techniques: dict[str, TechniqueMention] = field(default_factory=dict)
    tlp_levels: set[str] = field(default_factory=set)

    def add(self, bucket: str, value, attribute: Attribute) -> None:
        self.values.setdefault(bucket, {})[value] = None

    def add_techniques(self, mentions: tuple[TechniqueMention, ...]) -> None:
        for mention in mentions:
            if mention.technique is not None:
                self.techniques.setdefault(mention.technique.technique_id, mention)

    def indicator_count(self) -> int:
        return sum(len(values) for values in self.values.values())

    def detection(self) -> dict:
        builder = _DETECTIONS[self.logsource.key]
        selections = builder(self.values)
        detection: dict = {name: items for name, items in selections if items}
        only = next(iter(detection))
        detection["condition"] = "1 of selection_*" if len(detection) > 1 else only
        return detection


def _items(matches: list[SigmaMatch]) -> dict:
    """Detection items from matches, grouping values that share a field and modifier.

    Sigma compares strings without regard to case, so values equal but for case are one value.
    """
    grouped: dict[str, dict] = {}
    for match in matches:
        folded = match.value.casefold() if isinstance(match.value, str) else match.value
        grouped.setdefault(match.key, {}).setdefault(folded, match.value)
    return {key: _one_or_list(list(values.values())) for key, values in grouped.items()}


def _one_or_list(values: list):
    return values[0] if len(values) == 1 else values


def _list_selections(prefix: str, matches: list[SigmaMatch]) -> list[tuple[str, dict]]:
    """One selection per field|modifier so that values in a list are OR-ed, never AND-ed."""
    by_key: dict[str, list[SigmaMatch]] = {}
    for match in matches:
        by_key.setdefault(match.key, []).append(match)
    return [
        (f"{prefix}_{index}" if len(by_key) > 1 else prefix, _items(group))
        for index, group in enumerate(by_key.values(), start=1)
    ]


def _network_detection(values: dict[str, dict]) -> list[tuple[str, dict]]:
    selections = []
    for direction, field_name, port_field in (("dst", "DestinationIp", "DestinationPort"),
                                              ("src", "SourceIp", "SourcePort")):
        networks = list(values.get(f"{direction}_ip", {}))
        selections += _list_selections(f"selection_{direction}_ip",
                                       [_ip_match(field_name, net) for net in networks])

        by_port: dict[int, list[Network]] = {}
        for network, port in values.get(f"{direction}_ip_port", {}):
            by_port.setdefault(port, []).append(network)
        for port, port_networks in by_port.items():
            for index, (name, items) in enumerate(_list_selections(
                    f"selection_{direction}_ip_port_{port}",
                    [_ip_match(field_name, net) for net in port_networks]), start=1):
                selections.append((name, {**items, "DestinationPort": port}))
    return selections


def _ip_match(field_name: str, network: Network) -> SigmaMatch:
    if indicators.is_single_address(network):
        return SigmaMatch(field_name, "", str(network.network_address))
    return SigmaMatch(field_name, "cidr", str(network))


def _dns_detection(values: dict[str, dict]) -> list[tuple[str, dict]]:
    domains = list(values.get("domain", {}))
    return [
        ("selection_domain", _items([literal("QueryName", domain) for domain in domains])),
        ("selection_subdomain",
         _items([literal("QueryName", f".{domain}", "endswith") for domain in domains])),
    ]


def _proxy_detection(values: dict[str, dict]) -> list[tuple[str, dict]]:
    selections: list[tuple[str, dict]] = []
    hosts = list(values.get("host", {}))
    if hosts:
        selections.append(("selection_host", _items([literal("cs-host", h) for h in hosts])))

    paths_by_host: dict[str, list[str]] = {}
    for host, path in values.get("url", {}):
        paths_by_host.setdefault(host, []).append(path)
    for index, (host, paths) in enumerate(paths_by_host.items(), start=1):
        uri_matches = [literal("c-uri", path, "endswith") for path in paths]
        for name, items in _list_selections(f"selection_url_{index}", uri_matches):
            selections.append((name, {"cs-host": literal("cs-host", host).value, **items}))

    selections += _list_selections(
        "selection_uri", [literal("c-uri", uri, "endswith") for uri in values.get("uri", {})])
    selections += _list_selections(
        "selection_useragent",
        [literal("c-useragent", agent) for agent in values.get("user_agent", {})])
    return selections


def _process_detection(values: dict[str, dict]) -> list[tuple[str, dict]]:
    hashes = [SigmaMatch("Hashes", "contains", f"{SYSMON_HASH_NAMES[kind]}={digest.upper()}")
              for kind, digest in values.get("hash", {})]
    images = [literal("Image", _path_suffix(name), "endswith") for name in values.get("image", {})]
    return _list_selections("selection_hash", hashes) + _list_selections("selection_image", images)


def _file_detection(values: dict[str, dict]) -> list[tuple[str, dict]]:
    names = [literal("TargetFilename", _path_suffix(name), "endswith")
             for name in values.get("filename", {})]
    return _list_selections("selection_filename", names)


def _path_suffix(name: str) -> str:
    r"""A file name as the end of a path: ``evil.exe`` must match ``C:\x\evil.exe`` only."""
    if "\\" in name or "/" in name:
        return name
    return f"\\{name}"


_DETECTIONS = {
    NETWORK.key: _network_detection,
    DNS.key: _dns_detection,
    PROXY.key: _proxy_detection,
    PROCESS.key: _process_detection,
    FILE.key: _file_detection,
}
