"""Indicator values made safe and canonical before any export renders them.

Every export needs the same answers: is this a valid IP or network, what is the canonical form
of this domain (lower case, no trailing dot, punycode), where does this URL's host end and its
path begin. They live here so Sigma, Suricata and STIX agree on what an indicator is.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")

HASH_LENGTHS = {
    "md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128,
    "imphash": 32, "ja3-fingerprint-md5": 32, "ja3s-fingerprint-md5": 32,
    "x509-fingerprint-md5": 32, "x509-fingerprint-sha1": 40, "x509-fingerprint-sha256": 64,
}


class IndicatorError(ValueError):
    """A value that cannot stand for its attribute type; the message says why."""


@dataclass(frozen=True, slots=True)
class UrlParts:
    scheme: str
    host: str
    port: int | None
    path: str
    query: str

    @property
    def path_and_query(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


def ip_or_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An IP address or CIDR network; a single address comes back as a /32 or /128 network."""
    text = value.strip()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise IndicatorError(f"{text!r} is not an IP address or CIDR network") from None


def is_single_address(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return network.num_addresses == 1


def port_number(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise IndicatorError(f"{text!r} is not a port number between 1 and 65535")
    return int(text)


def hostname(value: str) -> str:
    """Canonical host name: lower case, no trailing dot, internationalised labels in punycode."""
    text = value.strip().rstrip(".").lower()
    if not text:
        raise IndicatorError("host name is empty")
    try:
        ascii_name = text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError:
        raise IndicatorError(f"{value!r} is not a valid internationalised host name") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise IndicatorError(f"{value!r} is not a valid host name")
    return ascii_name


def file_hash(kind: str, value: str) -> str:
    """A hex digest checked against the length its type implies, in lower case."""
    text = value.strip()
    expected = HASH_LENGTHS.get(kind)
    if not _HEX.match(text):
        raise IndicatorError(f"{kind} value {text[:80]!r} is not hexadecimal")
    if expected and len(text) != expected:
        raise IndicatorError(f"{kind} value has {len(text)} hex digits, expected {expected}")
    return text.lower()


def url_parts(value: str) -> UrlParts:
    """Split a URL; a URL without a scheme (``evil.example/a``) is read as http."""
    text = value.strip()
    if not text:
        raise IndicatorError("URL is empty")
    if "://" not in text:
        text = f"http://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise IndicatorError(f"{value[:120]!r} is not a valid URL ({error})") from None
    if not parts.hostname:
        raise IndicatorError(f"{value[:120]!r} has no host")
    host = _url_host(parts.hostname)
    return UrlParts(parts.scheme.lower(), host, port, parts.path or "/", parts.query)


def _url_host(raw_host: str) -> str:
    try:
        return str(ipaddress.ip_address(raw_host))
    except ValueError:
        return hostname(raw_host)


def single_line(text: str, limit: int = 200) -> str:
    """Text for titles and comments: one line, control characters replaced, bounded length."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."
