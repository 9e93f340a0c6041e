"""Service configuration and API keys: hashed at rest, roles, and errors that name the key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from misp_attack_pack.service import ConfigError, ServiceConfig, create_app
from misp_attack_pack.service.auth import ApiKey, KeyRing, hash_key, verify_key


@pytest.mark.parametrize("method", ["scrypt", "sha256"])
def test_a_key_verifies_against_its_salted_hash_only(method):
    stored = hash_key("correct horse", method)

    assert stored.startswith(f"{method}$")
    assert "correct horse" not in stored
    assert verify_key("correct horse", stored) is True
    assert verify_key("correct horsf", stored) is False
    assert hash_key("correct horse", method) != stored


def test_the_key_ring_finds_the_key_and_its_role():
    ring = KeyRing([ApiKey("soc", "cti", hash_key("k1")),
                    ApiKey("partner", "partner", hash_key("k2", "sha256"))])

    assert ring.identify("k2").name == "partner"
    assert ring.identify("k1").allows("validate") is True
    assert ring.identify("k2").allows("validate") is False
    assert ring.identify("k1") is ring.identify("k1")
    assert ring.identify("k3") is None
    assert ring.identify("") is None


@pytest.mark.parametrize("document, field", [
    ({"api_keys": [{"name": "x", "role": "admin", "hash": hash_key("k", "sha256")}]},
     "api_keys[0].role"),
    ({"api_keys": [{"name": "x", "role": "cti", "hash": "plaintext-key"}]}, "api_keys[0].hash"),
    ({"api_keys": "k"}, "api_keys"),
    ({"max_body_bytes": -1}, "max_body_bytes"),
    ({"max_json_depth": "deep"}, "max_json_depth"),
])
def test_a_bad_configuration_names_the_key(document, field):
    with pytest.raises(ConfigError) as raised:
        ServiceConfig.from_mapping(document)
    assert raised.value.field == field


def test_a_policy_file_in_the_configuration_is_served_by_get_policy(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("name: team policy\ntags:\n  require: [tlp]\n")
    app = create_app({"policy": str(policy), "api_keys": [
        {"name": "p", "role": "partner", "hash": hash_key("pk", "sha256")}]})

    answer = app.test_client().get("/policy", headers={"X-API-Key": "pk"})

    assert answer.status_code == 200
    assert (answer.json["name"], answer.json["tags"]["require"]) == ("team policy", ["tlp"])


def test_serve_refuses_a_bad_configuration_before_starting(tmp_path):
    config = tmp_path / "service.yaml"
    config.write_text("api_keys:\n  - {name: x, role: root, hash: 'sha256$00$00'}\n")
    command = [str(Path(sys.executable).with_name("misp-attack-pack")), "serve", "--port", "1",
               "--config", str(config)]

    result = subprocess.run(command, capture_output=True, cwd=REPO_ROOT, timeout=60,
                            check=False)

    assert result.returncode == 2
    assert b"service configuration api_keys[0].role: 'root' is not one of cti, partner" in (
        result.stderr)


def test_an_export_file_name_keeps_only_safe_characters_of_the_event_uuid(example_event):
    event = json.loads(json.dumps(example_event))
    event["Event"]["uuid"] = 'evil"; filename=x.sh\t<uuid>'
    app = create_app({"api_keys": [{"name": "c", "role": "cti",
                                    "hash": hash_key("ck", "sha256")}]})

    answer = app.test_client().post("/query/export/sigma", data=json.dumps(event),
                                    headers={"X-API-Key": "ck"})

    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="evilfilenamexshuuid.yml"')
