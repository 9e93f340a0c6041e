"""Rule metadata: stable ids, titles, ATT&CK and TLP tags, level, author and dates."""

from __future__ import annotations

import uuid

from misp_attack_pack.attack.catalogue import Catalogue
from misp_attack_pack.attack.resolve import TechniqueMention
from misp_attack_pack.events.coerce import calendar_date, utc_moment
from misp_attack_pack.events.model import Event
from misp_attack_pack.exports.indicators import single_line

# Fixed namespace for rule ids: uuid5(event uuid + group) gives the same id on every export.
RULE_ID_NAMESPACE = uuid.UUID("6f1b2c4e-5a0d-5d8e-9c61-3b7f0e2a9d41")

# MISP threat levels 1 High, 2 Medium, 3 Low, 4 Undefined. An undefined level still marks a
# known-bad indicator, so it maps to medium rather than informational.
LEVELS = {1: "high", 2: "medium", 3: "low", 4: "medium"}

TLP_SIGMA_TAGS = {
    "clear": "tlp.clear", "green": "tlp.green", "amber": "tlp.amber",
    "amber+strict": "tlp.amber-strict", "red": "tlp.red",
}

TITLE_LIMIT = 110
# Room for " - Indicators in <log source>", the longest being "network connections".
_SUFFIX_RESERVE = 40

# Words English titles keep in lower case; SigmaHQ's title style asks for capitals elsewhere.
_SMALL_WORDS = frozenset(
    "a an and as at by for from in new of on or over the through to via with without".split()
)


def rule_id(event: Event, group: str) -> str:
    return str(uuid.uuid5(RULE_ID_NAMESPACE, f"{event.uuid}:{group}"))


def title(event: Event, seen_in: str) -> str:
    """``<event info> - Indicators in <log source>``, within SigmaHQ's title length.

    The info is shortened the same way for every log source, at a word boundary, so the rules
    of one event share one recognisable prefix.
    """
    info = single_line(event.info or f"MISP event {event.uuid}", 1000)
    limit = TITLE_LIMIT - _SUFFIX_RESERVE
    shortened = title_case(_shortened(info, limit))
    if len(info) > limit:
        shortened += "..."
    return f"{shortened}{title_case(f' - Indicators in {seen_in}')}"


def _shortened(text: str, limit: int) -> str:
    """``text`` cut to leave room for "...", at a word boundary when one is near the end."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 3]
    boundary = cut.rfind(" ")
    if boundary > limit // 2:
        cut = cut[:boundary]
    return cut.rstrip(" ,;:-")


def title_case(text: str) -> str:
    """Capitalise lower-case words except short function words, as SigmaHQ titles read.

    Words holding ``.``, ``/`` or ``_`` (domains, paths, identifiers) are left as typed.
    """
    return " ".join(
        _capitalised(word) if _wants_capital(word, index) else word
        for index, word in enumerate(text.split(" "))
    )


def _wants_capital(word: str, index: int) -> bool:
    if not word.islower() or any(mark in word for mark in "./_"):
        return False
    return index == 0 or word not in _SMALL_WORDS


def _capitalised(word: str) -> str:
    for position, character in enumerate(word):
        if character.isalpha():
            return word[:position] + character.upper() + word[position + 1:]
    return word


def description(event: Event, seen_in: str, indicator_count: int) -> str:
    info = single_line(event.info, 300) or "(no event info)"
    return (f"Detects {indicator_count} indicators of MISP event {event.uuid} ({info}) "
            f"in {seen_in}.")


def attack_tags(mentions: list[TechniqueMention], catalogue: Catalogue) -> list[str]:
    """``attack.<tactic>`` then ``attack.t<id>`` tags, tactics in catalogue order, deduplicated."""
    techniques = [mention.technique for mention in mentions
                  if mention.technique is not None and mention.technique.active]
    tactic_order = list(catalogue.tactics)
    tactics = sorted(
        {tactic for technique in techniques for tactic in technique.tactics
         if tactic in catalogue.tactics},
        key=tactic_order.index,
    )
    technique_ids = sorted({technique.technique_id.lower() for technique in techniques})
    return [f"attack.{tactic}" for tactic in tactics] + [f"attack.{tid}" for tid in technique_ids]


def tlp_tags(levels: set[str]) -> list[str]:
    """The most restrictive TLP among a rule's indicators: a rule is as secret as its input."""
    order = ["red", "amber+strict", "amber", "green", "clear"]
    for level in order:
        if level in levels:
            return [TLP_SIGMA_TAGS[level]]
    return []


def author(event: Event) -> str:
    return single_line(event.orgc.name or event.org.name or "MISP", 100)


def level(event: Event) -> str:
    return LEVELS.get(event.threat_level_id, "medium")


def dates(event: Event) -> dict[str, str]:
    """``date`` from the event date, ``modified`` from its last change when that is later."""
    created = _iso_date(event.date) or _timestamp_date(event.timestamp)
    modified = _timestamp_date(event.timestamp)
    result = {"date": created} if created else {}
    if created and modified and modified > created:
        result["modified"] = modified
    return result


def _iso_date(text: str) -> str:
    day = calendar_date(text)
    return day.isoformat() if day else ""


def _timestamp_date(timestamp: int) -> str:
    moment = utc_moment(timestamp)
    return moment.date().isoformat() if moment else ""
