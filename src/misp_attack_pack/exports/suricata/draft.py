"""A rule before it is written: what it matches, on which traffic, and which indicators it is.

Templates describe the match as :class:`Condition` records (a DNS query for a domain, an exact
TLS SNI...) so that one template serves both the Suricata 7 and the Snort 2.9 flavour; only the
flavours know keywords.
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass

from misp_attack_pack.events.model import Attribute, MispObject

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Match(str, enum.Enum):
    """What a condition compares, and how."""

    DNS_DOMAIN = "dns-domain"          # the domain or any subdomain, in a DNS query
    DNS_DOMAINS = "dns-domains"        # any of several domains or their subdomains
    HTTP_HOST = "http-host"            # exactly this Host header (port excluded)
    HTTP_PATH = "http-path"            # exactly this path, before any query string
    HTTP_QUERY = "http-query"          # exactly this query string, after the path
    USER_AGENT = "user-agent"          # exactly this User-Agent header
    TLS_SNI = "tls-sni"                # exactly this server name
    TLS_SNI_DOMAIN = "tls-sni-domain"  # the domain or any subdomain, as server name
    JA3 = "ja3"                        # client hello fingerprint
    JA3S = "ja3s"                      # server hello fingerprint
    CERT_SHA1 = "cert-sha1"            # SHA-1 of the server certificate
    MAIL_FROM = "mail-from"            # SMTP envelope sender
    RCPT_TO = "rcpt-to"                # SMTP envelope recipient
    MAIL_SUBJECT = "mail-subject"      # Subject header of a message sent over SMTP


@dataclass(frozen=True, slots=True)
class Condition:
    match: Match
    values: tuple[str, ...]

    @property
    def value(self) -> str:
        return self.values[0]


@dataclass(frozen=True, slots=True)
class Indicator:
    """One canonical value a rule matches on, with the attribute it came from.

    ``kind`` is the MISP type the value is checked as against warninglists.
    """

    attribute: Attribute
    kind: str
    value: str


@dataclass(slots=True)
class RuleDraft:
    """A rule's traffic, conditions and provenance; sid, rev and metadata come later.

    ``key`` identifies the rule across exports (attribute or object uuid, plus a variant
    suffix when one indicator yields several rules) and is what the sid is derived from.
    ``protocol`` is ``ip``, ``tcp``, ``udp`` or an application layer (``dns``, ``http``,
    ``tls``, ``smtp``).
    """

    key: str
    protocol: str
    label: str
    indicators: tuple[Indicator, ...]
    conditions: tuple[Condition, ...] = ()
    source: tuple[Network, ...] = ()
    source_ports: tuple[int, ...] = ()
    destination: tuple[Network, ...] = ()
    destination_ports: tuple[int, ...] = ()
    misp_object: MispObject | None = None
    classtype: str = "trojan-activity"

    @property
    def attributes(self) -> tuple[Attribute, ...]:
        unique: dict[int, Attribute] = {}
        for indicator in self.indicators:
            unique.setdefault(id(indicator.attribute), indicator.attribute)
        return tuple(unique.values())

    @property
    def timestamp(self) -> int:
        stamps = [attribute.timestamp for attribute in self.attributes]
        if self.misp_object is not None:
            stamps.append(self.misp_object.timestamp)
        return max(stamps, default=0)

    def signature(self) -> tuple:
        """What the rule matches, without provenance: two drafts alike are one rule."""
        return (self.protocol, self.conditions, self.source, self.source_ports,
                self.destination, self.destination_ports)
