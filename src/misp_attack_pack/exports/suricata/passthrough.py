"""``snort`` and ``suricata`` attributes: rules an analyst wrote, kept but given our identity.

The rule text stays as written except for ``sid`` and ``rev``, which are replaced by the
stable sid of the attribute and its timestamp (analysts copy sids from elsewhere, so they
collide), and ``metadata``, where entries that are not ``key value`` pairs are dropped and the
pack's ATT&CK and MISP entries are added. A value may hold several rules, one per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RULE = re.compile(
    r"^\s*(?P<action>alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass|log|sdrop)\s+"
    r"(?P<header>[^(]+?)\s*\((?P<body>.*)\)\s*$", re.DOTALL)
_REPLACED = {"sid", "rev", "metadata", "gid"}
_METADATA_ENTRY = re.compile(r"^[A-Za-z0-9_.-]+\s+\S.*$")


class RuleTextError(ValueError):
    """The text is not a rule in Snort/Suricata syntax; the message says which part fails."""


@dataclass(frozen=True, slots=True)
class WrittenRule:
    """A rule split into the parts the export rewrites."""

    action: str
    header: str
    options: tuple[tuple[str, str], ...]
    metadata: tuple[str, ...]

    def has(self, name: str) -> bool:
        return any(option == name for option, _ in self.options)


def rules_in(value: str) -> list[str]:
    """The rule lines of an attribute value; blank lines and comments are not rules."""
    return [line.strip() for line in value.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def parse(text: str) -> WrittenRule:
    match = _RULE.match(text)
    if match is None:
        raise RuleTextError("not 'ACTION PROTOCOL SOURCE PORT -> DESTINATION PORT (OPTIONS)'")
    header = " ".join(match.group("header").split())
    if len(header.split(" ")) != 6 or header.split(" ")[3] not in ("->", "<>"):
        raise RuleTextError(f"rule header {header[:120]!r} is not "
                            "'PROTOCOL SOURCE PORT -> DESTINATION PORT'")
    options = _options(match.group("body"))
    kept = tuple((name, value) for name, value in options if name not in _REPLACED)
    metadata = tuple(entry for name, value in options if name == "metadata"
                     for entry in _metadata_entries(value))
    return WrittenRule(match.group("action"), header, kept, metadata)


def render(rule: WrittenRule, sid: int, rev: int, metadata_entries: list[str],
           message: str) -> str:
    options = [f"{name}:{value}" if value else name for name, value in rule.options]
    if not rule.has("msg"):
        options.insert(0, f'msg:"{message}"')
    entries = list(dict.fromkeys(list(rule.metadata) + metadata_entries))
    options += [f"sid:{sid}", f"rev:{rev}"]
    if entries:
        options.append(f"metadata:{', '.join(entries)}")
    return f"{rule.action} {rule.header} ({'; '.join(options)};)"


def _options(body: str) -> list[tuple[str, str]]:
    """Split the option list on ``;`` outside quotes, honouring backslash escapes."""
    options: list[tuple[str, str]] = []
    current: list[str] = []
    in_quotes = escaped = False
    for ch in body:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            current.append(ch)
            escaped = True
        elif ch == '"':
            current.append(ch)
            in_quotes = not in_quotes
        elif ch == ";" and not in_quotes:
            _add_option(options, "".join(current))
            current = []
        else:
            current.append(ch)
    if in_quotes:
        raise RuleTextError("a quoted option value is not closed")
    if "".join(current).strip():
        raise RuleTextError("the last option is not ended by ';'")
    return options


def _add_option(options: list[tuple[str, str]], text: str) -> None:
    text = text.strip()
    if not text:
        return
    name, _, value = text.partition(":")
    options.append((name.strip().lower(), value.strip()))


def _metadata_entries(value: str) -> list[str]:
    entries = [" ".join(entry.split()) for entry in value.split(",")]
    return [entry for entry in entries if _METADATA_ENTRY.match(entry)]
