"""The publish policy: which rules run, which tag values count, and the publication steps.

A default policy ships inside the package (``default_policy.yaml``); a user file overrides the
keys it sets. The policy is read and checked once, so a typo in it is reported when the
service starts rather than as a strange finding on the first event.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from misp_attack_pack.errors import FieldError
from misp_attack_pack.findings import Severity

LOG = logging.getLogger(__name__)

DEFAULT_POLICY = "default_policy.yaml"
DISTRIBUTION_NAMES = {
    0: "your organisation only", 1: "this community only", 2: "connected communities",
    3: "all communities", 4: "a sharing group", 5: "inherit from the event",
}
RULE_FAMILIES = ("schema", "tags", "objects", "values", "attack", "warninglists", "workflow")


class PolicyError(FieldError):
    """The policy file cannot be used; ``field`` is the dotted path of the offending key."""

    subject = "policy"


@dataclass(frozen=True, slots=True)
class Step:
    """One publication step and the workflow states and distribution levels it allows."""

    name: str
    states: tuple[str, ...]
    distributions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """The policy in force. ``document`` keeps the merged YAML for ``GET /policy``."""

    document: Mapping[str, Any]
    enabled: frozenset[str]
    severity: Mapping[str, Severity]
    tlp_values: frozenset[str]
    confidence_namespace: str
    confidence_predicate: str
    confidence_values: frozenset[str]
    required_tags: tuple[str, ...]
    only_to_ids: bool
    inheritance: bool
    schema_variant: str
    attack_catalogue: tuple[str, ...]
    warninglists_excluded: frozenset[str]
    workflow_namespace: str
    workflow_predicate: str
    workflow_states: frozenset[str]
    missing_state: str
    steps: tuple[Step, ...]
    publish_steps: tuple[str, ...] = ()
    tlp_distributions: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.document.get("name", ""))

    def runs(self, family: str) -> bool:
        return family in self.enabled

    def step(self, name: str) -> Step | None:
        return next((step for step in self.steps if step.name == name), None)

    def step_index(self, name: str) -> int:
        return next((index for index, step in enumerate(self.steps) if step.name == name), -1)

    def publish_step_for(self, distribution: int) -> str:
        """The step a publish at ``distribution`` asks for; ``""`` when no step fits."""
        for name in self.publish_steps:
            step = self.step(name)
            if step is not None and distribution in step.distributions:
                return name
        return ""

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        return self.severity.get(rule_id, default)


def load_policy(path: str | Path | None = None) -> Policy:
    """The default policy, overridden by the YAML file at ``path`` when one is given."""
    if path is None:
        return default_policy()
    return policy_from_mapping(read_yaml_file(path, PolicyError) or {})


def read_yaml_file(path: str | Path, error: type[FieldError]) -> Any:
    """A YAML file's content; an unreadable or malformed file raises ``error`` on ``file``."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as problem:
        raise error("file", f"cannot read {path}: {problem.strerror or problem}") from None
    except yaml.YAMLError as problem:
        raise error("file", f"{path} is not valid YAML ({problem})") from None


@functools.lru_cache(maxsize=1)
def default_policy() -> Policy:
    return policy_from_mapping({})


def policy_from_mapping(override: Any) -> Policy:
    """A policy from a mapping that overrides the default document key by key."""
    if not isinstance(override, dict):
        raise PolicyError("document", f"expected a mapping, got {type(override).__name__}")
    document = _merge(_default_document(), override)
    policy = _build(document)
    LOG.debug("policy %r loaded with rules %s", policy.name, sorted(policy.enabled))
    return policy


def with_overrides(policy: Policy, override: dict) -> Policy:
    """``policy`` with some keys changed, e.g. a rule family switched off for one caller."""
    return policy_from_mapping(_merge(dict(policy.document), override))


@functools.lru_cache(maxsize=1)
def _default_document() -> dict:
    text = resources.files("misp_attack_pack.validators").joinpath(DEFAULT_POLICY).read_text(
        encoding="utf-8")
    return yaml.safe_load(text)


def _merge(base: dict, override: dict) -> dict:
    """Nested mappings merge; any other value in ``override`` replaces the default."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _build(document: dict) -> Policy:
    tags = _section(document, "tags")
    tlp = _section(tags, "tlp", "tags.tlp")
    confidence = _section(tags, "confidence", "tags.confidence")
    workflow = _section(document, "workflow")
    states = frozenset(_strings(workflow, "states", "workflow.states"))
    steps = _steps(workflow.get("steps"), states)

    return Policy(
        document=document,
        enabled=frozenset(family for family in RULE_FAMILIES
                          if _section(document, family).get("enabled", True) is not False),
        severity=_severities(document.get("severity") or {}),
        tlp_values=frozenset(
            value.lower() for value in _strings(tlp, "values", "tags.tlp.values")),
        confidence_namespace=str(confidence.get("namespace", "confidence")).lower(),
        confidence_predicate=str(confidence.get("predicate", "")).lower(),
        confidence_values=frozenset(
            value.lower() for value in _strings(confidence, "values", "tags.confidence.values")),
        required_tags=_required_tags(tags),
        only_to_ids=bool(tags.get("only_to_ids", True)),
        inheritance=bool(tags.get("inheritance", True)),
        schema_variant=_schema_variant(_section(document, "schema")),
        attack_catalogue=tuple(_strings(_section(document, "attack"), "catalogue",
                                        "attack.catalogue")),
        warninglists_excluded=frozenset(_strings(_section(document, "warninglists"), "exclude",
                                                 "warninglists.exclude")),
        workflow_namespace=str(workflow.get("namespace", "workflow")).lower(),
        workflow_predicate=str(workflow.get("predicate", "state")).lower(),
        workflow_states=states,
        missing_state=_missing_state(workflow, states),
        steps=steps,
        publish_steps=_publish_steps(workflow, steps),
        tlp_distributions=_tlp_distributions(workflow.get("tlp_distributions") or {}),
    )


def _section(document: dict, key: str, where: str = "") -> dict:
    value = document.get(key) or {}
    if not isinstance(value, dict):
        raise PolicyError(where or key, f"expected a mapping, got {type(value).__name__}")
    return value


def _strings(section: dict, key: str, where: str) -> list[str]:
    value = section.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, (str, int)) for item in value):
        raise PolicyError(where, "expected a list of strings")
    return [str(item) for item in value]


def _severities(raw: Any) -> dict[str, Severity]:
    if not isinstance(raw, dict):
        raise PolicyError("severity", "expected a mapping of rule id to error or warning")
    severities = {}
    for rule_id, level in raw.items():
        try:
            severities[str(rule_id)] = Severity(str(level).lower())
        except ValueError:
            raise PolicyError(f"severity.{rule_id}",
                              f"{level!r} is not one of error, warning, info") from None
    return severities


def _required_tags(tags: dict) -> tuple[str, ...]:
    required = _strings(tags, "require", "tags.require")
    unknown = sorted(set(required) - {"tlp", "confidence", "attack"})
    if unknown:
        raise PolicyError("tags.require", f"unknown kinds {unknown}; use tlp, confidence, attack")
    return tuple(required)


def _schema_variant(schema: dict) -> str:
    variant = str(schema.get("variant", "lax"))
    if variant not in ("lax", "strict"):
        raise PolicyError("schema.variant", f"{variant!r} is not lax or strict")
    return variant


def _missing_state(workflow: dict, states: frozenset[str]) -> str:
    state = str(workflow.get("missing_state", "draft"))
    if state not in states:
        raise PolicyError("workflow.missing_state", f"{state!r} is not one of workflow.states")
    return state


def _steps(raw: Any, states: frozenset[str]) -> tuple[Step, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError("workflow.steps", "expected a non-empty list of steps")
    steps = []
    for index, item in enumerate(raw):
        where = f"workflow.steps[{index}]"
        if not isinstance(item, dict) or not item.get("name"):
            raise PolicyError(where, "each step needs a name, states and distributions")
        step_states = tuple(_strings(item, "states", f"{where}.states"))
        unknown = sorted(set(step_states) - states)
        if unknown:
            raise PolicyError(f"{where}.states", f"{unknown} are not in workflow.states")
        steps.append(Step(str(item["name"]), step_states, _levels(item.get("distributions"),
                                                                   f"{where}.distributions")))
    return tuple(steps)


def _publish_steps(workflow: dict, steps: tuple[Step, ...]) -> tuple[str, ...]:
    names = _strings(workflow, "publish_steps", "workflow.publish_steps")
    unknown = sorted(set(names) - {step.name for step in steps})
    if unknown:
        raise PolicyError("workflow.publish_steps", f"{unknown} are not in workflow.steps")
    return tuple(names)


def _tlp_distributions(raw: Any) -> dict[str, tuple[int, ...]]:
    if not isinstance(raw, dict):
        raise PolicyError("workflow.tlp_distributions", "expected a mapping of TLP to levels")
    return {str(level).lower(): _levels(value, f"workflow.tlp_distributions.{level}")
            for level, value in raw.items()}


def _levels(raw: Any, where: str) -> tuple[int, ...]:
    if not isinstance(raw, list) or not all(
            isinstance(level, int) and level in DISTRIBUTION_NAMES for level in raw):
        raise PolicyError(where, "expected a list of distribution levels between 0 and 5")
    return tuple(raw)
