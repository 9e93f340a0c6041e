"""The export formats the pack offers, for the CLI, the misp-modules shims and the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from misp_attack_pack.attack.catalogue import Catalogue
from misp_attack_pack.events.model import Event
from misp_attack_pack.exports.base import ExportOptions, ExportResult

Renderer = Callable[[Iterable[Event], Catalogue, ExportOptions], ExportResult]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """An output format: how to render it and how MISP should serve the file."""

    name: str
    module_name: str
    description: str
    response_type: str
    file_extension: str
    render: Renderer


def _sigma(events: Iterable[Event], catalogue: Catalogue, options: ExportOptions):
    from misp_attack_pack.exports.sigma import export_sigma

    return export_sigma(events, catalogue, options)


FORMATS: dict[str, ExportFormat] = {
    "sigma": ExportFormat(
        name="sigma",
        module_name="attack_sigma_export",
        description="Sigma rules per log source, tagged with the event's ATT&CK techniques and TLP",
        response_type="application/yaml",
        file_extension="yml",
        render=_sigma,
    ),
}


def export_format(name: str) -> ExportFormat:
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"unknown export format {name!r}; known formats: {known}") from None
