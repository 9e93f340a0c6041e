"""STIX 2.1 pattern text: comparisons, escaped literals, and observation expressions.

An attribute's comparisons form one observation expression; an object's comparisons are
grouped by SCO type, since STIX lets comparisons joined by AND inside one ``[...]`` speak of a
single object type only. String literals are escaped (``\\`` and ``'``), the one thing that
keeps a quote or a backslash in a value from breaking the pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PROPERTY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Comparison:
    """``<sco type>:<property path> = <value>``; ``value`` is a str or an int."""

    sco_type: str
    path: str
    value: str | int

    def render(self) -> str:
        return f"{self.sco_type}:{self.path} = {literal(self.value)}"


def literal(value: str | int) -> str:
    """A STIX pattern literal: integers bare, strings quoted with ``\\`` and ``'`` escaped."""
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def key(name: str) -> str:
    """An object path step; a name that is no identifier (``SHA-256``) is quoted."""
    return name if _PROPERTY.match(name) else literal(name)


def render(comparisons: list[Comparison]) -> str:
    """Group comparisons by SCO type into observation expressions joined by AND.

    Several values for the same single-valued property (two file names of one file) are
    alternatives, so they are joined by OR; list properties (``to_refs[*]``) keep AND.
    """
    groups: dict[str, dict[str, list[str]]] = {}
    for comparison in comparisons:
        paths = groups.setdefault(comparison.sco_type, {})
        rendered = comparison.render()
        values = paths.setdefault(comparison.path, [])
        if rendered not in values:
            values.append(rendered)

    observations = []
    for paths in groups.values():
        terms = []
        for path, rendered in paths.items():
            if len(rendered) == 1 or "[*]" in path:
                terms.extend(rendered)
            else:
                terms.append("(" + " OR ".join(rendered) + ")")
        observations.append("[" + " AND ".join(terms) + "]")
    return " AND ".join(observations)
