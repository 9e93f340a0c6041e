"""Publication flow: events move Draft, Internal Review, Publish to Org, Publish to Community.

Where an event stands comes from its ``workflow:state`` tag and its distribution level; the
request names the step it asks for. Staying at a step or moving to the next one is fine;
skipping a step or going back is an error. TLP must fit how far the event is shared:
``tlp:red`` never leaves the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from misp_attack_pack.events.model import Attribute, Event
from misp_attack_pack.findings import Finding, Severity
from misp_attack_pack.validators.context import Context, describe
from misp_attack_pack.validators.policy import DISTRIBUTION_NAMES, Policy
from misp_attack_pack.validators.tags import effective_tlp, shown, tlp_tags

# How widely each distribution level shares, narrowest first; 5 (inherit) is resolved before.
_REACH = {0: 0, 4: 1, 1: 2, 2: 3, 3: 4}


@dataclass(frozen=True, slots=True)
class EventState:
    """``state`` as tagged (or the policy's default), the step it puts the event at."""

    state: str
    step: str
    tagged: bool


def check(context: Context) -> list[Finding]:
    findings = _state_tags(context)
    state = event_state(context)
    findings += _state_fits_distribution(context, state)
    if context.step:
        findings += _requested_step(context, state)
    findings += _tlp_fits_distribution(context)
    return findings


def event_state(context: Context) -> EventState:
    """Where the event stands in the publication flow."""
    policy = context.policy
    states = _tagged_states(context.event, policy)
    known = [state for state in states if state in policy.workflow_states]
    state = known[0] if known else policy.missing_state
    return EventState(state, _step_of(policy, state, context.event.distribution), bool(states))


def _tagged_states(event: Event, policy: Policy) -> list[str]:
    states = []
    for tag in event.tags:
        namespace, predicate, value = tag.parts()
        if namespace.lower() == policy.workflow_namespace and (
                predicate.lower() == policy.workflow_predicate):
            states.append(value.lower())
    return states


def _step_of(policy: Policy, state: str, distribution: int) -> str:
    """The first step holding both the state and the distribution, else the state's first."""
    for step in policy.steps:
        if state in step.states and distribution in step.distributions:
            return step.name
    return next((step.name for step in policy.steps if state in step.states), "")


def _state_tags(context: Context) -> list[Finding]:
    event, policy = context.event, context.policy
    states = _tagged_states(event, policy)
    tag = f"{policy.workflow_namespace}:{policy.workflow_predicate}"
    if not states:
        return [Finding("workflow.missing-state",
                        f"the event has no {tag} tag; it is taken to be "
                        f"'{policy.missing_state}'", event.pointer, event.uuid,
                        Severity.WARNING)]
    findings = []
    unknown = [state for state in states if state not in policy.workflow_states]
    if unknown:
        known = ", ".join(sorted(policy.workflow_states))
        findings.append(Finding("workflow.unknown-state",
                                f"{tag} value {', '.join(map(shown, unknown))} is not one of "
                                f"{known}", event.pointer, event.uuid, Severity.ERROR))
    if len(set(states)) > 1:
        findings.append(Finding("workflow.multiple-states",
                                f"the event carries {len(set(states))} {tag} tags "
                                f"({', '.join(map(shown, sorted(set(states))[:5]))}); keep one",
                                event.pointer, event.uuid, Severity.ERROR))
    return findings


def _state_fits_distribution(context: Context, state: EventState) -> list[Finding]:
    """A tagged state shared wider than its step allows; an untagged event is only warned."""
    event, policy = context.event, context.policy
    step = policy.step(state.step)
    if not state.tagged or step is None or event.distribution in step.distributions:
        return []
    return [Finding(
        "workflow.distribution-mismatch",
        f"the event is at step {step.name} (state '{state.state}') but shared with "
        f"{_distribution(event.distribution)}; {step.name} allows "
        f"{_distributions(step.distributions)}", event.pointer, event.uuid, Severity.ERROR)]


def _requested_step(context: Context, state: EventState) -> list[Finding]:
    event, policy = context.event, context.policy
    wanted = policy.step_index(context.step)
    if wanted < 0:
        known = ", ".join(step.name for step in policy.steps)
        return [Finding("workflow.unknown-step", f"step {context.step!r} is not one of {known}",
                        event.pointer, event.uuid, Severity.ERROR)]

    current = policy.step_index(state.step)
    findings = []
    if wanted < current:
        findings.append(Finding(
            "workflow.step-back",
            f"the event is at {state.step}; going back to {context.step} is not allowed",
            event.pointer, event.uuid, Severity.ERROR))
    elif wanted > current + 1:
        skipped = ", ".join(step.name for step in policy.steps[current + 1:wanted])
        findings.append(Finding(
            "workflow.step-skipped",
            f"the event is at {state.step} (state '{state.state}'); {context.step} skips "
            f"{skipped}", event.pointer, event.uuid, Severity.ERROR))

    step = policy.steps[wanted]
    if event.distribution not in step.distributions:
        findings.append(Finding(
            "workflow.step-distribution",
            f"{step.name} needs distribution {_distributions(step.distributions)}; the event "
            f"is shared with {_distribution(event.distribution)}", event.pointer, event.uuid,
            Severity.ERROR))
    return findings


def _tlp_fits_distribution(context: Context) -> list[Finding]:
    """The event's TLP against its distribution, and each attribute's own TLP against its."""
    event, policy = context.event, context.policy
    findings = []
    level = effective_tlp(event.tags, policy)
    finding = _tlp_finding(policy, level, event.distribution, "the event", event.pointer,
                           event.uuid)
    if finding:
        findings.append(finding)

    for attribute in event.all_attributes():
        misp_object = context.object_of(attribute)
        own_tags = attribute.tags + (misp_object.tags if misp_object else ())
        if not tlp_tags(own_tags):
            continue
        reach = _attribute_distribution(attribute, misp_object, event)
        finding = _tlp_finding(policy, effective_tlp(own_tags, policy), reach,
                               f"indicator {describe(attribute)}", attribute.pointer,
                               attribute.uuid)
        if finding:
            findings.append(finding)
    return findings


def _tlp_finding(policy: Policy, level: str, distribution: int, owner: str, pointer: str,
                 uuid: str) -> Finding | None:
    allowed = policy.tlp_distributions.get(level)
    if not level or allowed is None or distribution in allowed:
        return None
    return Finding("workflow.tlp-distribution",
                   f"{owner} is tlp:{level} but shared with {_distribution(distribution)}; "
                   f"tlp:{level} allows {_distributions(allowed)}", pointer, uuid,
                   Severity.ERROR)


def _attribute_distribution(attribute: Attribute, misp_object, event: Event) -> int:
    """How far an attribute really goes: never wider than its object or its event."""
    levels = [event.distribution]
    if misp_object is not None and misp_object.distribution != 5:
        levels.append(misp_object.distribution)
    if attribute.distribution != 5:
        levels.append(attribute.distribution)
    levels = [level for level in levels if level in _REACH] or [event.distribution]
    return min(levels, key=lambda level: _REACH.get(level, 4))


def _distribution(level: int) -> str:
    return f"{DISTRIBUTION_NAMES.get(level, 'an unknown level')} (distribution {level})"


def _distributions(levels: tuple[int, ...]) -> str:
    return " or ".join(f"{level} ({DISTRIBUTION_NAMES.get(level, '?')})" for level in levels)
