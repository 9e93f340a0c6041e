"""Object templates: each object checked against its misp-objects template.

MISP checks a template only when one object is added through ``objects/add`` and the
template uuid and version match; full-event adds and sync skip it. Here every object is
checked: required relations, ``requiredOneOf``, relations filled more than once without
``multiple``, the attribute type each relation expects, ``values_list`` and categories. An
object whose template PyMISP does not ship is a warning, since it may be a local template.
"""

from __future__ import annotations

from collections import Counter

from misp_attack_pack.events.model import Attribute, MispObject
from misp_attack_pack.findings import Finding, Severity
from misp_attack_pack.validators.context import Context, describe
from misp_attack_pack.validators.misp_data import object_template


def check(context: Context) -> list[Finding]:
    findings = []
    for misp_object in context.event.objects:
        template = object_template(misp_object.name)
        if template is None:
            findings.append(_object_finding(
                "object.unknown-template",
                f"{misp_object.name} object: no misp-objects template of that name is known; "
                "its relations were not checked", misp_object, Severity.WARNING))
            continue
        findings += check_object(misp_object, template)
    return findings


def check_object(misp_object: MispObject, template: dict) -> list[Finding]:
    """Every way ``misp_object`` departs from ``template``."""
    relations = template.get("attributes") or {}
    counts = Counter(attribute.object_relation for attribute in misp_object.attributes)
    findings = _required(misp_object, template, counts)
    findings += _multiple(misp_object, relations, counts)
    for attribute in misp_object.attributes:
        spec = relations.get(attribute.object_relation)
        if spec is None:
            findings.append(_attribute_finding(
                "object.unknown-relation",
                f"{misp_object.name} object: relation {attribute.object_relation!r} is not in "
                f"the template (version {template.get('version', '?')})", attribute))
            continue
        findings += _relation(misp_object, attribute, spec)
    return findings


def _required(misp_object: MispObject, template: dict, counts: Counter) -> list[Finding]:
    findings = []
    for relation in template.get("required") or ():
        if not counts.get(relation):
            findings.append(_object_finding(
                "object.missing-required",
                f"{misp_object.name} object: required relation {relation!r} is missing",
                misp_object))
    one_of = template.get("requiredOneOf") or ()
    if one_of and not any(counts.get(relation) for relation in one_of):
        findings.append(_object_finding(
            "object.missing-required-one-of",
            f"{misp_object.name} object: needs at least one of {', '.join(one_of)}",
            misp_object))
    return findings


def _multiple(misp_object: MispObject, relations: dict, counts: Counter) -> list[Finding]:
    findings = []
    for relation, count in sorted(counts.items()):
        spec = relations.get(relation)
        if spec is not None and count > 1 and not spec.get("multiple"):
            findings.append(_object_finding(
                "object.multiple",
                f"{misp_object.name} object: relation {relation!r} is filled {count} times; "
                "the template allows one", misp_object))
    return findings


def _relation(misp_object: MispObject, attribute: Attribute, spec: dict) -> list[Finding]:
    findings = []
    expected = spec.get("misp-attribute")
    if expected and attribute.type != expected:
        findings.append(_attribute_finding(
            "object.relation-type",
            f"{misp_object.name} object: relation {attribute.object_relation!r} expects type "
            f"{expected}, got {attribute.type}", attribute))
    values = spec.get("values_list")
    if values and attribute.value not in values:
        findings.append(_attribute_finding(
            "object.values-list",
            f"{misp_object.name} object: {describe(attribute)} is not one of the template's "
            f"values ({', '.join(map(str, values[:12]))}{', ...' if len(values) > 12 else ''})",
            attribute))
    categories = spec.get("categories")
    if categories and attribute.category and attribute.category not in categories:
        findings.append(_attribute_finding(
            "object.category",
            f"{misp_object.name} object: relation {attribute.object_relation!r} allows "
            f"categories {', '.join(categories)}, got {attribute.category!r}", attribute))
    return findings


def _object_finding(rule_id: str, message: str, misp_object: MispObject,
                    severity: Severity = Severity.ERROR) -> Finding:
    return Finding(rule_id, message, misp_object.pointer, misp_object.uuid, severity)


def _attribute_finding(rule_id: str, message: str, attribute: Attribute) -> Finding:
    return Finding(rule_id, message, attribute.pointer, attribute.uuid, Severity.ERROR)
