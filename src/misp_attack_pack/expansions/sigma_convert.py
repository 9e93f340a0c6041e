"""The ``attack_sigma_convert`` expansion: a ``sigma`` attribute as SIEM queries, checked.

misp-modules' own Sigma modules need the retired ``sigmatools`` and do not load beside
pySigma. This one converts every rule of the attribute (one rule or several YAML documents)
with each configured pySigma backend, runs pySigma's validators and the SigmaHQ validators
offline, and turns the rules' ATT&CK technique tags into MISP galaxy tags:

- one ``text`` attribute per query, its comment naming the backend, pipeline and rule;
- one ``text`` attribute per rule listing the validator findings, the backends that could not
  convert it and the ATT&CK tags that did not resolve;
- the ``misp-galaxy:mitre-attack-pattern`` tags, on the input attribute and in ``Tag``.

A rule that does not parse is answered with an error giving pySigma's message and the line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from misp_attack_pack.attack.catalogue import Catalogue
from misp_attack_pack.expansions.contract import (
    Expansion,
    ExpansionModule,
    InputAttribute,
    ModuleInfo,
    catalogue_for,
    echoed_attribute,
    text_attribute,
)
from misp_attack_pack.expansions.sigma_backends import (
    DEFAULT_BACKENDS,
    RuleConversion,
    backend_choices,
    convert,
)
from misp_attack_pack.expansions.sigma_source import SigmaSource, parse_sigma
from misp_attack_pack.expansions.technique_lookup import galaxy_tag
from misp_attack_pack.findings import Finding, Severity
from misp_attack_pack.sigma_runtime import configure_offline, validate_sigma_text
from misp_attack_pack.sigma_runtime.validation import EXPORT_POLICY_SKIPS, RuleIssue

LOG = logging.getLogger(__name__)

FINDINGS_CATEGORY = "Other"

_TECHNIQUE_TAG = re.compile(r"^t(\d{4})(?:\.(\d{3}))?$", re.IGNORECASE)
_VALIDATOR_SEVERITY = {"high": Severity.ERROR, "medium": Severity.WARNING,
                       "low": Severity.WARNING, "informational": Severity.INFO}


@dataclass(slots=True)
class RuleReport:
    """What the expansion learnt about one rule of the attribute."""

    key: str
    title: str
    rule_id: str
    sigma_tags: tuple[str, ...]
    conversions: list[RuleConversion] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def label(self) -> str:
        return f"Sigma rule '{self.title}' ({self.rule_id})" if self.rule_id else (
            f"Sigma rule '{self.title}'")


def expand(attribute: InputAttribute, config: dict[str, str]) -> Expansion:
    catalogue = catalogue_for(config)
    configure_offline(catalogue)
    choices = backend_choices(config.get("backends", ""))
    source = parse_sigma(attribute.value)

    reports = _rule_reports(source)
    keys = [report.key for report in reports]
    for choice in choices:
        for report, conversion in zip(reports, convert(source, choice, keys)):
            report.conversions.append(conversion)
    _add_validator_findings(reports, attribute, catalogue, _skipped_validators(config))
    tags = _attack_galaxy_tags(reports, catalogue)

    attributes = [echoed_attribute(attribute, tags)]
    for report in reports:
        attributes += _query_attributes(report, attribute.category)
        attributes += _findings_attribute(report)
    LOG.info("attribute %s: %d Sigma rules, %d backends, %d ATT&CK tags", attribute.uuid,
             len(reports), len(choices), len(tags))
    return Expansion(attributes=attributes, tags=tags)


def _rule_reports(source: SigmaSource) -> list[RuleReport]:
    reports = []
    for index, rule in enumerate(source.collection().rules, start=1):
        rule_id = str(rule.id) if getattr(rule, "id", None) else ""
        title = str(getattr(rule, "title", "") or f"rule {index}")
        tags = tuple(f"{tag.namespace}.{tag.name}" for tag in getattr(rule, "tags", ()) or ())
        reports.append(RuleReport(key=rule_id or title, title=title, rule_id=rule_id,
                                  sigma_tags=tags))
    return reports


def _add_validator_findings(reports: list[RuleReport], attribute: InputAttribute,
                            catalogue: Catalogue, skip: frozenset[str]) -> None:
    by_key = {report.key: report for report in reports}
    try:
        issues = validate_sigma_text(attribute.value, catalogue, skip)
    except Exception as error:  # a validator that breaks must not hide the queries
        LOG.exception("attribute %s: the Sigma validators failed", attribute.uuid)
        for report in reports:
            report.findings.append(Finding("sigma.validators-failed", str(error)))
        return
    # pySigma runs its validators in no fixed order; sorting keeps answers comparable.
    for issue in sorted(issues, key=lambda issue: (issue.validator, issue.description)):
        report = by_key.get(issue.rule_id or issue.rule_title)
        if report is not None:
            report.findings.append(_validator_finding(issue))


def _validator_finding(issue: RuleIssue) -> Finding:
    severity = _VALIDATOR_SEVERITY.get(issue.severity, Severity.WARNING)
    return Finding(f"sigma-validator.{issue.validator}",
                   f"{issue.description} (pySigma severity {issue.severity})",
                   severity=severity)


def _skipped_validators(config: dict[str, str]) -> frozenset[str]:
    """``skip_validators`` adds to the validators whose policy does not fit MISP content."""
    named = (name.strip() for name in config.get("skip_validators", "").split(","))
    return EXPORT_POLICY_SKIPS | frozenset(name for name in named if name)


def _attack_galaxy_tags(reports: list[RuleReport], catalogue: Catalogue) -> list[str]:
    """Galaxy tags for the techniques in ``attack.tNNNN`` tags; revoked ids are replaced."""
    tags: list[str] = []
    for report in reports:
        for sigma_tag in report.sigma_tags:
            namespace, _, name = sigma_tag.partition(".")
            match = _TECHNIQUE_TAG.match(name)
            if namespace.lower() != "attack" or match is None:
                continue
            written_id = f"T{match.group(1)}" + (f".{match.group(2)}" if match.group(2) else "")
            technique = catalogue.current(written_id)
            if technique is None:
                report.findings.append(Finding("attack.unknown-technique", (
                    f"{sigma_tag} names no technique in the ATT&CK catalogue; no galaxy tag")))
                continue
            if technique.technique_id != written_id:
                report.findings.append(Finding("attack.revoked-technique", (
                    f"{sigma_tag}: {written_id} is revoked; tagged {technique.technique_id} "
                    f"({catalogue.full_name(technique)}) instead"), severity=Severity.INFO))
            tags.append(galaxy_tag(technique))
    return list(dict.fromkeys(tags))


def _query_attributes(report: RuleReport, category: str) -> list[dict]:
    attributes = []
    for conversion in report.conversions:
        count = len(conversion.queries)
        for number, query in enumerate(conversion.queries, start=1):
            which = f"query {number} of {count}" if count > 1 else "query"
            comment = f"{conversion.choice.describe()} {which} for {report.label()}"
            attributes.append(text_attribute(query, comment, category))
    return attributes


def _findings_attribute(report: RuleReport) -> list[dict]:
    findings = list(report.findings)
    for conversion in report.conversions:
        if conversion.problem:
            findings.append(Finding("sigma.conversion-failed", (
                f"{conversion.choice.describe()} cannot convert the rule: {conversion.problem}"),
                severity=Severity.ERROR))
    if not findings:
        return []
    lines = [_finding_line(finding) for finding in findings]
    comment = f"{len(findings)} validator and conversion findings for {report.label()}"
    return [text_attribute("\n".join(lines), comment, FINDINGS_CATEGORY)]


def _finding_line(finding: Finding) -> str:
    message = " ".join(finding.message.split())
    return f"{finding.severity.value}: [{finding.rule_id}] {message}"


MODULE = ExpansionModule(
    ModuleInfo(
        name="attack_sigma_convert",
        description="Convert Sigma rules with pySigma backends (Splunk, Elasticsearch Lucene "
                    "and ES|QL, SQLite by default), report pySigma's and the SigmaHQ "
                    "validators' findings offline, and tag the rules' ATT&CK techniques.",
        module_types=("expansion",),
        input_types=("sigma",),
        output_types=("text",),
        config_options=("backends", "skip_validators", "attack_catalogue"),
        input_text="A sigma attribute: one Sigma rule, or several as YAML documents.",
        output_text=f"One text attribute per query and backend (default: {DEFAULT_BACKENDS}), "
                    "one with each rule's findings, and misp-galaxy:mitre-attack-pattern tags.",
        references=("https://github.com/SigmaHQ/pySigma",),
    ),
    expand,
)
