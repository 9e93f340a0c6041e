"""Conditions and traffic written as rule text, for Suricata 7 and for Snort 2.9.

Suricata gets its sticky buffers (``dns.query``, ``http.host``, ``tls.sni``, ``ja3.hash``) with
``dotprefix``/``startswith``/``endswith`` for exact matches. Snort 2.9 has none of those, so
the same conditions are written against the wire format: DNS names as length-prefixed labels,
SNI with its length, headers with their CRLF; JA3 and certificate fingerprints cannot be
expressed there and raise :class:`NotExpressible`.
"""

from __future__ import annotations

from dataclasses import dataclass

from misp_attack_pack.exports.suricata.content import content, content_length
from misp_attack_pack.exports.suricata.draft import Condition, Match, Network, RuleDraft

SURICATA = "suricata"
SNORT = "snort"
FLAVOURS = (SURICATA, SNORT)

# After a path: either the query string starts or the URI ends.
_PATH_END = 'pcre:"/^(?:\\?|$)/R";'
_TO_CLIENT = {Match.JA3S, Match.CERT_SHA1}


class NotExpressible(ValueError):
    """The flavour has no way to write this condition; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class RenderedRule:
    """A rule's header and match options; ``key`` is what its sid is derived from."""

    key: str
    header: str
    options: str


def render(draft: RuleDraft, flavour: str) -> list[RenderedRule]:
    if flavour == SNORT:
        return _snort(draft)
    return [RenderedRule(draft.key, _header(draft, draft.protocol), _suricata_options(draft))]


def _header(draft: RuleDraft, protocol: str, destination_ports: tuple[int, ...] | None = None
            ) -> str:
    ports = draft.destination_ports if destination_ports is None else destination_ports
    return (f"{protocol} {_addresses(draft.source)} {_ports(draft.source_ports)} -> "
            f"{_addresses(draft.destination)} {_ports(ports)}")


def _addresses(networks: tuple[Network, ...]) -> str:
    if not networks:
        return "any"
    texts = [str(net.network_address) if net.num_addresses == 1 else str(net)
             for net in networks]
    if len(texts) == 1 and networks[0].version == 4:
        return texts[0]
    return f"[{','.join(texts)}]"


def _ports(ports: tuple[int, ...]) -> str:
    if not ports:
        return "any"
    return str(ports[0]) if len(ports) == 1 else f"[{','.join(str(p) for p in ports)}]"


def _flow(draft: RuleDraft) -> str:
    if draft.protocol in ("ip", "tcp", "udp", "dns"):
        return ""
    if any(condition.match in _TO_CLIENT for condition in draft.conditions):
        return "flow:established,to_client;"
    return "flow:established,to_server;"


def _suricata_options(draft: RuleDraft) -> str:
    options = [_flow(draft)]
    has_query = any(c.match is Match.HTTP_QUERY for c in draft.conditions)
    for condition in draft.conditions:
        options.append(_suricata_condition(condition, has_query))
    return " ".join(option for option in options if option)


def _suricata_condition(condition: Condition, has_query: bool) -> str:
    value = condition.value
    match condition.match:
        case Match.DNS_DOMAIN:
            return f'dns.query; dotprefix; content:".{content(value)}"; nocase; endswith;'
        case Match.DNS_DOMAINS:
            names = "|".join(name.replace(".", "\\.") for name in condition.values)
            return f'dns.query; pcre:"/(?:^|\\.)(?:{names})$/i";'
        case Match.HTTP_HOST:
            return f'http.host; content:"{content(value)}"; startswith; endswith;'
        case Match.HTTP_PATH:
            buffer = "http.uri.raw" if "%" in value else "http.uri"
            if has_query:
                return f'{buffer}; content:"{content(value + "?")}"; startswith;'
            return f'{buffer}; content:"{content(value)}"; startswith; {_PATH_END}'
        case Match.HTTP_QUERY:
            return f'http.uri.raw; content:"{content("?" + value)}"; endswith;'
        case Match.USER_AGENT:
            return f'http.user_agent; content:"{content(value)}"; startswith; endswith;'
        case Match.TLS_SNI:
            return f'tls.sni; content:"{content(value)}"; nocase; startswith; endswith;'
        case Match.TLS_SNI_DOMAIN:
            return f'tls.sni; dotprefix; content:".{content(value)}"; nocase; endswith;'
        case Match.JA3:
            return f'ja3.hash; content:"{value}";'
        case Match.JA3S:
            return f'ja3s.hash; content:"{value}";'
        case Match.CERT_SHA1:
            pairs = ":".join(value[i:i + 2] for i in range(0, len(value), 2))
            return f'tls.cert_fingerprint; content:"{content(pairs)}";'
        case Match.MAIL_FROM | Match.RCPT_TO:
            return _envelope(condition)
        case Match.MAIL_SUBJECT:
            return _subject(value)
    raise NotExpressible(f"no Suricata form for {condition.match.value}")


def _envelope(condition: Condition) -> str:
    """``MAIL FROM:<a@b>`` or ``RCPT TO:<a@b>``, allowing the one space some clients add."""
    verb = "MAIL FROM:" if condition.match is Match.MAIL_FROM else "RCPT TO:"
    address = f"<{condition.value}>"
    return (f'content:"{content(verb)}"; nocase; content:"{content(address)}"; nocase; '
            f'distance:0; within:{content_length(address) + 1};')


def _subject(subject: str) -> str:
    line = f"{subject}\r\n"
    return (f'content:"{content(chr(13) + chr(10) + "Subject:")}"; nocase; '
            f'content:"{content(line)}"; distance:0; within:{content_length(line) + 1};')


def _snort(draft: RuleDraft) -> list[RenderedRule]:
    if draft.protocol == "ip":
        return _snort_ip(draft)
    if draft.protocol == "dns" and draft.conditions[0].match is Match.DNS_DOMAINS:
        return [
            RenderedRule(f"{draft.key}/{index}" if index else draft.key,
                         _header(draft, "udp", (53,)), _snort_dns(name))
            for index, name in enumerate(draft.conditions[0].values)
        ]
    protocol, ports = ("udp", (53,)) if draft.protocol == "dns" else ("tcp", None)
    options = [_flow(draft)] + [_snort_condition(condition) for condition in draft.conditions]
    return [RenderedRule(draft.key, _header(draft, protocol, ports),
                         " ".join(option for option in options if option))]


def _snort_ip(draft: RuleDraft) -> list[RenderedRule]:
    """Snort 2.9 ignores ports on ``ip`` rules, so a port makes a TCP and a UDP rule."""
    if not (draft.source_ports or draft.destination_ports):
        return [RenderedRule(draft.key, _header(draft, "ip"), "")]
    return [RenderedRule(draft.key, _header(draft, "tcp"), ""),
            RenderedRule(f"{draft.key}/udp", _header(draft, "udp"), "")]


def _snort_condition(condition: Condition) -> str:
    value = condition.value
    match condition.match:
        case Match.DNS_DOMAIN:
            return _snort_dns(value)
        case Match.HTTP_HOST:
            line = f"Host: {value}\r\n"
            return f'content:"{content(line)}"; http_header; nocase;'
        case Match.HTTP_PATH:
            return (f'content:"{content(value)}"; http_raw_uri; depth:{content_length(value)}; '
                    f'pcre:"/^{_pcre_literal(value)}(?:\\?|$)/I";')
        case Match.HTTP_QUERY:
            return f'content:"{content("?" + value)}"; http_raw_uri; isdataat:!1,relative;'
        case Match.USER_AGENT:
            line = f"User-Agent: {value}\r\n"
            return f'content:"{content(line)}"; http_header;'
        case Match.TLS_SNI | Match.TLS_SNI_DOMAIN:
            return _snort_sni(value)
        case Match.MAIL_FROM | Match.RCPT_TO:
            return _envelope(condition)
        case Match.MAIL_SUBJECT:
            return _subject(value)
    raise NotExpressible(f"Snort 2.9 has no keyword for {condition.match.value}")


def _snort_dns(name: str) -> str:
    """A DNS name as it travels: length-prefixed labels, so ``.evil.test`` never matches
    ``notevil.test``; subdomains still match because their labels precede it."""
    wire = b"".join(bytes([len(label)]) + label.encode("ascii") for label in name.split("."))
    return f'content:"{content(wire + bytes(1))}"; nocase;'


def _snort_sni(name: str) -> str:
    """The server_name entry of a client hello: type 0, two length bytes, the exact name."""
    encoded = name.encode("ascii")
    entry = bytes([0]) + len(encoded).to_bytes(2, "big") + encoded
    return f'content:"|16 03|"; depth:2; content:"{content(entry)}"; nocase; distance:0;'


def _pcre_literal(text: str) -> str:
    """Every byte but ASCII letters and digits as ``\\xHH``: no character means anything."""
    return "".join(chr(byte) if byte < 128 and chr(byte).isalnum() else f"\\x{byte:02x}"
                   for byte in text.encode("utf-8"))
