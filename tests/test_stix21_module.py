"""The STIX 2.1 export served by the real misp-modules server; the CLI gives the same bytes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from stix2validator import ValidationOptions, validate_string

from conftest import EXAMPLES_DIR

MODULE = "attack_stix21_export"


def test_module_is_listed_with_the_json_download_type(module_server):
    listed = {module["name"]: module for module in module_server.get("/modules")}

    module = listed[MODULE]
    assert module["type"] == "export_mod"
    assert module["mispattributes"]["responseType"] == "application/json"
    assert module["mispattributes"]["outputFileExtension"] == "json"
    assert module["meta"]["require_standard_format"] is True


def test_module_answers_misps_export_request_with_a_valid_bundle(module_server, example_event):
    content = module_server.export(MODULE, example_event,
                                   {"include_non_ids": "0", "misp_url": "https://misp.example"})
    bundle = json.loads(content)

    assert bundle["type"] == "bundle"
    assert validate_string(content.decode("utf-8"), ValidationOptions(version="2.1")).errors == []
    (grouping,) = [obj for obj in bundle["objects"] if obj["type"] == "grouping"]
    assert grouping["external_references"] == [{
        "source_name": "misp", "external_id": "5f3c2a91-7b1e-4d2a-9c8f-2e6b1a0d4c37",
        "url": "https://misp.example/events/view/5f3c2a91-7b1e-4d2a-9c8f-2e6b1a0d4c37",
    }]
    indicators = [obj for obj in bundle["objects"] if obj["type"] == "indicator"]
    assert len(indicators) == 20


def test_module_reports_a_request_without_data(module_server):
    answer = module_server.query({"module": MODULE, "config": {}})
    assert answer == {"error": "data: missing; MISP sends the event list in data"}


def test_cli_export_gives_the_same_bundle_as_the_module(module_server, example_event):
    from_module = module_server.export(MODULE, example_event, {"include_non_ids": "0"})
    command = [str(Path(sys.executable).with_name("misp-attack-pack")), "export",
               "--format", "stix21", str(EXAMPLES_DIR / "apt-example-event.json")]
    from_cli = subprocess.run(command, capture_output=True, check=True, timeout=120).stdout

    assert from_cli == from_module
