"""Run the rule families of a policy over one event and gather a report.

The event is loaded once and its ATT&CK mentions resolved once; each rule family reads that
model and returns findings. The policy then decides each finding's severity.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from misp_attack_pack.attack.resolve import resolve_event
from misp_attack_pack.attack.sources import load_catalogue
from misp_attack_pack.events.loader import load_event
from misp_attack_pack.events.model import Event
from misp_attack_pack.findings import Finding, Severity
from misp_attack_pack.validators import (
    attack,
    objects,
    schema,
    tags,
    values,
    warninglists,
    workflow,
)
from misp_attack_pack.validators.context import Context
from misp_attack_pack.validators.policy import Policy, default_policy, load_policy
from misp_attack_pack.validators.report import Report

LOG = logging.getLogger(__name__)

PUBLISH_STEP = "publish"

Rule = Callable[[Context], list[Finding]]
RULES: tuple[tuple[str, Rule], ...] = (
    ("schema", schema.check),
    ("tags", tags.check),
    ("objects", objects.check),
    ("values", values.check),
    ("attack", attack.check),
    ("warninglists", warninglists.check),
    ("workflow", workflow.check),
)


def validate_event(raw_or_event: Any, policy: Policy | str | Path | None = None,
                   step: str | None = None) -> Report:
    """Check one event against ``policy`` (the default when ``None``).

    ``raw_or_event`` is JSON text or bytes in any envelope the loader accepts, an already
    decoded document, or an :class:`Event`. ``step`` names the publication step asked for;
    ``"publish"`` stands for the policy's publish step at the event's distribution. Raises
    :class:`~misp_attack_pack.events.EventFormatError` when it holds no event at all.
    """
    policy = _policy(policy)
    event = raw_or_event if isinstance(raw_or_event, Event) else load_event(raw_or_event)
    catalogue = load_catalogue(policy.attack_catalogue)
    context = Context(event=event, techniques=resolve_event(event, catalogue), policy=policy,
                      step=_step(step, event, policy))

    findings = [_as_error(finding) for finding in event.load_findings]
    for family, rule in RULES:
        if policy.runs(family):
            findings.extend(rule(context))
    findings = [_with_policy_severity(finding, policy) for finding in findings]

    report = Report.from_findings(findings, _summary(context))
    LOG.info("event %s: %d errors, %d warnings", event.uuid, len(report.errors),
             len(report.warnings))
    return report


def _policy(policy: Policy | str | Path | None) -> Policy:
    if policy is None:
        return default_policy()
    if isinstance(policy, Policy):
        return policy
    return load_policy(policy)


def _step(step: str | None, event: Event, policy: Policy) -> str:
    step = (step or "").strip()
    return policy.publish_step_for(event.distribution) if step == PUBLISH_STEP else step


def _as_error(finding: Finding) -> Finding:
    """An attribute the loader could not read is an event that must not be published."""
    return replace(finding, severity=Severity.ERROR)


def _with_policy_severity(finding: Finding, policy: Policy) -> Finding:
    severity = policy.severity_of(finding.rule_id, finding.severity)
    if severity is Severity.INFO:
        severity = Severity.WARNING
    return finding if severity is finding.severity else replace(finding, severity=severity)


def _summary(context: Context) -> dict[str, Any]:
    event = context.event
    attributes = list(event.all_attributes())
    state = workflow.event_state(context)
    return {
        "event_uuid": event.uuid,
        "event_info": event.info,
        "attributes": len(attributes),
        "to_ids_attributes": sum(1 for attribute in attributes if attribute.to_ids),
        "objects": len(event.objects),
        "distribution": event.distribution,
        "workflow_state": state.state,
        "current_step": state.step,
        "requested_step": context.step,
        "policy": context.policy.name,
        "rules": [family for family, _ in RULES if context.policy.runs(family)],
    }
