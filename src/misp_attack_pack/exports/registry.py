"""The export formats the pack offers, for the CLI, the misp-modules shims and the service."""

from __future__ import annotations

import importlib
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
    config_options: tuple[str, ...] = ()


def _lazy(module: str, function: str) -> Renderer:
    """A renderer that imports its export on first use, so listing formats stays cheap."""

    def render(events: Iterable[Event], catalogue: Catalogue, options: ExportOptions):
        return getattr(importlib.import_module(module), function)(events, catalogue, options)

    return render


FORMATS: dict[str, ExportFormat] = {
    "sigma": ExportFormat(
        name="sigma",
        module_name="attack_sigma_export",
        description="Sigma rules per log source, tagged with the event's ATT&CK and TLP",
        response_type="application/yaml",
        file_extension="yml",
        render=_lazy("misp_attack_pack.exports.sigma", "export_sigma"),
    ),
    "suricata": ExportFormat(
        name="suricata",
        module_name="attack_suricata_export",
        description="Suricata 7 rules with ATT&CK metadata, stable sids and exact host matching",
        response_type="text/plain",
        file_extension="rules",
        render=_lazy("misp_attack_pack.exports.suricata", "export_suricata"),
        config_options=("flavour", "sid_range", "keep_warninglisted", "classtype"),
    ),
    "stix21": ExportFormat(
        name="stix21",
        module_name="attack_stix21_export",
        description="STIX 2.1 bundle with indicators linked to ATT&CK attack patterns and TLP",
        response_type="application/json",
        file_extension="json",
        render=_lazy("misp_attack_pack.exports.stix21", "export_stix21"),
        config_options=("include_observables",),
    ),
}


def export_format(name: str) -> ExportFormat:
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"unknown export format {name!r}; known formats: {known}") from None
