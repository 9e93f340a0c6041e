"""Findings: problems found in an event, kept as data so each front end can render them.

An export reports the indicators it skipped, the validators report broken rules, the loader
reports attributes it could not read. They all use :class:`Finding`, so a MISP download header,
a JSON API answer and a log line show the same facts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    """How much a finding matters to whoever consumes the output."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, with enough context for an analyst to find the offending element.

    ``pointer`` is a JSON pointer into the event as it was received (``/Event/Attribute/3``),
    ``uuid`` the attribute or object uuid when there is one.
    """

    rule_id: str
    message: str
    pointer: str = ""
    uuid: str = ""
    severity: Severity = Severity.WARNING

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready form; the keys are part of the service's public answer."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "pointer": self.pointer,
            "uuid": self.uuid,
            "message": self.message,
        }

    def one_line(self) -> str:
        """A single line safe to put in a comment: newlines and control characters removed."""
        where = " ".join(part for part in (self.uuid, self.pointer) if part)
        text = f"[{self.rule_id}] {where}: {self.message}" if where else (
            f"[{self.rule_id}] {self.message}"
        )
        return "".join(ch if ch.isprintable() else " " for ch in text)


@dataclass(slots=True)
class FindingLog:
    """An ordered collection of findings with counts by rule id."""

    items: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.items.append(finding)

    def extend(self, findings: list[Finding] | tuple[Finding, ...]) -> None:
        self.items.extend(findings)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for finding in self.items:
            totals[finding.rule_id] = totals.get(finding.rule_id, 0) + 1
        return totals
