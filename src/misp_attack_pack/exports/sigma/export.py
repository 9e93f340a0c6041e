"""The Sigma export: one YAML document stream of ATT&CK-tagged rules per request.

The stream opens with a comment block that lists every indicator left out and why, so a MISP
user who downloads the file sees what did not make it into a rule.
"""

from __future__ import annotations

import logging
import uuid
from typing import Iterable

import yaml

from misp_attack_pack import __version__
from misp_attack_pack.attack.catalogue import Catalogue
from misp_attack_pack.attack.resolve import EventTechniques, resolve_event
from misp_attack_pack.events.model import Attribute, Event
from misp_attack_pack.exports.base import ExportOptions, ExportResult, attribute_tlp, tlp_level
from misp_attack_pack.exports.indicators import single_line
from misp_attack_pack.exports.sigma import metadata
from misp_attack_pack.exports.sigma.collect import Collection, collect
from misp_attack_pack.exports.sigma.detection import RuleDraft
from misp_attack_pack.exports.sigma.logsources import LOG_SOURCES
from misp_attack_pack.exports.sigma.render import render_documents
from misp_attack_pack.findings import Finding
from misp_attack_pack.sigma_runtime.yaml_guard import yaml_problem

LOG = logging.getLogger(__name__)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def export_sigma(events: Iterable[Event], catalogue: Catalogue,
                 options: ExportOptions = ExportOptions()) -> ExportResult:
    """Render every event's indicators as Sigma rules in one YAML stream."""
    documents: list[dict] = []
    findings: list[Finding] = []
    summary = _Summary()

    for event in events:
        techniques = resolve_event(event, catalogue)
        collection = collect(event, techniques, options)
        event_documents = _event_rules(event, collection, techniques, catalogue, options)
        event_documents += _passthrough_rules(event, collection, techniques, catalogue, findings)
        documents += event_documents
        findings += event.load_findings + techniques.findings + collection.findings
        summary.add(event, collection, len(event_documents))
        LOG.info("event %s: %d Sigma rules from %d indicators", event.uuid,
                 len(event_documents), collection.routed)

    skipped = sum(1 for finding in findings if finding.rule_id.endswith("skipped-indicator"))
    content = _header(summary, findings, skipped) + render_documents(documents)
    return ExportResult(content=content.encode("utf-8"), findings=findings,
                        exported=summary.indicators, skipped=skipped,
                        skipped_by_reason=dict(summary.unmapped))


def _event_rules(event: Event, collection: Collection, techniques: EventTechniques,
                 catalogue: Catalogue, options: ExportOptions) -> list[dict]:
    rules = []
    for logsource in LOG_SOURCES:
        draft = collection.drafts.get(logsource.key)
        if draft is not None and draft.values:
            rules.append(_rule(event, draft, techniques, catalogue, options))
    return rules


def _rule(event: Event, draft: RuleDraft, techniques: EventTechniques, catalogue: Catalogue,
          options: ExportOptions) -> dict:
    seen_in = draft.logsource.seen_in
    mentions = list(techniques.event_level) + list(draft.techniques.values())
    tags = metadata.attack_tags(mentions, catalogue) + metadata.tlp_tags(
        draft.tlp_levels | ({tlp_level(event.tags)} - {""}))
    rule = {
        "title": metadata.title(event, seen_in),
        "id": metadata.rule_id(event, draft.logsource.key),
        "status": "experimental",
        "description": metadata.description(event, seen_in, draft.indicator_count()),
        "references": [options.event_reference(event)],
        "author": metadata.author(event),
        **metadata.dates(event),
        "tags": tags,
        "logsource": draft.logsource.as_dict(),
        "detection": draft.detection(),
        "falsepositives": ["Legitimate activity that shares an indicator with the threat"],
        "level": metadata.level(event),
    }
    if not tags:
        del rule["tags"]
    return rule


def _passthrough_rules(event: Event, collection: Collection, techniques: EventTechniques,
                       catalogue: Catalogue, findings: list[Finding]) -> list[dict]:
    """``sigma`` attributes, kept as written, with the event's ATT&CK and TLP tags merged in."""
    rules = []
    for attribute in collection.sigma_attributes:
        problem = yaml_problem(attribute.value)
        if problem:
            findings.append(_skip(attribute, problem))
            continue
        try:
            documents = [doc for doc in yaml.load_all(attribute.value, Loader=_Loader) if doc]
        except yaml.YAMLError as error:
            findings.append(_skip(attribute, f"not valid YAML ({_yaml_problem(error)})"))
            continue
        for index, document in enumerate(documents):
            problem = _sigma_problem(document)
            if problem:
                findings.append(_skip(attribute, problem))
                continue
            rules.append(_merge_tags(document, attribute, index, event, techniques, catalogue))
    return rules


def _merge_tags(rule: dict, attribute: Attribute, index: int, event: Event,
                techniques: EventTechniques, catalogue: Catalogue) -> dict:
    merged = dict(rule)
    merged.setdefault("id", str(uuid.uuid5(metadata.RULE_ID_NAMESPACE,
                                           f"{attribute.uuid}:{index}")))
    existing = [tag for tag in rule.get("tags") or [] if isinstance(tag, str)]
    level = attribute_tlp(attribute, event)
    added = metadata.attack_tags(list(techniques.for_attribute(attribute)), catalogue)
    if not any(tag.startswith("tlp.") for tag in existing):
        added += metadata.tlp_tags({level} - {""})
    merged["tags"] = list(dict.fromkeys(existing + added))
    return merged


def _sigma_problem(document) -> str:
    """Why a ``sigma`` attribute document is not a usable rule, or ``""``."""
    from sigma.exceptions import SigmaError
    from sigma.rule import SigmaRule

    if not isinstance(document, dict):
        return f"a Sigma rule must be a mapping, got {type(document).__name__}"
    if "correlation" in document:
        return ""
    try:
        SigmaRule.from_dict(document)
    except SigmaError as error:
        return f"pySigma rejects the rule: {single_line(str(error), 300)}"
    return ""


def _skip(attribute: Attribute, reason: str) -> Finding:
    return Finding("sigma.skipped-indicator", f"sigma skipped: {reason}", attribute.pointer,
                   attribute.uuid)


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "syntax error"
    return f"{problem} at line {mark.line + 1}" if mark else str(problem)


class _Summary:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.rules = 0
        self.indicators = 0
        self.not_for_detection = 0
        self.unmapped: dict[str, int] = {}

    def add(self, event: Event, collection: Collection, rules: int) -> None:
        self.events.append(event)
        self.rules += rules
        self.indicators += collection.routed + len(collection.sigma_attributes)
        self.not_for_detection += collection.not_for_detection
        for kind, count in collection.unmapped_types.items():
            self.unmapped[kind] = self.unmapped.get(kind, 0) + count


def _header(summary: _Summary, findings: list[Finding], skipped: int) -> str:
    lines = [f"Sigma rules generated by misp-attack-pack {__version__}"]
    for event in summary.events:
        lines.append(f"MISP event {event.uuid}: {single_line(event.info, 150)}")
    lines.append(f"{summary.rules} rules from {summary.indicators} indicators; "
                 f"{skipped} indicators skipped")
    if summary.not_for_detection:
        lines.append(f"{summary.not_for_detection} attributes not exported: to_ids is off "
                     f"(module option include_non_ids exports them)")
    if summary.unmapped:
        listed = ", ".join(f"{kind} x{count}" for kind, count in sorted(summary.unmapped.items()))
        lines.append(f"attribute types without a Sigma log source: {listed}")
    lines += [finding.one_line() for finding in findings]
    return "".join(f"# {single_line(line, 400)}\n" for line in lines)
