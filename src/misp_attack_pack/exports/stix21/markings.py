"""TLP 2.0 marking definitions and the STIX confidence score read from MISP tags.

The marking definitions are the ones OASIS publishes for the TLP 2.0 extension
(cti-stix-common-objects, ``extension-definition-specifications/tlp-2.0``): fixed ids, created
2022-10-01, with the ``tlp_2_0`` property extension. The installed ``stix2`` library only knows
the TLP 1.0 definitions, so they are written out here. TLP 1.0 ``white`` becomes ``clear``.
"""

from __future__ import annotations

import re

from misp_attack_pack.events.model import Tag

TLP_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

TLP_MARKING_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

LEVEL_BY_MARKING_ID = {marking_id: level for level, marking_id in TLP_MARKING_IDS.items()}

_TLP_CREATED = "2022-10-01T00:00:00.000Z"


def tlp_marking_definition(level: str) -> dict:
    """The OASIS TLP 2.0 marking definition object for ``level``."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_MARKING_IDS[level],
        "created": _TLP_CREATED,
        "name": f"TLP:{level.upper()}",
        "extensions": {
            TLP_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": level},
        },
    }


# TLP levels from the least to the most restrictive.
TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")


def most_restrictive(levels: list[str]) -> str:
    """The strictest of several TLP levels (``""`` entries ignored): a whole is as secret as
    its most secret part."""
    known = [level for level in levels if level in TLP_ORDER]
    return max(known, key=TLP_ORDER.index) if known else ""


# STIX 2.1 Appendix A, "None / Low / Med / High" scale, for tags that speak in words.
_WORD_SCORES = {"none": 0, "low": 15, "med": 50, "medium": 50, "moderate": 50, "high": 85}

# misp:confidence-level, with the numerical values of the MISP taxonomy. "Cannot be evaluated"
# says nothing about confidence, so it leaves the STIX property out.
_MISP_LEVELS = {
    "completely-confident": 100, "usually-confident": 75, "fairly-confident": 50,
    "rarely-confident": 25, "unconfident": 0,
}

_NUMBER = re.compile(r"^\d{1,3}$")


def confidence(tags: tuple[Tag, ...]) -> int | None:
    """A 0-100 confidence from the first tag that gives one, trying the explicit sources first.

    ``confidence:*`` (a local taxonomy: a number or a word, as predicate or value) wins over
    ``misp:confidence-level``, which wins over
    ``estimative-language:confidence-in-analytic-judgment``.
    """
    for reader in (_local_confidence, _misp_confidence, _estimative_confidence):
        for tag in tags:
            score = reader(*tag.parts())
            if score is not None:
                return score
    return None


def _local_confidence(namespace: str, predicate: str, value: str) -> int | None:
    if namespace.lower() != "confidence":
        return None
    return _score(value) if value else _score(predicate)


def _misp_confidence(namespace: str, predicate: str, value: str) -> int | None:
    if namespace.lower() != "misp" or predicate.lower() != "confidence-level":
        return None
    return _MISP_LEVELS.get(value.lower())


def _estimative_confidence(namespace: str, predicate: str, value: str) -> int | None:
    if (namespace.lower() != "estimative-language"
            or predicate.lower() != "confidence-in-analytic-judgment"):
        return None
    return _WORD_SCORES.get(value.lower())


def _score(text: str) -> int | None:
    word = text.strip().lower().rstrip("%")
    if _NUMBER.match(word):
        number = int(word)
        return number if number <= 100 else None
    return _WORD_SCORES.get(word)
