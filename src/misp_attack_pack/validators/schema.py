"""MISP core format: the event against the MISP JSON schema PyMISP ships.

Two quirks of real MISP output are not held against an event: PHP writes an empty object as
``[]``, and MISP writes some ids as numbers where the schema says string (MISP reads both).
The second is a warning, grouped per field so a thousand galaxy clusters give one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from misp_attack_pack.events.model import Event
from misp_attack_pack.findings import Finding, Severity
from misp_attack_pack.validators.context import Context, pointer_join
from misp_attack_pack.validators.misp_data import schema_validator

MAX_SCHEMA_FINDINGS = 200
_GROUPED = {"additionalProperties": "schema.additional-property",
            "number": "schema.number-as-string"}


def check(context: Context) -> list[Finding]:
    event = context.event
    validator = schema_validator(context.policy.schema_variant)
    errors = validator.iter_errors({"Event": event.source})
    findings: list[Finding] = []
    groups: dict[tuple[str, str], list[str]] = {}

    for error in errors:
        kind = _kind(error)
        if kind == "ignored":
            continue
        pointer = _pointer(event, error.absolute_path)
        if kind in _GROUPED:
            groups.setdefault((kind, _field_shape(error, kind)), []).append(pointer)
        elif len(findings) < MAX_SCHEMA_FINDINGS:
            findings.append(Finding(f"schema.{error.validator}", _message(error), pointer,
                                    event.uuid, Severity.ERROR))
    return findings + [_group_finding(event, kind, shape, pointers)
                       for (kind, shape), pointers in groups.items()]


def _kind(error: Any) -> str:
    if error.validator == "type":
        if error.instance == [] and _expects(error, "object"):
            return "ignored"
        if isinstance(error.instance, (int, float)) and not isinstance(error.instance, bool) \
                and _expects(error, "string"):
            return "number"
    if error.validator == "additionalProperties":
        return "additionalProperties"
    return "error"


def _expects(error: Any, json_type: str) -> bool:
    expected = error.validator_value
    return expected == json_type or (isinstance(expected, list) and json_type in expected)


def _pointer(event: Event, path: Iterable[Any]) -> str:
    """Map a path inside ``{"Event": source}`` back onto the event as it was received."""
    parts = list(path)
    if parts and parts[0] == "Event":
        parts = parts[1:]
    return pointer_join(event.pointer, *parts)


def _field_shape(error: Any, kind: str) -> str:
    """``Attribute[].first_seen``: where a grouped problem sits, indexes left out."""
    parts = [str(part) for part in error.absolute_path if not isinstance(part, int)]
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        parts.append("|".join(extra))
    return ".".join(parts[1:] if parts and parts[0] == "Event" else parts)


def _group_finding(event: Event, kind: str, shape: str, pointers: list[str]) -> Finding:
    places = f"{len(pointers)} place{'s' if len(pointers) > 1 else ''}, first at {pointers[0]}"
    if kind == "number":
        message = (f"{shape} is a number where the MISP schema expects a string; MISP reads "
                   f"it, other tools may not ({places})")
    else:
        message = f"{shape}: not in the MISP core schema ({places})"
    return Finding(_GROUPED[kind], message, pointers[0], event.uuid, Severity.WARNING)


def _message(error: Any) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "Event"
    text = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{where}: {text}"
