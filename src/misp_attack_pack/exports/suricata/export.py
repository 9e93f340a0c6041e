"""Suricata export: MISP events to a rules file that Suricata 7 (or Snort 2.9) loads cleanly.

Module options, read from the MISP plugin settings of ``attack_suricata_export``:

- ``flavour``: ``suricata`` (default) or ``snort`` for Snort 2.9 rules;
- ``sid_range``: ``FIRST-LAST`` for the derived sids, default ``1000000-1999999``;
- ``keep_warninglisted``: also write rules for values on MISP warninglists;
- ``classtype``: one classtype for every rule instead of the per-type default.

Nothing in this module raises on bad input: values that cannot make a rule, passthrough rules
that do not parse and unusable options are listed in the header comment with the attribute
uuid, and the rest of the event is still exported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple

from misp_attack_pack import __version__
from misp_attack_pack.attack.catalogue import Catalogue
from misp_attack_pack.attack.resolve import EventTechniques, TechniqueMention, resolve_event
from misp_attack_pack.events.model import Attribute, Event
from misp_attack_pack.exports.base import ExportOptions, ExportResult
from misp_attack_pack.exports.indicators import single_line
from misp_attack_pack.exports.suricata import flavours, metadata, passthrough, sids
from misp_attack_pack.exports.suricata.collect import (
    SKIPPED_RULE_ID,
    Collection,
    collect,
    skipped,
)
from misp_attack_pack.exports.suricata.draft import RuleDraft
from misp_attack_pack.exports.suricata.templates import rule_key
from misp_attack_pack.exports.suricata.warninglists import SuricataWarninglists, bundled_index
from misp_attack_pack.findings import Finding

LOG = logging.getLogger(__name__)

_CLASSTYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")

# Measured with Suricata 7.0.10 ``-T``: a content longer than 4000 bytes fails to compile
# (spm-hs "Unable to compile") and a rule line of 8192 characters or more is cut off ("no
# terminating ';'"). Either error fails the whole file. A content never holds more bytes than
# the UTF-8 of its rule, so a rule of at most 3900 bytes is clear of both limits.
MAX_RULE_BYTES = 3900


@dataclass(frozen=True, slots=True)
class SuricataSettings:
    flavour: str = flavours.SURICATA
    sid_range: sids.SidRange = sids.SidRange(*sids.DEFAULT_RANGE)
    keep_warninglisted: bool = False
    classtype: str = ""
    misp_url: str = ""


def settings_from(options: ExportOptions) -> tuple[SuricataSettings, list[Finding]]:
    """The format options, with a finding (and the default) for each unusable value."""
    findings: list[Finding] = []
    flavour = options.setting("flavour", flavours.SURICATA).lower()
    if flavour not in flavours.FLAVOURS:
        findings.append(_option_problem("flavour", f"{flavour!r} is not suricata or snort"))
        flavour = flavours.SURICATA
    try:
        sid_range = sids.SidRange.parse(options.setting("sid_range"))
    except sids.SidRangeError as error:
        findings.append(_option_problem("sid_range", str(error)))
        sid_range = sids.SidRange(*sids.DEFAULT_RANGE)
    classtype = options.setting("classtype").lower()
    if classtype and not set(classtype) <= _CLASSTYPE_CHARS:
        findings.append(_option_problem("classtype", f"{classtype!r} is not a classtype name"))
        classtype = ""
    return SuricataSettings(flavour, sid_range, options.flag("keep_warninglisted"), classtype,
                            options.misp_url), findings


class _RuleDetails(NamedTuple):
    """The options around a rule's match: msg first; reference, classtype, priority after
    the match; metadata last, as ET orders them."""

    message: str
    classification: str
    metadata: str


@dataclass(slots=True)
class _PendingRule:
    """A rule whose text is known except for its sid."""

    key: str
    write: Callable[[int], str]
    attributes: tuple[Attribute, ...]


@dataclass(slots=True)
class _Summary:
    events: list[Event] = field(default_factory=list)
    indicators: set[str] = field(default_factory=set)
    not_for_detection: int = 0
    duplicates: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)
    warninglisted: list = field(default_factory=list)


def export_suricata(events: Iterable[Event], catalogue: Catalogue,
                    options: ExportOptions) -> ExportResult:
    settings, findings = settings_from(options)
    summary = _Summary()
    pending: list[_PendingRule] = []
    attack = _AttackEntries(catalogue)
    for event in events:
        techniques = resolve_event(event, catalogue)
        warninglists = None if settings.keep_warninglisted else _warninglists(event)
        collection = collect(event, options, warninglists)
        event_rules = _draft_rules(event, collection, techniques, attack, settings, findings)
        event_rules += _passthrough_rules(event, collection, techniques, attack, findings)
        pending += event_rules
        findings += event.load_findings + techniques.findings + collection.findings
        _count(summary, event, collection)
        LOG.info("event %s: %d rules, %d values on warninglists", event.uuid, len(event_rules),
                 len(collection.warninglisted))

    summary.indicators -= {finding.uuid for finding in findings
                           if finding.rule_id == SKIPPED_RULE_ID}
    lines = _numbered(pending, settings, findings)
    content = _header(summary, settings, len(lines), findings) + "".join(f"{line}\n"
                                                                           for line in lines)
    skipped_count = sum(1 for finding in findings if finding.rule_id == SKIPPED_RULE_ID)
    by_reason = dict(summary.unmapped)
    if summary.warninglisted:
        by_reason["warninglist"] = len(summary.warninglisted)
    return ExportResult(content=content.encode("utf-8"), findings=findings,
                        exported=len(summary.indicators), skipped=skipped_count,
                        skipped_by_reason=by_reason)


def _warninglists(event: Event) -> SuricataWarninglists | None:
    if not event.attributes and not event.objects:
        return None
    return bundled_index()


def _draft_rules(event: Event, collection: Collection, techniques: EventTechniques,
                 attack: _AttackEntries, settings: SuricataSettings,
                 findings: list[Finding]) -> list[_PendingRule]:
    rules = []
    for draft in collection.drafts:
        try:
            rendered = flavours.render(draft, settings.flavour)
        except flavours.NotExpressible as error:
            findings += [skipped(attribute, str(error)) for attribute in draft.attributes]
            continue
        details = _details(event, draft, techniques, attack, settings)
        rev = sids.revision(draft.timestamp)
        for rule in rendered:
            pending = _PendingRule(rule.key, _draft_writer(rule, details, rev),
                                   draft.attributes)
            if _fits(pending, findings):
                rules.append(pending)
    return rules


def _fits(rule: _PendingRule, findings: list[Finding]) -> bool:
    """Whether the rule, with the widest sid, stays under ``MAX_RULE_BYTES``; else a finding."""
    size = len(rule.write(sids.MAX_SID).encode("utf-8"))
    if size <= MAX_RULE_BYTES:
        return True
    findings.extend(skipped(attribute, f"the rule would be {size} bytes, more than the "
                                       f"{MAX_RULE_BYTES} Suricata is sure to load")
                    for attribute in rule.attributes)
    return False


def _details(event: Event, draft: RuleDraft, techniques: EventTechniques,
             attack: _AttackEntries, settings: SuricataSettings) -> _RuleDetails:
    entries = attack(_mentions(techniques, draft.attributes))
    object_uuid = draft.misp_object.uuid if draft.misp_object else ""
    parts = [
        metadata.reference(event, settings.misp_url),
        f"classtype:{settings.classtype or draft.classtype};",
        f"priority:{metadata.priority(event)};",
    ]
    message = f'msg:"{metadata.rule_message(event, draft.label)}";'
    return _RuleDetails(message, " ".join(part for part in parts if part),
                        metadata.metadata_option(
                            metadata.metadata(event, draft.attributes, object_uuid, entries)))


def _draft_writer(rule: flavours.RenderedRule, details: _RuleDetails,
                  rev: int) -> Callable[[int], str]:
    prefix, middle, suffix = details

    def write(sid: int) -> str:
        options = " ".join(part for part in (prefix, rule.options, middle, f"sid:{sid};",
                                             f"rev:{rev};", suffix) if part)
        return f"alert {rule.header} ({options})"

    return write


def _mentions(techniques: EventTechniques, attributes: tuple[Attribute, ...]
              ) -> list[TechniqueMention]:
    mentions: dict[str, TechniqueMention] = {}
    for attribute in attributes:
        for mention in techniques.for_attribute(attribute):
            mentions.setdefault(mention.technique_id or mention.written_name, mention)
    return list(mentions.values())


class _AttackEntries:
    """ATT&CK metadata entries per technique set, for one export: most rules share a set."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.known: dict[tuple[str, ...], list[str]] = {}

    def __call__(self, mentions: list[TechniqueMention]) -> list[str]:
        key = tuple(mention.technique.technique_id for mention in mentions
                    if mention.technique is not None)
        entries = self.known.get(key)
        if entries is None:
            entries = self.known[key] = metadata.attack_entries(mentions, self.catalogue)
        return entries


def _passthrough_rules(event: Event, collection: Collection, techniques: EventTechniques,
                       attack: _AttackEntries, findings: list[Finding]) -> list[_PendingRule]:
    rules = []
    for attribute in collection.passthrough:
        texts = passthrough.rules_in(attribute.value)
        if len(texts) != 1:
            findings.append(skipped(attribute, f"holds {len(texts)} rules, not one"
                                    if texts else "holds no rule"))
            continue
        try:
            written = passthrough.parse(texts[0])
        except passthrough.RuleTextError as error:
            findings.append(skipped(attribute, str(error)))
            continue
        pending = _passthrough_rule(event, attribute, written, techniques, attack)
        if _fits(pending, findings):
            rules.append(pending)
    return rules


def _passthrough_rule(event: Event, attribute: Attribute, written: passthrough.WrittenRule,
                      techniques: EventTechniques, attack: _AttackEntries) -> _PendingRule:
    entries = metadata.metadata(event, (attribute,), attribute.object_uuid,
                                attack(list(techniques.for_attribute(attribute))))
    message = metadata.rule_message(event, f"{attribute.type} rule")
    rev = sids.revision(attribute.timestamp)
    return _PendingRule(rule_key(attribute), lambda sid: passthrough.render(
        written, sid, rev, entries, message), (attribute,))


def _numbered(pending: list[_PendingRule], settings: SuricataSettings,
              findings: list[Finding]) -> list[str]:
    try:
        allocated = sids.allocate((rule.key for rule in pending), settings.sid_range)
    except sids.SidRangeError as error:
        findings.append(_option_problem("sid_range", f"{error}; the default range is used"))
        allocated = sids.allocate((rule.key for rule in pending),
                                  sids.SidRange(*sids.DEFAULT_RANGE))
    lines = []
    written_keys: set[str] = set()
    for rule in pending:
        if rule.key in written_keys:
            continue
        written_keys.add(rule.key)
        lines.append(rule.write(allocated[rule.key]))
    return lines


def _count(summary: _Summary, event: Event, collection: Collection) -> None:
    summary.events.append(event)
    for draft in collection.drafts:
        summary.indicators.update(attribute.uuid for attribute in draft.attributes)
    summary.indicators.update(attribute.uuid for attribute in collection.passthrough)
    summary.not_for_detection += collection.not_for_detection
    summary.duplicates += collection.duplicates
    summary.warninglisted += collection.warninglisted
    for kind, count in collection.unmapped_types.items():
        summary.unmapped[kind] = summary.unmapped.get(kind, 0) + count


def _header(summary: _Summary, settings: SuricataSettings, rule_count: int,
            findings: list[Finding]) -> str:
    engine = "Snort 2.9" if settings.flavour == flavours.SNORT else "Suricata 7"
    skipped_count = sum(1 for finding in findings if finding.rule_id == SKIPPED_RULE_ID)
    lines = [f"{engine} rules generated by misp-attack-pack {__version__}"]
    lines += [f"MISP event {event.uuid}: {single_line(event.info, 150)}"
              for event in summary.events]
    lines.append(f"{rule_count} rules from {len(summary.indicators)} indicators; "
                 f"{skipped_count} indicators skipped; {len(summary.warninglisted)} values on "
                 f"MISP warninglists left out")
    if summary.duplicates:
        lines.append(f"{summary.duplicates} rules not repeated: an earlier rule matches the same")
    if summary.not_for_detection:
        lines.append(f"{summary.not_for_detection} attributes not exported: to_ids is off "
                     "(module option include_non_ids exports them)")
    if summary.unmapped:
        listed = ", ".join(f"{kind} x{count}" for kind, count in sorted(summary.unmapped.items()))
        lines.append(f"attribute types without a rule template: {listed}")
    for hit in summary.warninglisted:
        lines.append(f"[suricata.warninglisted] {hit.uuid}: {hit.misp_type} "
                     f"{single_line(hit.value, 120)} is on {'; '.join(hit.lists)} "
                     "(module option keep_warninglisted keeps it)")
    lines += [finding.one_line() for finding in findings]
    return "".join(f"# {single_line(line, 400)}\n" for line in lines)


def _option_problem(name: str, reason: str) -> Finding:
    return Finding("suricata.option", f"module option {name}: {reason}")
