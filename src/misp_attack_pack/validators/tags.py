"""Tag hygiene: every indicator carries one TLP, a confidence and an ATT&CK technique.

MISP checks required taxonomies only for web UI publishes and only on event tags; this rule
looks at every ``to_ids`` attribute, objects' included. A tag counts when it sits on the
attribute itself or, when the policy allows inheritance, on its object or on the event.
Values come from the policy: TLP as misp-taxonomies v10 spells it, confidence from the local
taxonomy the policy defines.
"""

from __future__ import annotations

from collections.abc import Iterable

from misp_attack_pack.events.model import Attribute, Tag
from misp_attack_pack.findings import Finding, Severity
from misp_attack_pack.validators.context import Context, describe
from misp_attack_pack.validators.policy import Policy

_WHERE = {True: "on the attribute, its object or the event", False: "on the attribute"}


def check(context: Context) -> list[Finding]:
    findings = _tag_values(context)
    for attribute in context.event.all_attributes():
        if context.policy.only_to_ids and not attribute.to_ids:
            continue
        findings.extend(_missing(context, attribute))
    return findings


def shown(text: str, limit: int = 120) -> str:
    """A tag or value quoted for a message, cut so a hostile input cannot bloat the report."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def tlp_tags(tags: Iterable[Tag]) -> list[Tag]:
    return [tag for tag in tags if tag.namespace == "tlp"]


def tlp_value(tag: Tag) -> str:
    """``amber+strict`` from ``tlp:amber+strict`` or ``TLP:AMBER+STRICT``."""
    _, predicate, value = tag.parts()
    return (value or predicate).lower()


def effective_tlp(tags: Iterable[Tag], policy: Policy) -> str:
    """The first valid TLP value among ``tags``; ``""`` when none."""
    for tag in tlp_tags(tags):
        value = tlp_value(tag)
        if value in policy.tlp_values:
            return value
    return ""


def confidence_tags(tags: Iterable[Tag], policy: Policy) -> list[Tag]:
    return [tag for tag in tags if tag.namespace == policy.confidence_namespace]


def _tag_values(context: Context) -> list[Finding]:
    """Unknown TLP and confidence values, and more than one TLP on one element."""
    event = context.event
    findings = _tag_set(event.tags, event.pointer, event.uuid, "the event", context.policy)
    for misp_object in event.objects:
        findings += _tag_set(misp_object.tags, misp_object.pointer, misp_object.uuid,
                             f"{misp_object.name} object", context.policy)
    for attribute in event.all_attributes():
        findings += _tag_set(attribute.tags, attribute.pointer, attribute.uuid,
                             describe(attribute), context.policy)
    return findings


def _tag_set(tags: tuple[Tag, ...], pointer: str, uuid: str, owner: str,
             policy: Policy) -> list[Finding]:
    findings = []
    tlp = tlp_tags(tags)
    for tag in tlp:
        findings += _tlp_problems(tag, pointer, uuid, owner, policy)
    levels = sorted({tlp_value(tag) for tag in tlp})
    if len(levels) > 1:
        findings.append(Finding(
            "tag.multiple-tlp",
            f"{owner} carries {len(levels)} TLP levels ({', '.join(levels)}); tlp is exclusive, "
            "keep the one that applies", pointer, uuid, Severity.ERROR))
    for tag in confidence_tags(tags, policy):
        problem = _confidence_problem(tag, policy)
        if problem:
            findings.append(Finding("tag.unknown-confidence", f"{owner}: {problem}", pointer,
                                    uuid, Severity.ERROR))
    return findings


def _tlp_problems(tag: Tag, pointer: str, uuid: str, owner: str,
                  policy: Policy) -> list[Finding]:
    value = tlp_value(tag)
    if value not in policy.tlp_values:
        known = ", ".join(f"tlp:{level}" for level in sorted(policy.tlp_values))
        return [Finding("tag.unknown-tlp",
                        f"{owner}: {shown(tag.name)} is not a TLP level of the policy ({known})",
                        pointer, uuid, Severity.ERROR)]
    if tag.name != f"tlp:{value}":
        return [Finding("tag.tlp-spelling",
                        f"{owner}: {shown(tag.name)} should be spelled 'tlp:{value}' as the tlp "
                        "taxonomy writes it", pointer, uuid, Severity.WARNING)]
    return []


def _confidence_problem(tag: Tag, policy: Policy) -> str:
    _, predicate, value = tag.parts()
    allowed = ", ".join(sorted(policy.confidence_values))
    expected = (f'{policy.confidence_namespace}:{policy.confidence_predicate}="<{allowed}>"'
                if policy.confidence_predicate else f"{policy.confidence_namespace}:<{allowed}>")
    if policy.confidence_predicate:
        if predicate.lower() != policy.confidence_predicate or value.lower() not in (
                policy.confidence_values):
            return f"{shown(tag.name)} is not a confidence value of the policy ({expected})"
    elif (value or predicate).lower() not in policy.confidence_values:
        return f"{shown(tag.name)} is not a confidence value of the policy ({expected})"
    return ""


def _missing(context: Context, attribute: Attribute) -> list[Finding]:
    policy = context.policy
    tags = context.inherited_tags(attribute)
    where = _WHERE[policy.inheritance]
    missing = []
    if "tlp" in policy.required_tags and not tlp_tags(tags):
        missing.append(("tag.missing-tlp", f"no tlp:* tag {where}"))
    if "confidence" in policy.required_tags and not confidence_tags(tags, policy):
        missing.append(("tag.missing-confidence",
                        f"no {policy.confidence_namespace}:* tag {where}"))
    if "attack" in policy.required_tags and not _has_technique(context, attribute):
        missing.append(("tag.missing-attack",
                        "no ATT&CK technique (galaxy cluster, galaxy tag or attack-pattern "
                        + f"tag) {where}"))
    return [
        Finding(rule_id, f"indicator {describe(attribute)} has {message}", attribute.pointer,
                attribute.uuid, Severity.ERROR)
        for rule_id, message in missing
    ]


def _has_technique(context: Context, attribute: Attribute) -> bool:
    techniques = context.techniques
    if context.policy.inheritance:
        return bool(techniques.for_attribute(attribute))
    return bool(techniques.by_attribute.get(attribute.uuid or attribute.pointer))
