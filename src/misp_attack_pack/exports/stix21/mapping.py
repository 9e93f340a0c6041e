"""Which STIX comparisons each MISP attribute type and object relation becomes.

Each attribute type (and each relation of the object templates mapped as a whole) turns into
comparisons on cyber-observable properties. Values are checked and made canonical with the
shared indicator rules first; a value that does not fit its type raises
:class:`~misp_attack_pack.exports.indicators.IndicatorError` with the reason.
"""

from __future__ import annotations

import re
from typing import Callable

from misp_attack_pack.events.model import Attribute, MispObject
from misp_attack_pack.exports import indicators
from misp_attack_pack.exports.indicators import IndicatorError
from misp_attack_pack.exports.stix21.patterns import Comparison, key

# Rule languages MISP stores as attribute types, and the STIX pattern_type for each.
RULE_TYPES = {"yara": "yara", "sigma": "sigma", "snort": "snort", "suricata": "suricata"}

HASH_NAMES = {
    "md5": "MD5", "sha1": "SHA-1", "sha224": "SHA-224", "sha256": "SHA-256",
    "sha384": "SHA-384", "sha512": "SHA-512", "sha3-224": "SHA3-224", "sha3-256": "SHA3-256",
    "sha3-384": "SHA3-384", "sha3-512": "SHA3-512", "ssdeep": "SSDEEP", "tlsh": "TLSH",
}
_FUZZY_HASHES = {"ssdeep", "tlsh"}
PE_EXTENSION = "extensions.'windows-pebinary-ext'"
_MAC = re.compile(r"^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$")
_HIVES = {
    "HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
    "HKU": "HKEY_USERS", "HKCC": "HKEY_CURRENT_CONFIG",
}
_UNSAFE_TEXT = re.compile(r"[\x00-\x1f\x7f]")

Builder = Callable[[Attribute], list[Comparison]]


def attribute_comparisons(attribute: Attribute) -> list[Comparison] | None:
    """The comparisons for an attribute; ``None`` for a type with no STIX mapping.

    Raises :class:`IndicatorError` when the value is not valid for its type.
    """
    builder = ATTRIBUTE_BUILDERS.get(attribute.type)
    return builder(attribute) if builder else None


def object_builders(misp_object: MispObject) -> dict[str, Builder] | None:
    """Builders by object relation for the object templates mapped as a whole."""
    return OBJECT_BUILDERS.get(misp_object.name)


def rule_text(attribute: Attribute) -> str:
    text = attribute.value.strip()
    if not text:
        raise IndicatorError(f"{attribute.type} rule is empty")
    return text


# -- value checks ----------------------------------------------------------------------------

def text_value(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise IndicatorError(f"{what} is empty")
    if _UNSAFE_TEXT.search(text):
        raise IndicatorError(f"{what} {text[:80]!r} contains control characters")
    return text


def ip_value(value: str) -> tuple[str, str]:
    """``(SCO type, canonical address or CIDR)``."""
    network = indicators.ip_or_network(value)
    text = (str(network.network_address) if indicators.is_single_address(network)
            else str(network))
    return ("ipv4-addr" if network.version == 4 else "ipv6-addr"), text


def url_value(value: str) -> str:
    text = text_value(value, "URL")
    indicators.url_parts(text)
    return text


def hash_value(kind: str, value: str) -> str:
    if kind in _FUZZY_HASHES:
        return text_value(value, kind)
    return indicators.file_hash(kind, value)


def mac_value(value: str) -> str:
    text = value.strip().lower()
    if not _MAC.match(text):
        raise IndicatorError(f"{value[:40]!r} is not a MAC address")
    digits = re.sub(r"[:-]", "", text)
    return ":".join(digits[index:index + 2] for index in range(0, 12, 2))


def as_number(value: str) -> int:
    text = value.strip().upper().removeprefix("AS").strip()
    if not text.isdigit() or int(text) > 4294967295:
        raise IndicatorError(f"{value[:40]!r} is not an autonomous system number")
    return int(text)


def integer_value(value: str, what: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise IndicatorError(f"{what} {text[:40]!r} is not a non-negative integer")
    return int(text)


# -- builders --------------------------------------------------------------------------------

def _ip(attribute: Attribute) -> list[Comparison]:
    sco_type, address = ip_value(attribute.value_parts()[0])
    return [Comparison(sco_type, "value", address)]


def _ip_port(attribute: Attribute) -> list[Comparison]:
    side = "src" if attribute.type.startswith("ip-src") else "dst"
    address, port = attribute.value_parts()
    return [
        Comparison("network-traffic", f"{side}_ref.value", ip_value(address)[1]),
        Comparison("network-traffic", f"{side}_port", indicators.port_number(port)),
    ]


def _domain(attribute: Attribute) -> list[Comparison]:
    return [Comparison("domain-name", "value", indicators.hostname(attribute.value_parts()[0]))]


def _domain_ip(attribute: Attribute) -> list[Comparison]:
    domain, address = attribute.value_parts()
    return [
        Comparison("domain-name", "value", indicators.hostname(domain)),
        Comparison("domain-name", "resolves_to_refs[*].value", ip_value(address)[1]),
    ]


def _hostname_port(attribute: Attribute) -> list[Comparison]:
    host, port = attribute.value_parts()
    return [
        Comparison("network-traffic", "dst_ref.value", indicators.hostname(host)),
        Comparison("network-traffic", "dst_port", indicators.port_number(port)),
    ]


def _url(attribute: Attribute) -> list[Comparison]:
    return [Comparison("url", "value", url_value(attribute.value))]


def _uri(attribute: Attribute) -> list[Comparison]:
    return [Comparison("url", "value", text_value(attribute.value, "URI"))]


def _hash(attribute: Attribute) -> list[Comparison]:
    kind = attribute.type.split("|")[-1]
    digest = attribute.value_parts()[1] if attribute.is_composite else attribute.value
    comparisons = []
    if attribute.is_composite:
        comparisons.append(_file_name(attribute.value_parts()[0]))
    comparisons.append(Comparison("file", f"hashes.{key(HASH_NAMES[kind])}",
                                  hash_value(kind, digest)))
    return comparisons


def _imphash(attribute: Attribute) -> list[Comparison]:
    digest = indicators.file_hash("imphash", attribute.value_parts()[-1] or attribute.value)
    comparisons = [_file_name(attribute.value_parts()[0])] if attribute.is_composite else []
    return comparisons + [Comparison("file", f"{PE_EXTENSION}.imphash", digest)]


def _file_name(value: str) -> Comparison:
    return Comparison("file", "name", text_value(value, "file name"))


def _filename(attribute: Attribute) -> list[Comparison]:
    return [_file_name(attribute.value)]


def _malware_sample(attribute: Attribute) -> list[Comparison]:
    """MISP writes a malware sample as ``file name|md5`` although the type has no ``|``."""
    name, _, digest = attribute.value.partition("|")
    comparisons = [_file_name(name)]
    if digest:
        comparisons.append(Comparison("file", "hashes.MD5", indicators.file_hash("md5", digest)))
    return comparisons


def registry_key_value(value: str) -> str:
    """The key with its hive spelt out (``HKLM`` -> ``HKEY_LOCAL_MACHINE``), as STIX asks."""
    text = text_value(value, "registry key")
    hive, separator, rest = text.partition("\\")
    full = _HIVES.get(hive.upper())
    return f"{full}{separator}{rest}" if full else text


def _regkey(attribute: Attribute) -> list[Comparison]:
    registry_key, data = attribute.value_parts()
    comparisons = [Comparison("windows-registry-key", "key", registry_key_value(registry_key))]
    if attribute.type == "regkey|value":
        comparisons.append(Comparison("windows-registry-key", "values[*].data",
                                      text_value(data, "registry value")))
    return comparisons


def _string(sco_type: str, path: str, what: str) -> Builder:
    def build(attribute: Attribute) -> list[Comparison]:
        return [Comparison(sco_type, path, text_value(attribute.value, what))]
    return build


def _integer(sco_type: str, path: str, what: str) -> Builder:
    def build(attribute: Attribute) -> list[Comparison]:
        return [Comparison(sco_type, path, integer_value(attribute.value, what))]
    return build


def _port(sco_type: str, path: str) -> Builder:
    def build(attribute: Attribute) -> list[Comparison]:
        return [Comparison(sco_type, path, indicators.port_number(attribute.value))]
    return build


def _ip_ref(sco_type: str, path: str) -> Builder:
    def build(attribute: Attribute) -> list[Comparison]:
        return [Comparison(sco_type, path, ip_value(attribute.value)[1])]
    return build


def _host_ref(sco_type: str, path: str) -> Builder:
    def build(attribute: Attribute) -> list[Comparison]:
        return [Comparison(sco_type, path, indicators.hostname(attribute.value))]
    return build


def _email(path: str) -> Builder:
    return _string("email-message", path, "email address")


def _mac(attribute: Attribute) -> list[Comparison]:
    return [Comparison("mac-addr", "value", mac_value(attribute.value))]


def _as(attribute: Attribute) -> list[Comparison]:
    return [Comparison("autonomous-system", "number", as_number(attribute.value))]


def _x509(kind: str) -> Builder:
    def build(attribute: Attribute) -> list[Comparison]:
        return [Comparison("x509-certificate", f"hashes.{key(HASH_NAMES[kind])}",
                           indicators.file_hash(f"x509-fingerprint-{kind}", attribute.value))]
    return build


def _section_hash(kind: str) -> Builder:
    path = f"{PE_EXTENSION}.sections[*].hashes.{key(HASH_NAMES[kind])}"

    def build(attribute: Attribute) -> list[Comparison]:
        return [Comparison("file", path, hash_value(kind, attribute.value))]
    return build


def _lowercase(builder: Builder) -> Builder:
    def build(attribute: Attribute) -> list[Comparison]:
        return [Comparison(c.sco_type, c.path, c.value.lower() if isinstance(c.value, str)
                           else c.value) for c in builder(attribute)]
    return build


_USER_AGENT = "extensions.'http-request-ext'.request_header.'User-Agent'"

ATTRIBUTE_BUILDERS: dict[str, Builder] = {
    "ip-src": _ip, "ip-dst": _ip,
    "ip-src|port": _ip_port, "ip-dst|port": _ip_port,
    "domain": _domain, "hostname": _domain,
    "domain|ip": _domain_ip,
    "hostname|port": _hostname_port,
    "url": _url, "link": _url, "uri": _uri,
    **{kind: _hash for kind in HASH_NAMES},
    **{f"filename|{kind}": _hash for kind in HASH_NAMES},
    "imphash": _imphash, "filename|imphash": _imphash,
    "filename": _filename,
    "malware-sample": _malware_sample,
    "regkey": _regkey, "regkey|value": _regkey,
    "mutex": _string("mutex", "name", "mutex name"),
    "email": _string("email-addr", "value", "email address"),
    "email-src": _email("from_ref.value"),
    "email-dst": _email("to_refs[*].value"),
    "email-reply-to": _email("additional_header_fields.'Reply-To'"),
    "email-subject": _string("email-message", "subject", "email subject"),
    "email-x-mailer": _string("email-message", "additional_header_fields.'X-Mailer'",
                              "X-Mailer"),
    "email-attachment": _string("email-message", "body_multipart[*].body_raw_ref.name",
                                "attachment name"),
    "email-message-id": _string("email-message", "message_id", "message id"),
    "mac-address": _mac,
    "AS": _as,
    "port": _port("network-traffic", "dst_port"),
    "user-agent": _string("network-traffic", _USER_AGENT, "user agent"),
    "x509-fingerprint-md5": _x509("md5"),
    "x509-fingerprint-sha1": _x509("sha1"),
    "x509-fingerprint-sha256": _x509("sha256"),
}

_FILE_RELATIONS: dict[str, Builder] = {
    "filename": _filename,
    **{kind: _hash for kind in HASH_NAMES},
    "malware-sample": _malware_sample,
    "size-in-bytes": _integer("file", "size", "file size"),
    "mimetype": _string("file", "mime_type", "MIME type"),
    "path": _string("file", "parent_directory_ref.path", "file path"),
}


_FLOW_RELATIONS: dict[str, Builder] = {
    "ip": _ip_ref("network-traffic", "dst_ref.value"),
    "ip-dst": _ip_ref("network-traffic", "dst_ref.value"),
    "ip-src": _ip_ref("network-traffic", "src_ref.value"),
    "hostname-dst": _host_ref("network-traffic", "dst_ref.value"),
    "hostname-src": _host_ref("network-traffic", "src_ref.value"),
    "dst-port": _port("network-traffic", "dst_port"),
    "src-port": _port("network-traffic", "src_port"),
    "layer4-protocol": _lowercase(_string("network-traffic", "protocols[*]", "protocol")),
    "protocol": _lowercase(_string("network-traffic", "protocols[*]", "protocol")),
}

OBJECT_BUILDERS: dict[str, dict[str, Builder]] = {
    "file": _FILE_RELATIONS,
    "pe": {"imphash": _imphash},
    "pe-section": {
        "name": _string("file", f"{PE_EXTENSION}.sections[*].name", "section name"),
        **{kind: _section_hash(kind) for kind in ("md5", "sha1", "sha256", "sha512", "ssdeep")},
    },
    "url": {"url": _url},
    "domain-ip": {
        "domain": _domain, "hostname": _domain,
        "ip": _ip_ref("domain-name", "resolves_to_refs[*].value"),
    },
    "ip-port": _FLOW_RELATIONS,
    "network-connection": _FLOW_RELATIONS,
    "network-socket": _FLOW_RELATIONS,
    "email": {
        "from": _email("from_ref.value"),
        "to": _email("to_refs[*].value"),
        "cc": _email("cc_refs[*].value"),
        "bcc": _email("bcc_refs[*].value"),
        "reply-to": _email("additional_header_fields.'Reply-To'"),
        "subject": _string("email-message", "subject", "email subject"),
        "x-mailer": _string("email-message", "additional_header_fields.'X-Mailer'",
                            "X-Mailer"),
        "attachment": _string("email-message", "body_multipart[*].body_raw_ref.name",
                              "attachment name"),
        "message-id": _string("email-message", "message_id", "message id"),
    },
    "registry-key": {
        "key": _regkey,
        "name": _string("windows-registry-key", "values[*].name", "registry value name"),
        "data": _string("windows-registry-key", "values[*].data", "registry data"),
    },
    "x509": {
        "x509-fingerprint-md5": _x509("md5"),
        "x509-fingerprint-sha1": _x509("sha1"),
        "x509-fingerprint-sha256": _x509("sha256"),
        "serial-number": _string("x509-certificate", "serial_number", "serial number"),
        "issuer": _string("x509-certificate", "issuer", "issuer"),
        "subject": _string("x509-certificate", "subject", "subject"),
    },
    "asn": {"asn": _as},
    "user-account": {
        "username": _string("user-account", "account_login", "user name"),
        "user-id": _string("user-account", "user_id", "user id"),
        "display-name": _string("user-account", "display_name", "display name"),
    },
    "credential": {"username": _string("user-account", "account_login", "user name")},
    "process": {
        "image": _string("process", "image_ref.name", "image name"),
        "command-line": _string("process", "command_line", "command line"),
        "pid": _integer("process", "pid", "pid"),
    },
}
