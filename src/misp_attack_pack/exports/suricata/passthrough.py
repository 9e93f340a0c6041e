"""``snort`` and ``suricata`` attributes: rules an analyst wrote, kept but given our identity.

The rule text stays as written except for ``sid`` and ``rev``, which are replaced by the
stable sid of the attribute and its timestamp (analysts copy sids from elsewhere, so they
collide), and ``metadata``, where entries that are not ``key value`` pairs are dropped and the
pack's ATT&CK and MISP entries are added.

Any contributor to a shared event can write these attributes, so a value is exported only when
it is exactly one ``alert`` rule: a ``pass``, ``drop`` or ``reject`` rule would switch off or
change detection on every sensor that loads the file, and a second rule in the value (on its
own line or after the closing parenthesis) would escape the checks made on the first. The
options are checked the way Suricata splits them, so a rule that would make ``suricata -T``
reject the whole file is skipped here instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from misp_attack_pack.exports.indicators import single_line

_RULE = re.compile(
    r"^\s*(?P<action>alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass|log|sdrop)\s+"
    r"(?P<header>[^(]+?)\s*\((?P<body>.*)\)\s*$", re.DOTALL)
_REPLACED = {"sid", "rev", "metadata", "gid"}
_EXPORTED_ACTIONS = frozenset({"alert"})
_KEYWORD = re.compile(r"^[a-z0-9_.-]+$")
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
    """The one ``alert`` rule in ``text``; ``RuleTextError`` says why anything else is not."""
    match = _RULE.match(text)
    if match is None:
        raise RuleTextError("not 'ACTION PROTOCOL SOURCE PORT -> DESTINATION PORT (OPTIONS)'")
    if match.group("action") not in _EXPORTED_ACTIONS:
        raise RuleTextError(f"action {match.group('action')!r} is not exported, "
                            "only alert rules are")
    header = " ".join(match.group("header").split())
    if (len(header.split(" ")) != 6 or header.split(" ")[3] not in ("->", "<>")
            or ")" in header):
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
    """Split the option list as Suricata does: ``;`` ends an option unless escaped by ``\\``,
    inside quotes too. Each option must be ``key`` or ``key:value``."""
    options: list[tuple[str, str]] = []
    current: list[str] = []
    escaped = False
    for ch in body:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ";":
            _add_option(options, "".join(current))
            current = []
            continue
        current.append(ch)
    if "".join(current).strip():
        raise RuleTextError("the last option is not ended by ';'")
    return options


def _add_option(options: list[tuple[str, str]], text: str) -> None:
    text = text.strip()
    if not text:
        return
    name, _, value = text.partition(":")
    name = name.strip().lower()
    if not _KEYWORD.match(name):
        raise RuleTextError(f"option {single_line(text, 60)!r} is not 'key' or 'key:value'")
    _check_quotes(name, value)
    options.append((name, value.strip()))


def _check_quotes(name: str, value: str) -> None:
    """Quotes in a value are balanced, and no parenthesis outside them ends the rule early."""
    in_quotes = escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            in_quotes = not in_quotes
        elif ch in "()" and not in_quotes:
            raise RuleTextError(f"option {name}: {ch!r} outside quotes; the rule must end at "
                                "its only closing ')'")
    if in_quotes:
        raise RuleTextError(f"option {name}: a quoted option value is not closed")


def _metadata_entries(value: str) -> list[str]:
    entries = [" ".join(entry.split()) for entry in value.split(",")]
    return [entry for entry in entries if _METADATA_ENTRY.match(entry)]
