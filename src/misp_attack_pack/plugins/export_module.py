"""Export modules as misp-modules loads them, following the contract MISP relies on.

MISP POSTs ``{"module", "config", "data": [event]}`` to ``/query`` and serves the base64 file
in ``{"data": ...}`` with the ``responseType`` and ``outputFileExtension`` of
``introspection()``. An ``{"error": ...}`` answer gives the MISP user an empty download, so an
error is returned only when no event could be read at all; every lesser problem is listed in
the file's header instead.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from misp_attack_pack import __version__
from misp_attack_pack.attack.sources import CatalogueSourceError, load_catalogue
from misp_attack_pack.events.loader import EventFormatError, load_events, parse_json
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.registry import ExportFormat, export_format

LOG = logging.getLogger(__name__)

CONFIG_OPTIONS = ["include_non_ids", "misp_url", "attack_catalogue"]


class ExportModule:
    """One export format wrapped in the functions misp-modules expects of a module file."""

    def __init__(self, export_format: ExportFormat) -> None:
        self.export_format = export_format

    def config_options(self) -> list[str]:
        """Option names MISP turns into ``Plugin.Export_<module>_<option>`` settings."""
        return list(dict.fromkeys(CONFIG_OPTIONS + list(self.export_format.config_options)))

    def introspection(self) -> dict[str, Any]:
        return {
            "responseType": self.export_format.response_type,
            "outputFileExtension": self.export_format.file_extension,
            "inputSource": ["event"],
            "userConfig": {},
        }

    def version(self) -> dict[str, Any]:
        return {
            "version": __version__,
            "author": "misp-attack-pack",
            "description": self.export_format.description,
            "module-type": ["export"],
            "name": self.export_format.module_name,
            "require_standard_format": True,
            "config": self.config_options(),
            "requirements": ["misp-attack-pack"],
            "features": self.export_format.description,
            "references": [],
            "input": "A MISP event in the MISP core format",
            "output": f"A .{self.export_format.file_extension} file",
            "logo": "",
        }

    def handler(self, q: bytes | str | bool = False) -> dict[str, Any]:
        """The raw-body entry point misp-modules falls back to."""
        if not q:
            return {"error": "empty request: expected {\"module\", \"config\", \"data\"}"}
        try:
            request = parse_json(q)
        except EventFormatError as error:
            return {"error": str(error)}
        return self.dict_handler(request)

    def dict_handler(self, request: Any = None) -> dict[str, Any]:
        """Answer an already-decoded request; never raises, so misp-modules never falls back."""
        try:
            return self._answer(request)
        except Exception:
            LOG.exception("%s failed on a request", self.export_format.module_name)
            return {"error": f"{self.export_format.module_name} failed; see the module server log"}

    def _answer(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict):
            return {"error": "request: expected a JSON object with module, config and data"}
        if "data" not in request:
            return {"error": "data: missing; MISP sends the event list in data"}

        config = request.get("config") if isinstance(request.get("config"), dict) else {}
        try:
            events = load_events({"config": config, "data": request["data"]})
            catalogue = load_catalogue(_catalogue_sources(config))
        except (EventFormatError, CatalogueSourceError) as error:
            return {"error": str(error)}

        result = self.export_format.render(events, catalogue, ExportOptions.from_config(config))
        LOG.info("%s: %d events, %d indicators exported, %d skipped",
                 self.export_format.module_name, len(events), result.exported, result.skipped)
        return {"data": base64.b64encode(result.content).decode("ascii")}


def _catalogue_sources(config: dict) -> tuple[str, ...]:
    path = str(config.get("attack_catalogue") or "").strip()
    return (path,) if path else ()


def module_for(format_name: str) -> ExportModule:
    """The export module of a registered format, for a shim under ``modules/export_mod``."""
    return ExportModule(export_format(format_name))
