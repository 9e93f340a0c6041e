"""One rule template per MISP attribute type.

Each template checks and canonicalises the value with :mod:`exports.indicators` and returns
the drafts it stands for; a value that cannot make a valid rule raises ``IndicatorError`` with
the reason, which the collector turns into a finding. A domain becomes a DNS rule and a TLS SNI
rule, both matching the domain and its subdomains but never a longer label; an http URL
matches host, path and query separately and exactly; an https URL matches its exact SNI.
"""

from __future__ import annotations

from typing import Callable

from misp_attack_pack.events.model import Attribute
from misp_attack_pack.exports import indicators
from misp_attack_pack.exports.indicators import IndicatorError
from misp_attack_pack.exports.suricata.draft import (
    Condition,
    Indicator,
    Match,
    Network,
    RuleDraft,
)

EMAIL_CLASSTYPE = "social-engineering"
_HTTP_SCHEMES = {"http", ""}
_TLS_SCHEMES = {"https"}
_LOOSE_SCHEMES = {"smb", "ftp", "ftps", "ws", "wss", "tcp", "udp", "hxxp", "hxxps"}

Template = Callable[[Attribute], list[RuleDraft]]


def drafts_for(attribute: Attribute) -> list[RuleDraft] | None:
    """The drafts for one attribute; ``None`` when its type has no Suricata template."""
    template = TEMPLATES.get(attribute.type)
    return template(attribute) if template else None


def rule_key(attribute: Attribute) -> str:
    """What the sid is derived from: the uuid, or where the attribute sits when it has none."""
    return attribute.uuid or attribute.pointer


def _ip(attribute: Attribute) -> list[RuleDraft]:
    address, port_text = attribute.value_parts()
    network = _network(address)
    ports = (indicators.port_number(port_text),) if port_text else ()
    kind = "ip-src" if attribute.type.startswith("ip-src") else "ip-dst"
    shown = f"{shown_network(network)}:{ports[0]}" if ports else shown_network(network)
    indicator = Indicator(attribute, kind, shown_network(network))
    if kind == "ip-src":
        return [RuleDraft(rule_key(attribute), "ip", f"traffic from {shown}", (indicator,),
                          source=(network,), source_ports=ports)]
    return [RuleDraft(rule_key(attribute), "ip", f"traffic to {shown}", (indicator,),
                      destination=(network,), destination_ports=ports)]


def shown_network(network: Network) -> str:
    """An address as people write it: ``1.2.3.4``, not ``1.2.3.4/32``."""
    return str(network.network_address) if network.num_addresses == 1 else str(network)


def _network(text: str) -> Network:
    network = indicators.ip_or_network(text)
    if network.prefixlen == 0:
        raise IndicatorError(f"{text.strip()!r} covers every address")
    return network


def _host(attribute: Attribute) -> list[RuleDraft]:
    host_text, second = attribute.value_parts()
    name = indicators.hostname(host_text)
    if attribute.type == "hostname|port":
        indicators.port_number(second)
    drafts = domain_drafts(rule_key(attribute), name, (Indicator(attribute, "domain", name),))
    if attribute.type == "domain|ip":
        network = _network(second)
        label = f"traffic to {shown_network(network)} ({name})"
        drafts.append(RuleDraft(f"{rule_key(attribute)}/ip", "ip", label,
                                (Indicator(attribute, "ip-dst", shown_network(network)),),
                                destination=(network,)))
    return drafts


def domain_drafts(key: str, name: str, found: tuple[Indicator, ...]) -> list[RuleDraft]:
    """A DNS query rule and a TLS SNI rule for a domain and its subdomains."""
    return [
        RuleDraft(key, "dns", f"DNS query for {name}", found,
                  (Condition(Match.DNS_DOMAIN, (name,)),)),
        RuleDraft(f"{key}/tls", "tls", f"TLS server name {name}", found,
                  (Condition(Match.TLS_SNI_DOMAIN, (name,)),)),
    ]


def _url(attribute: Attribute) -> list[RuleDraft]:
    parts = indicators.url_parts(attribute.value)
    port = (parts.port,) if parts.port else ()
    found = (Indicator(attribute, "url", attribute.value.strip()),)
    host_is_ip = _is_ip(parts.host)
    if parts.scheme in _TLS_SCHEMES:
        if host_is_ip:
            return [_host_ip_draft(attribute, parts.host, port, "tls", found)]
        return [RuleDraft(rule_key(attribute), "tls", f"TLS server name {parts.host}", found,
                          (Condition(Match.TLS_SNI, (parts.host,)),), destination_ports=port)]
    if parts.scheme in _HTTP_SCHEMES:
        conditions = [Condition(Match.HTTP_HOST, (parts.host,))]
        conditions += _path_conditions(parts.path, parts.query)
        label = f"HTTP request to {parts.host}{parts.path_and_query}"
        return [RuleDraft(rule_key(attribute), "http", label, found, tuple(conditions),
                          destination_ports=port)]
    if parts.scheme in _LOOSE_SCHEMES:
        if host_is_ip:
            return [_host_ip_draft(attribute, parts.host, port, "ip", found)]
        return domain_drafts(rule_key(attribute), parts.host, found)[:1]
    raise IndicatorError(f"URL scheme {parts.scheme!r} has no Suricata rule template")


def _host_ip_draft(attribute: Attribute, host: str, port: tuple[int, ...], protocol: str,
                   found: tuple[Indicator, ...]) -> RuleDraft:
    network = _network(host)
    label = f"{protocol.upper()} traffic to {host}"
    return RuleDraft(rule_key(attribute), protocol, label, found, destination=(network,),
                     destination_ports=port)


def _path_conditions(path: str, query: str) -> list[Condition]:
    conditions = [Condition(Match.HTTP_PATH, (path or "/",))]
    if query:
        conditions.append(Condition(Match.HTTP_QUERY, (query,)))
    return conditions


def _uri(attribute: Attribute) -> list[RuleDraft]:
    text = attribute.value.strip()
    if not text:
        raise IndicatorError("uri is empty")
    if "://" in text:
        return _url(attribute)
    if not text.startswith("/"):
        text = f"/{text}"
    path, _, query = text.partition("?")
    path = path.partition("#")[0]
    query = query.partition("#")[0]
    return [RuleDraft(rule_key(attribute), "http", f"HTTP request for {text}",
                      (Indicator(attribute, "uri", attribute.value.strip()),),
                      tuple(_path_conditions(path, query)))]


def _user_agent(attribute: Attribute) -> list[RuleDraft]:
    agent = attribute.value.strip()
    if not agent:
        raise IndicatorError("user-agent is empty")
    if any(ch in agent for ch in "\r\n"):
        raise IndicatorError("user-agent spans several lines; no header can carry it")
    return [RuleDraft(rule_key(attribute), "http", f"HTTP user agent {agent}",
                      (Indicator(attribute, "user-agent", agent),),
                      (Condition(Match.USER_AGENT, (agent,)),))]


def _email(attribute: Attribute) -> list[RuleDraft]:
    address = attribute.value.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() for ch in address) \
            or any(ch in address for ch in "<>"):
        raise IndicatorError(f"{address[:120]!r} is not an e-mail address")
    match = Match.MAIL_FROM if attribute.type == "email-src" else Match.RCPT_TO
    role = "sender" if attribute.type == "email-src" else "recipient"
    return [RuleDraft(rule_key(attribute), "smtp", f"SMTP {role} {address}",
                      (Indicator(attribute, attribute.type, address),),
                      (Condition(match, (address,)),), classtype=EMAIL_CLASSTYPE)]


def _subject(attribute: Attribute) -> list[RuleDraft]:
    subject = attribute.value.strip()
    if not subject:
        raise IndicatorError("email-subject is empty")
    if any(ch in subject for ch in "\r\n"):
        raise IndicatorError("email-subject spans several lines")
    return [RuleDraft(rule_key(attribute), "smtp", f"SMTP message with subject {subject}",
                      (Indicator(attribute, "email-subject", subject),),
                      (Condition(Match.MAIL_SUBJECT, (subject,)),), classtype=EMAIL_CLASSTYPE)]


def _fingerprint(attribute: Attribute) -> list[RuleDraft]:
    digest = indicators.file_hash(attribute.type, attribute.value)
    match, label = _FINGERPRINTS[attribute.type]
    return [RuleDraft(rule_key(attribute), "tls", f"{label} {digest}",
                      (Indicator(attribute, attribute.type, digest),),
                      (Condition(match, (digest,)),))]


_FINGERPRINTS = {
    "ja3-fingerprint-md5": (Match.JA3, "TLS client JA3"),
    "ja3s-fingerprint-md5": (Match.JA3S, "TLS server JA3S"),
    "x509-fingerprint-sha1": (Match.CERT_SHA1, "TLS certificate SHA-1"),
}


def _is_ip(host: str) -> bool:
    try:
        indicators.ip_or_network(host)
    except IndicatorError:
        return False
    return True


TEMPLATES: dict[str, Template] = {
    "ip-src": _ip, "ip-dst": _ip, "ip-src|port": _ip, "ip-dst|port": _ip,
    "domain": _host, "hostname": _host, "domain|ip": _host, "hostname|port": _host,
    "url": _url, "uri": _uri, "user-agent": _user_agent,
    "email-src": _email, "email-dst": _email, "email-subject": _subject,
    "ja3-fingerprint-md5": _fingerprint, "ja3s-fingerprint-md5": _fingerprint,
    "x509-fingerprint-sha1": _fingerprint,
}
