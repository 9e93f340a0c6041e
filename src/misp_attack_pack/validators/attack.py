"""ATT&CK: technique ids that do not exist, are revoked (with their replacement) or deprecated.

The mentions were resolved once against the catalogue when the run started; this rule only
reports what the resolver found, pinned to the event when the mention is event-wide. Which of
these block a publish is the policy's choice (``severity``): by default an unknown id is an
error, a revoked or deprecated one a warning.
"""

from __future__ import annotations

from dataclasses import replace

from misp_attack_pack.findings import Finding
from misp_attack_pack.validators.context import Context

_UNKNOWN_HINT = ("; if it is a mobile, ICS or newer technique, add that ATT&CK source to the "
                 "policy's attack.catalogue")


def check(context: Context) -> list[Finding]:
    return [_located(finding, context) for finding in context.techniques.findings]


def _located(finding: Finding, context: Context) -> Finding:
    message = finding.message
    if finding.rule_id == "attack.unknown-technique":
        message += _UNKNOWN_HINT
    return replace(finding, message=message, uuid=finding.uuid or context.event.uuid)
