"""Validation of MISP events against a publish policy, one module per family of rules.

``validate_event(raw_or_event, policy=None, step=None)`` returns a :class:`Report`; the
service, the CLI and the MISP Workflow publish gate all call it.
"""

from misp_attack_pack.validators.engine import validate_event
from misp_attack_pack.validators.policy import Policy, PolicyError, default_policy, load_policy
from misp_attack_pack.validators.report import Report

__all__ = ["Policy", "PolicyError", "Report", "default_policy", "load_policy", "validate_event"]
