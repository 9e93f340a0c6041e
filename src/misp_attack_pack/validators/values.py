"""Values: type and category pairs from MISP's describeTypes, and values that cannot be of
their type (an IP that is not one, a hash of the wrong length, a port above 65535).

Empty values are reported by the loader, which leaves such attributes out of the event.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from misp_attack_pack.events.model import Attribute
from misp_attack_pack.exports import indicators
from misp_attack_pack.exports.indicators import IndicatorError
from misp_attack_pack.findings import Finding, Severity
from misp_attack_pack.validators.context import Context, describe
from misp_attack_pack.validators.misp_data import describe_types

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_AS_NUMBER = re.compile(r"^(?:AS)?\d{1,10}$", re.IGNORECASE)
_MAC = re.compile(r"^[0-9a-f]{2}([:-]?)(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$", re.IGNORECASE)
_EXTRA_HASH_LENGTHS = {"sha512/224": 56, "sha512/256": 64, "sha3-224": 56, "sha3-256": 64,
                       "sha3-384": 96, "sha3-512": 128, "authentihash": 64}

Checker = Callable[[str], object]


def check(context: Context) -> list[Finding]:
    known = describe_types()
    findings = []
    for attribute in context.event.all_attributes():
        if attribute.type not in known.types:
            findings.append(_finding("value.unknown-type",
                                     f"{describe(attribute)}: {attribute.type!r} is not a MISP "
                                     "attribute type", attribute))
            continue
        findings += _category(attribute, known.categories_of_type.get(attribute.type, ()))
        problem = value_problem(attribute)
        if problem:
            findings.append(_finding(problem[0], f"{describe(attribute)}: {problem[1]}",
                                     attribute))
    return findings


def value_problem(attribute: Attribute) -> tuple[str, str] | None:
    """``(rule id, reason)`` when the value cannot be of the attribute's type."""
    kind = attribute.type
    if attribute.is_composite:
        return _composite_problem(attribute)
    checker = _checker(kind)
    if checker is None:
        return None
    return _run(checker, attribute.value)


def _category(attribute: Attribute, categories) -> list[Finding]:
    if not attribute.category or attribute.category in categories:
        return []
    allowed = ", ".join(sorted(categories))
    return [_finding("value.category-mismatch",
                     f"{describe(attribute)}: category {attribute.category!r} is not allowed "
                     f"for type {attribute.type}; MISP allows {allowed}", attribute)]


def _composite_problem(attribute: Attribute) -> tuple[str, str] | None:
    left_kind, _, right_kind = attribute.type.partition("|")
    if "|" not in attribute.value:
        return "value.composite", f"a {attribute.type} value needs two parts separated by '|'"
    left, right = attribute.value_parts()
    for kind, part in ((left_kind, left), (right_kind, right)):
        checker = _checker(kind)
        problem = _run(checker, part) if checker else None
        if problem:
            return problem
    return None


def _checker(kind: str) -> tuple[str, Checker] | None:
    if kind in ("ip-src", "ip-dst", "ip"):
        return "value.invalid-ip", indicators.ip_or_network
    if kind in ("domain", "hostname"):
        return "value.invalid-hostname", indicators.hostname
    if kind == "port":
        return "value.invalid-port", _port
    if kind in indicators.HASH_LENGTHS or kind in _EXTRA_HASH_LENGTHS:
        return "value.invalid-hash", lambda value: _hash(kind, value)
    if kind == "url":
        return "value.invalid-url", indicators.url_parts
    if kind in ("email", "email-src", "email-dst", "target-email", "whois-registrant-email"):
        return "value.invalid-email", _email
    if kind == "AS":
        return "value.invalid-as", _pattern(_AS_NUMBER, "an AS number (AS64500 or 64500)")
    if kind == "mac-address":
        return "value.invalid-mac", _pattern(_MAC, "a MAC address")
    return None


def _run(checker: tuple[str, Checker], value: str) -> tuple[str, str] | None:
    rule_id, check_value = checker
    try:
        check_value(value)
    except IndicatorError as error:
        return rule_id, str(error)
    return None


def _port(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or int(text) > 65535:
        raise IndicatorError(f"{text!r} is not a port number between 0 and 65535")
    return int(text)


def _hash(kind: str, value: str) -> str:
    expected = _EXTRA_HASH_LENGTHS.get(kind)
    digest = indicators.file_hash(kind, value)
    if expected and len(digest) != expected:
        raise IndicatorError(f"{kind} value has {len(digest)} hex digits, expected {expected}")
    return digest


def _email(value: str) -> str:
    text = value.strip()
    if not _EMAIL.match(text):
        raise IndicatorError(f"{text[:80]!r} is not an e-mail address")
    indicators.hostname(text.rsplit("@", 1)[1])
    return text


def _pattern(pattern: re.Pattern, what: str) -> Checker:
    def check_value(value: str) -> str:
        if not pattern.match(value.strip()):
            raise IndicatorError(f"{value[:80]!r} is not {what}")
        return value
    return check_value


def _finding(rule_id: str, message: str, attribute: Attribute) -> Finding:
    return Finding(rule_id, message, attribute.pointer, attribute.uuid, Severity.ERROR)
