"""The validation report: what the service answers, the CLI prints and the gate summarises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from misp_attack_pack.findings import Finding, Severity


@dataclass(slots=True)
class Report:
    """Findings split by severity, with a summary a script can act on without parsing them.

    ``valid`` is true when there is no error; warnings never make an event invalid.
    """

    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    @classmethod
    def from_findings(cls, findings: list[Finding], summary: dict[str, Any]) -> Report:
        errors = [finding for finding in findings if finding.severity is Severity.ERROR]
        warnings = [finding for finding in findings if finding.severity is not Severity.ERROR]
        summary = dict(summary)
        summary["errors"] = len(errors)
        summary["warnings"] = len(warnings)
        summary["by_rule"] = _counts(findings)
        return cls(errors=errors, warnings=warnings, summary=summary)

    def counts(self) -> dict[str, int]:
        """Findings per rule id, errors and warnings together."""
        return dict(self.summary.get("by_rule", {}))

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [finding.as_dict() for finding in self.errors],
            "warnings": [finding.as_dict() for finding in self.warnings],
            "summary": self.summary,
        }


def _counts(findings: list[Finding]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for finding in findings:
        totals[finding.rule_id] = totals.get(finding.rule_id, 0) + 1
    return dict(sorted(totals.items()))
