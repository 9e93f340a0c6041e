"""The ``attack_technique_lookup`` expansion: an ATT&CK technique as a MISP ``attack-pattern``.

An analyst hovers over, or expands, an attribute that names a technique (``T1059.001``, a
technique name, a Sigma tag ``attack.t1059.001``, an ATT&CK page URL or a
``misp-galaxy:mitre-attack-pattern`` tag or its value) and gets the technique described from
the pack's own ATT&CK catalogue, offline and within MISP's hover timeout: an ``attack-pattern``
object and the galaxy tag MISP's ATT&CK galaxy uses for it. A revoked id is answered with its
replacement and a note saying so; an unknown one with an error that suggests close matches.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from misp_attack_pack.attack.catalogue import Catalogue, Technique
from misp_attack_pack.expansions.contract import (
    Expansion,
    ExpansionError,
    ExpansionModule,
    InputAttribute,
    MispObjectDraft,
    ModuleInfo,
    catalogue_for,
    echoed_attribute,
)

LOG = logging.getLogger(__name__)

GALAXY_TAG_PREFIX = "misp-galaxy:mitre-attack-pattern="
SUGGESTION_LIMIT = 5

_TAG_VALUE = re.compile(r'^[^:="\s]+:[^="]*="(?P<value>.*)"$')
_TECHNIQUE_LINK = re.compile(r"attack\.mitre\.org/techniques/(T\d{4})(?:/(\d{3}))?")
# Anything shaped like an id is read as one, so "T1095.01" is an error, not T1095.
_ID_LIKE = re.compile(r"(?<![A-Za-z0-9])T\d+(?:[./]\d+)?(?![A-Za-z0-9])", re.IGNORECASE)
_ID_STRICT = re.compile(r"^T(\d{4})(?:[./](\d{3}))?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TechniqueAnswer:
    """A technique as the analyst wrote it and the one ATT&CK uses today."""

    written: Technique
    current: Technique

    @property
    def replaced(self) -> bool:
        return self.written.technique_id != self.current.technique_id


def galaxy_tag(technique: Technique) -> str:
    """The tag of the technique's MISP galaxy cluster.

    MISP's ``mitre-attack-pattern`` clusters are named ``<name> - <id>`` with the technique's
    own name, also for sub-techniques (``PowerShell - T1059.001``, without the parent).
    """
    return f'{GALAXY_TAG_PREFIX}"{technique.name} - {technique.technique_id}"'


def look_up(value: str, catalogue: Catalogue) -> list[TechniqueAnswer]:
    """Every technique ``value`` names; :class:`ExpansionError` when one is unknown."""
    text = _unwrap_tag(value.strip())
    written_ids = _ids_in(text, catalogue)
    if written_ids:
        return [_answer_for_id(written_id, catalogue) for written_id in written_ids]
    return [_answer_for_name(text, catalogue)]


def lifecycle_note(answer: TechniqueAnswer, catalogue: Catalogue) -> str:
    """A sentence for a revoked or deprecated technique, naming its replacement."""
    written = answer.written
    if answer.replaced:
        state = "revoked" if written.revoked else "deprecated"
        return (f"{written.technique_id} ({written.name}) is {state} in ATT&CK and replaced by "
                f"{answer.current.technique_id} ({catalogue.full_name(answer.current)}); this "
                f"object describes the replacement.")
    if written.revoked:
        return (f"{written.technique_id} ({written.name}) is revoked in ATT&CK and the catalogue "
                f"names no replacement.")
    if written.deprecated:
        suggested = _suggested_instead(written, catalogue)
        if suggested:
            listed = ", ".join(f"{technique.technique_id} ({catalogue.full_name(technique)})"
                               for technique in suggested)
            return (f"{written.technique_id} ({written.name}) is deprecated in ATT&CK, which "
                    f"suggests {listed} instead.")
        return (f"{written.technique_id} ({written.name}) is deprecated in ATT&CK, which names "
                f"no replacement.")
    return ""


def attack_pattern_object(answer: TechniqueAnswer, catalogue: Catalogue,
                          attribute_uuid: str) -> dict:
    """The ``attack-pattern`` object for the current technique, referencing the input."""
    technique = answer.current
    draft = MispObjectDraft("attack-pattern", comment=_object_comment(answer, catalogue))
    draft.add("id", technique.technique_id)
    draft.add("name", catalogue.full_name(technique))
    if technique.description:
        draft.add("summary", technique.description)
    draft.add("references", technique.url,
              comment=f"ATT&CK technique {technique.technique_id}")
    for shortname in technique.tactics:
        tactic = catalogue.tactics.get(shortname)
        if tactic is not None and tactic.url:
            draft.add("references", tactic.url,
                      comment=f"ATT&CK tactic {tactic.name} ({tactic.tactic_id})")
    draft.reference(attribute_uuid, "describes")
    return draft.as_dict()


def expand(attribute: InputAttribute, config: dict[str, str]) -> Expansion:
    catalogue = catalogue_for(config)
    answers = look_up(attribute.value, catalogue)

    tags = [galaxy_tag(answer.current) for answer in answers]
    objects = [attack_pattern_object(answer, catalogue, attribute.uuid) for answer in answers]
    for answer in answers:
        if answer.replaced:
            LOG.info("attribute %s: %s answered with its replacement %s", attribute.uuid,
                     answer.written.technique_id, answer.current.technique_id)
    return Expansion(attributes=[echoed_attribute(attribute, tags)], objects=objects, tags=tags)


def _suggested_instead(technique: Technique, catalogue: Catalogue) -> list[Technique]:
    """The techniques a deprecation notice links to ("Please use [...](...) instead").

    ATT&CK gives deprecated techniques no ``revoked-by`` successor; its only pointer to what
    to use now is the first paragraph of the description.
    """
    notice = technique.description.strip().split("\n", 1)[0]
    suggested = []
    for match in _TECHNIQUE_LINK.finditer(notice):
        written_id = f"{match.group(1)}.{match.group(2)}" if match.group(2) else match.group(1)
        current = catalogue.current(written_id)
        if current is not None and current.technique_id != technique.technique_id:
            suggested.append(current)
    return list(dict.fromkeys(suggested))


def _unwrap_tag(text: str) -> str:
    """``misp-galaxy:mitre-attack-pattern="PowerShell - T1059.001"`` -> its quoted value."""
    match = _TAG_VALUE.match(text)
    return match.group("value").strip() if match else text


def _ids_in(text: str, catalogue: Catalogue) -> list[str]:
    """Technique ids written as ``T1059.001``, ``attack.t1059.001`` or a ``T1059/001`` URL."""
    ids = []
    for match in _ID_LIKE.finditer(text):
        strict = _ID_STRICT.match(match.group(0))
        if strict is None:
            raise ExpansionError("attribute.value",
                                 _malformed_id_message(match.group(0), catalogue))
        base, sub = strict.group(1), strict.group(2)
        ids.append(f"T{base}.{sub}" if sub else f"T{base}")
    return list(dict.fromkeys(ids))


def _answer_for_id(written_id: str, catalogue: Catalogue) -> TechniqueAnswer:
    written = catalogue.technique(written_id)
    if written is None:
        raise ExpansionError("attribute.value", _unknown_id_message(written_id, catalogue))
    return TechniqueAnswer(written, catalogue.current(written_id) or written)


def _answer_for_name(name: str, catalogue: Catalogue) -> TechniqueAnswer:
    written = catalogue.find_by_name(name)
    if written is None:
        raise ExpansionError("attribute.value", _unknown_name_message(name, catalogue))
    return TechniqueAnswer(written, catalogue.current(written.technique_id) or written)


def _unknown_id_message(written_id: str, catalogue: Catalogue) -> str:
    near = _near_ids(written_id, catalogue)
    return (f"no ATT&CK technique has the id {written_id} in the catalogue "
            f"({_sources(catalogue)}); {_suggestions(near, catalogue)}")


def _malformed_id_message(written: str, catalogue: Catalogue) -> str:
    near = _near_ids(written.upper().replace("/", "."), catalogue)
    return (f"{written!r} is not an ATT&CK technique id (T and four digits, .NNN for a "
            f"sub-technique); {_suggestions(near, catalogue)}")


def _unknown_name_message(name: str, catalogue: Catalogue) -> str:
    near = catalogue.names_like(name, limit=SUGGESTION_LIMIT) or _similar_names(name, catalogue)
    return (f"no ATT&CK technique id or name in {name!r} ({_sources(catalogue)}); "
            f"{_suggestions(near, catalogue)}")


def _near_ids(written_id: str, catalogue: Catalogue) -> list[Technique]:
    """Active techniques one typo away from ``written_id``, and its parent if it exists."""
    parent = catalogue.technique(written_id.split(".", 1)[0]) if "." in written_id else None
    near = [technique for technique in catalogue.techniques.values()
            if technique.active and _one_edit_apart(written_id, technique.technique_id)]
    near.sort(key=lambda technique: technique.technique_id)
    if parent is not None and parent.active:
        near.insert(0, parent)
    return list(dict.fromkeys(near))[:SUGGESTION_LIMIT]


def _similar_names(name: str, catalogue: Catalogue) -> list[Technique]:
    by_name = {catalogue.full_name(technique).lower(): technique
               for technique in catalogue.techniques.values() if technique.active}
    by_name.update({technique.name.lower(): technique
                    for technique in catalogue.techniques.values() if technique.active})
    close = difflib.get_close_matches(name.lower(), list(by_name), n=SUGGESTION_LIMIT,
                                      cutoff=0.75)
    return list(dict.fromkeys(by_name[key] for key in close))


def _suggestions(techniques: list[Technique], catalogue: Catalogue) -> str:
    if not techniques:
        return "no close match"
    listed = ", ".join(f"{technique.technique_id} ({catalogue.full_name(technique)})"
                       for technique in techniques)
    return f"close matches: {listed}"


def _one_edit_apart(left: str, right: str) -> bool:
    """One substitution, insertion, deletion or swap of neighbours turns one into the other."""
    if left == right or abs(len(left) - len(right)) > 1:
        return False
    if len(left) == len(right):
        differences = [index for index, (a, b) in enumerate(zip(left, right)) if a != b]
        if len(differences) == 1:
            return True
        if len(differences) != 2:
            return False
        first, second = differences
        return (second == first + 1
                and left[first] == right[second] and left[second] == right[first])
    shorter, longer = sorted((left, right), key=len)
    return any(longer[:index] + longer[index + 1:] == shorter for index in range(len(longer)))


def _object_comment(answer: TechniqueAnswer, catalogue: Catalogue) -> str:
    technique = answer.current
    tactics = [_tactic_label(shortname, catalogue) for shortname in technique.tactics]
    parts = [f"ATT&CK {technique.domain} technique {technique.technique_id}"]
    if tactics:
        parts.append(f"tactics: {', '.join(tactics)}")
    if technique.platforms:
        parts.append(f"platforms: {', '.join(technique.platforms)}")
    summary = "; ".join(parts) + "."
    note = lifecycle_note(answer, catalogue)
    return f"{note} {summary}" if note else summary


def _tactic_label(shortname: str, catalogue: Catalogue) -> str:
    tactic = catalogue.tactics.get(shortname)
    if tactic is None:
        return shortname
    return f"{tactic.name} ({tactic.tactic_id})" if tactic.tactic_id else tactic.name


def _sources(catalogue: Catalogue) -> str:
    return " + ".join(catalogue.sources) or "empty catalogue"


MODULE = ExpansionModule(
    ModuleInfo(
        name="attack_technique_lookup",
        description="Describe the MITRE ATT&CK technique an attribute names, offline: an "
                    "attack-pattern object, its MISP galaxy tag, and the replacement of a "
                    "revoked or deprecated technique.",
        module_types=("expansion", "hover"),
        input_types=("text", "comment", "other"),
        output_types=("text", "link"),
        config_options=("attack_catalogue",),
        input_text="An attribute naming an ATT&CK technique: T1059.001, attack.t1059.001, a "
                   "technique name, an attack.mitre.org URL or a mitre-attack-pattern galaxy "
                   "tag.",
        output_text="An attack-pattern object (id, name, summary, technique and tactic "
                    "references) and the misp-galaxy:mitre-attack-pattern tag.",
        references=("https://attack.mitre.org/",),
    ),
    expand,
)
