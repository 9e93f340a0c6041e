"""Read the Sigma text of a MISP ``sigma`` attribute with pySigma, and say where it breaks.

pySigma reports what is wrong with a rule ("Unknown modifier 'endswithh'") but not where: its
errors carry a source only for rules read from files. The analyst editing a rule in MISP needs
the line, so the YAML is composed a second time, keeping node positions, and the error is
placed on the document and key it concerns.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from typing import Any, Iterator

import yaml

from misp_attack_pack.expansions.contract import ExpansionError
from misp_attack_pack.sigma_runtime.yaml_guard import yaml_problem

LOG = logging.getLogger(__name__)

VALUE_FIELD = "attribute.value"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_QUOTED = re.compile(r"'([^']+)'")

# The top-level key each family of pySigma errors is about, by exception class name. Names, not
# classes, so this table does not import pySigma before the offline loaders are configured.
_KEY_OF_ERROR = (
    ("SigmaModifierError", "detection"),
    ("SigmaConditionError", "detection"),
    ("SigmaDetectionError", "detection"),
    ("SigmaValueError", "detection"),
    ("SigmaLevelError", "level"),
    ("SigmaStatusError", "status"),
    ("SigmaIdentifierError", "id"),
    ("SigmaDateError", "date"),
    ("SigmaModifiedError", "modified"),
    ("SigmaLogsourceError", "logsource"),
    ("SigmaTitleError", "title"),
    ("SigmaDescriptionError", "description"),
    ("SigmaReferencesError", "references"),
    ("SigmaAuthorError", "author"),
    ("SigmaTagError", "tags"),
    ("SigmaFalsePositivesError", "falsepositives"),
    ("SigmaFieldsError", "fields"),
    ("SigmaRelatedError", "related"),
    ("SigmaLicenseError", "license"),
    ("SigmaScopeError", "scope"),
    ("SigmaNameError", "name"),
    ("SigmaTaxonomyError", "taxonomy"),
    ("SigmaCorrelationRuleError", "correlation"),
    ("SigmaFilterError", "filter"),
)


@dataclass(frozen=True, slots=True)
class SigmaSource:
    """The YAML documents of a ``sigma`` attribute, known to parse as pySigma rules."""

    documents: tuple[Any, ...]

    def collection(self):
        """A fresh ``SigmaCollection``: pipelines rewrite rules, so each use gets its own."""
        from sigma.collection import SigmaCollection

        return SigmaCollection.from_dicts(copy.deepcopy(list(self.documents)))


def parse_sigma(text: str) -> SigmaSource:
    """Check that ``text`` holds Sigma rules pySigma reads.

    Raises :class:`ExpansionError` on ``attribute.value`` with the line of the problem and, for
    a rule pySigma rejects, pySigma's own message.
    """
    from sigma.exceptions import SigmaError

    nodes, documents = _read_yaml(text)
    _require_rules(nodes, documents)
    source = SigmaSource(tuple(documents))
    try:
        _parse_conditions(source.collection())
    except SigmaError as error:
        line = _locate(error, nodes, documents)
        raise ExpansionError(VALUE_FIELD, f"the Sigma rule does not parse at line {line}: "
                             f"{error}") from None
    return source


def _read_yaml(text: str) -> tuple[list[Any], list[Any]]:
    problem = yaml_problem(text)
    if problem:
        raise ExpansionError(VALUE_FIELD, problem)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
        documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        raise ExpansionError(VALUE_FIELD, _yaml_message(error)) from None
    except yaml.YAMLError as error:
        raise ExpansionError(VALUE_FIELD, f"not valid YAML: {error}") from None
    except (ValueError, TypeError) as error:
        # The YAML is well formed but a scalar does not construct (a date like 2024-13-45).
        raise ExpansionError(VALUE_FIELD, f"not valid YAML: a value cannot be read "
                                          f"({error})") from None
    return nodes, documents


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f" at {_position(mark)}" if mark else ""
    context = ""
    if error.context:
        # PyYAML often notices a problem lines after its cause ("while parsing a flow
        # sequence" opened earlier); the opening position is where the analyst must look.
        started = f" started at {_position(error.context_mark)}" if (
            error.context_mark and error.context_mark is not mark) else ""
        context = f" ({error.context}{started})"
    return f"not valid YAML{where}: {error.problem or 'unreadable'}{context}"


def _position(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _require_rules(nodes: list[Any], documents: list[Any]) -> None:
    if all(document is None for document in documents):
        raise ExpansionError(VALUE_FIELD, "holds no Sigma rule: every YAML document is empty")
    for index, (node, document) in enumerate(zip(nodes, documents), start=1):
        if document is not None and not isinstance(document, dict):
            raise ExpansionError(VALUE_FIELD, (
                f"YAML document {index} at line {node.start_mark.line + 1} is a "
                f"{type(document).__name__}, not a Sigma rule (a mapping with title, logsource "
                f"and detection)"))


def _parse_conditions(collection) -> None:
    """pySigma parses conditions only when converting; a broken one is a parse error here."""
    from sigma.rule import SigmaRule

    for rule in collection.rules:
        if isinstance(rule, SigmaRule):
            for condition in rule.detection.parsed_condition:
                condition.parsed


def _locate(error: Exception, nodes: list[Any], documents: list[Any]) -> int:
    """The 1-based line of what the error is about, or of the document that holds it.

    pySigma quotes the offending modifier or value; it is looked for first in the part of the
    rule the error's family concerns (``detection`` for a modifier), then in the whole rule.
    """
    node = nodes[_failing_document(nodes, documents)]
    key_node, section = _section(error, node)
    candidates = (
        _line_of_quoted_token(error, section) if section is not None else 0,
        _condition_line(section) if _is_error(error, "SigmaConditionError") else 0,
        key_node.start_mark.line + 1 if key_node is not None else 0,
        _line_of_quoted_token(error, node),
    )
    return next((line for line in candidates if line), node.start_mark.line + 1)


def _failing_document(nodes: list[Any], documents: list[Any]) -> int:
    """The first document pySigma rejects on its own; the first rule when none does alone."""
    from sigma.collection import SigmaCollection
    from sigma.exceptions import SigmaError

    candidates = [index for index, document in enumerate(documents) if document is not None]
    for index in candidates:
        try:
            alone = SigmaCollection.from_dicts([copy.deepcopy(documents[index])],
                                               resolve_references=False)
            _parse_conditions(alone)
        except SigmaError:
            return index
    return candidates[0]


def _line_of_quoted_token(error: Exception, node: Any) -> int:
    """pySigma quotes the offending modifier or value: find the key or scalar holding it."""
    for token in _QUOTED.findall(str(error)):
        for key_node, value_node in _mapping_pairs(node):
            if _names_token(key_node, token):
                return key_node.start_mark.line + 1
            if isinstance(value_node, yaml.ScalarNode) and value_node.value == token:
                return value_node.start_mark.line + 1
    return 0


def _names_token(key_node: Any, token: str) -> bool:
    if not isinstance(key_node, yaml.ScalarNode):
        return False
    return key_node.value == token or token in key_node.value.split("|")[1:]


def _section(error: Exception, node: Any) -> tuple[Any, Any]:
    """The top-level key node the error's family concerns and its value node."""
    key = next((key for error_name, key in _KEY_OF_ERROR if _is_error(error, error_name)), "")
    if not key or not isinstance(node, yaml.MappingNode):
        return None, None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None, None


def _is_error(error: Exception, class_name: str) -> bool:
    return any(cls.__name__ == class_name for cls in type(error).__mro__)


def _condition_line(detection_node: Any) -> int:
    if detection_node is None or not isinstance(detection_node, yaml.MappingNode):
        return 0
    for key_node, value_node in detection_node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == "condition":
            return value_node.start_mark.line + 1
    return 0


def _mapping_pairs(node: Any) -> Iterator[tuple[Any, Any]]:
    """Every (key, value) pair of every mapping under ``node``, in document order."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield key_node, value_node
            yield from _mapping_pairs(value_node)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _mapping_pairs(item)
