"""The ATT&CK catalogue: techniques, tactics, and how old ids and tactic names map to new ones.

Every export and validator asks this catalogue, never a raw ATT&CK file, so a technique id or
a tactic name means the same thing everywhere in the pack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable

TECHNIQUE_ID = re.compile(r"^T\d{4}(?:\.\d{3})?$")

ATTACK_URL = "https://attack.mitre.org/"


@dataclass(frozen=True, slots=True)
class Tactic:
    """An ATT&CK tactic. ``tactic_id`` is empty where the source gave none."""

    shortname: str
    name: str
    tactic_id: str = ""

    @property
    def url(self) -> str:
        return f"{ATTACK_URL}tactics/{self.tactic_id}/" if self.tactic_id else ""


# Enterprise tactics of ATT&CK v18.1 with their ids, and the two tactics ATT&CK v19 made out of
# Defense Evasion. The v19 ids are left empty until a v19 STIX bundle (which carries them) is
# loaded; the MISP galaxy file names the tactics but not their ids.
ENTERPRISE_TACTICS = (
    Tactic("reconnaissance", "Reconnaissance", "TA0043"),
    Tactic("resource-development", "Resource Development", "TA0042"),
    Tactic("initial-access", "Initial Access", "TA0001"),
    Tactic("execution", "Execution", "TA0002"),
    Tactic("persistence", "Persistence", "TA0003"),
    Tactic("privilege-escalation", "Privilege Escalation", "TA0004"),
    Tactic("defense-evasion", "Defense Evasion", "TA0005"),
    Tactic("stealth", "Stealth"),
    Tactic("defense-impairment", "Defense Impairment"),
    Tactic("credential-access", "Credential Access", "TA0006"),
    Tactic("discovery", "Discovery", "TA0007"),
    Tactic("lateral-movement", "Lateral Movement", "TA0008"),
    Tactic("collection", "Collection", "TA0009"),
    Tactic("command-and-control", "Command and Control", "TA0011"),
    Tactic("exfiltration", "Exfiltration", "TA0010"),
    Tactic("impact", "Impact", "TA0040"),
)

# ATT&CK v19 split Defense Evasion; a rule written against either version must still resolve.
TACTIC_EQUIVALENTS = {
    "defense-evasion": ("stealth", "defense-impairment"),
    "stealth": ("defense-evasion",),
    "defense-impairment": ("defense-evasion",),
}


@dataclass(frozen=True, slots=True)
class Technique:
    """An ATT&CK technique or sub-technique as the catalogue knows it."""

    technique_id: str
    name: str
    tactics: tuple[str, ...] = ()
    revoked: bool = False
    deprecated: bool = False
    replaced_by: str = ""
    description: str = ""
    platforms: tuple[str, ...] = ()
    stix_id: str = ""
    domain: str = "enterprise-attack"

    @property
    def is_subtechnique(self) -> bool:
        return "." in self.technique_id

    @property
    def parent_id(self) -> str:
        return self.technique_id.split(".", 1)[0] if self.is_subtechnique else ""

    @property
    def active(self) -> bool:
        return not (self.revoked or self.deprecated)

    @property
    def url(self) -> str:
        return f"{ATTACK_URL}techniques/{self.technique_id.replace('.', '/')}/"


@dataclass(slots=True)
class Catalogue:
    """Techniques by id, tactics by short name, and name indexes built on demand."""

    techniques: dict[str, Technique] = field(default_factory=dict)
    tactics: dict[str, Tactic] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    _by_name: dict[str, list[str]] | None = None
    _by_tactic_key: dict[str, str] | None = None

    def technique(self, technique_id: str) -> Technique | None:
        return self.techniques.get(technique_id.strip().upper())

    def current(self, technique_id: str) -> Technique | None:
        """The technique an id stands for today, following ``revoked-by`` links."""
        technique = self.technique(technique_id)
        seen: set[str] = set()
        while technique is not None and technique.replaced_by:
            if technique.technique_id in seen:
                break
            seen.add(technique.technique_id)
            successor = self.technique(technique.replaced_by)
            if successor is None:
                break
            technique = successor
        return technique

    def find_by_name(self, name: str) -> Technique | None:
        """Resolve a technique name, preferring active techniques over revoked ones.

        Sub-technique names are matched alone (``Pass the Hash``) and with their parent
        (``Use Alternate Authentication Material: Pass the Hash``).
        """
        ids = self._name_index().get(_name_key(name), [])
        candidates = [self.techniques[technique_id] for technique_id in ids]
        if not candidates:
            return None
        candidates.sort(key=lambda technique: (not technique.active, technique.is_subtechnique))
        return candidates[0]

    def names_like(self, text: str, limit: int = 5) -> list[Technique]:
        """Techniques whose name contains every word of ``text``, for suggestions."""
        words = _name_key(text).split()
        matches = [
            technique for technique in self.techniques.values()
            if technique.active and all(word in technique.name.lower() for word in words)
        ]
        return sorted(matches, key=lambda technique: technique.technique_id)[:limit]

    def tactic(self, text: str) -> Tactic | None:
        """A tactic from a short name, display name, id or kill-chain phase.

        ``defense-evasion``, ``Defense Evasion``, ``TA0005``, ``mitre-attack:defense-evasion`` and
        ``attack-Windows:stealth`` all resolve.
        """
        key = text.rsplit(":", 1)[-1].strip().lower().replace("_", "-").replace(" ", "-")
        shortname = self._tactic_index().get(key)
        return self.tactics.get(shortname) if shortname else None

    def equivalent_tactics(self, shortname: str) -> tuple[str, ...]:
        """The tactic names another ATT&CK version uses for the same behaviour."""
        return TACTIC_EQUIVALENTS.get(shortname, ())

    def parent_name(self, technique: Technique) -> str:
        parent = self.technique(technique.parent_id) if technique.is_subtechnique else None
        return parent.name if parent else ""

    def full_name(self, technique: Technique) -> str:
        """``Parent: Sub-technique`` for sub-techniques, as ATT&CK and MISP display them."""
        parent = self.parent_name(technique)
        if parent and not technique.name.startswith(f"{parent}:"):
            return f"{parent}: {technique.name}"
        return technique.name

    def merged_with(self, newer: "Catalogue") -> "Catalogue":
        """A catalogue where ``newer`` wins for every technique and tactic it defines."""
        techniques = dict(self.techniques)
        for technique_id, technique in newer.techniques.items():
            older = techniques.get(technique_id)
            techniques[technique_id] = _fill_gaps(technique, older) if older else technique

        tactics = dict(self.tactics)
        for shortname, tactic in newer.tactics.items():
            older_tactic = tactics.get(shortname)
            if older_tactic and not tactic.tactic_id:
                tactic = replace(tactic, tactic_id=older_tactic.tactic_id)
            tactics[shortname] = tactic

        return Catalogue(techniques=techniques, tactics=tactics,
                         sources=self.sources + newer.sources)

    def _name_index(self) -> dict[str, list[str]]:
        if self._by_name is None:
            index: dict[str, list[str]] = {}
            for technique in self.techniques.values():
                for name in {technique.name, self.full_name(technique)}:
                    index.setdefault(_name_key(name), []).append(technique.technique_id)
            self._by_name = index
        return self._by_name

    def _tactic_index(self) -> dict[str, str]:
        if self._by_tactic_key is None:
            index: dict[str, str] = {}
            for tactic in self.tactics.values():
                index[tactic.shortname] = tactic.shortname
                index[tactic.name.lower().replace(" ", "-")] = tactic.shortname
                if tactic.tactic_id:
                    index[tactic.tactic_id.lower()] = tactic.shortname
            self._by_tactic_key = index
        return self._by_tactic_key


def default_tactics() -> dict[str, Tactic]:
    return {tactic.shortname: tactic for tactic in ENTERPRISE_TACTICS}


def catalogue_from(techniques: Iterable[Technique], tactics: Iterable[Tactic],
                   source: str) -> Catalogue:
    return Catalogue(
        techniques={technique.technique_id: technique for technique in techniques},
        tactics={tactic.shortname: tactic for tactic in tactics},
        sources=(source,),
    )


def _fill_gaps(newer: Technique, older: Technique) -> Technique:
    """Keep the newer record but let the older one supply fields the newer source lacks."""
    return replace(
        newer,
        replaced_by=newer.replaced_by or (older.replaced_by if newer.revoked else ""),
        description=newer.description or older.description,
        platforms=newer.platforms or older.platforms,
        stix_id=newer.stix_id or older.stix_id,
        tactics=newer.tactics or older.tactics,
    )


def _name_key(name: str) -> str:
    return " ".join(name.replace("\u00a0", " ").lower().split())
