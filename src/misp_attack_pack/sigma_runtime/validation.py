"""Run pySigma's core validators and the SigmaHQ validators over Sigma rule text, offline."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from misp_attack_pack.attack.catalogue import Catalogue
from misp_attack_pack.sigma_runtime.offline import configure_offline
from misp_attack_pack.sigma_runtime.yaml_guard import yaml_problem

LOG = logging.getLogger(__name__)

# SigmaHQ validator modules that read the downloaded SigmaHQ reference data.
_NEEDS_SIGMAHQ_DATA = {
    "sigma.validators.sigmahq.detection",
    "sigma.validators.sigmahq.fieldname",
    "sigma.validators.sigmahq.filename",
    "sigma.validators.sigmahq.logsource",
}


# Validators whose policy contradicts what an export of MISP intelligence must carry:
# ``tlpv1_tag`` rejects the TLP 2.0 names (``tlp.clear``) the pack writes, and ``tlpv2_tag``
# covers TLP instead; ``sigmahq_tags_tlp`` admits only TLP:CLEAR because the public SigmaHQ
# repository publishes nothing else, while exported rules must keep the event's real TLP.
EXPORT_POLICY_SKIPS = frozenset({"tlpv1_tag", "sigmahq_tags_tlp"})


@dataclass(frozen=True, slots=True)
class RuleIssue:
    """One validator finding: its issue class, how severe, on which rule."""

    validator: str
    severity: str
    description: str
    rule_id: str
    rule_title: str


def validate_sigma_text(text: str, catalogue: Catalogue,
                        skip: frozenset[str] = frozenset()) -> list[RuleIssue]:
    """Parse ``text`` with pySigma and return every validator finding.

    Parse errors raise :class:`sigma.exceptions.SigmaError`. ``skip`` names validators (their
    plugin identifiers, e.g. ``sigmahq_title_length``) to leave out.
    """
    from sigma.collection import SigmaCollection
    from sigma.exceptions import SigmaError
    from sigma.validation import SigmaValidator

    problem = yaml_problem(text)
    if problem:
        raise SigmaError(problem)
    with_sigmahq_data = configure_offline(catalogue)
    collection = SigmaCollection.from_yaml(text)
    validators = {
        name: validator for name, validator in _installed_validators().items()
        if name not in skip and _runnable(validator, with_sigmahq_data)
    }
    issues = SigmaValidator(validators.values()).validate_rules(collection.rules)
    return [_issue(issue) for issue in issues]


def validator_names(catalogue: Catalogue) -> list[str]:
    """The validators that :func:`validate_sigma_text` runs on this machine."""
    with_sigmahq_data = configure_offline(catalogue)
    return sorted(name for name, validator in _installed_validators().items()
                  if _runnable(validator, with_sigmahq_data))


def _runnable(validator, with_sigmahq_data: bool) -> bool:
    return with_sigmahq_data or validator.__module__ not in _NEEDS_SIGMAHQ_DATA


@functools.lru_cache(maxsize=1)
def _installed_validators() -> dict:
    from sigma.plugins import InstalledSigmaPlugins

    return dict(InstalledSigmaPlugins.autodiscover().validators)


def _issue(issue) -> RuleIssue:
    rule = issue.rules[0] if issue.rules else None
    return RuleIssue(
        validator=type(issue).__name__,
        severity=str(issue.severity.name).lower(),
        description=f"{issue.description}: {_issue_detail(issue)}",
        rule_id=str(getattr(rule, "id", "") or ""),
        rule_title=str(getattr(rule, "title", "") or ""),
    )


def _issue_detail(issue) -> str:
    fields = {key: value for key, value in vars(issue).items() if key not in ("rules",)}
    return ", ".join(f"{key}={value}" for key, value in fields.items() if key != "severity")
