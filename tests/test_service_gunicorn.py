"""The validation service under a real gunicorn on loopback: reports, exports, keys, bad input.

The server is started the way an operator starts it (``misp-attack-pack serve``) with a
configuration file holding only hashed keys, and every test talks HTTP to it.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, free_port, shared_path
from misp_attack_pack.service.auth import hash_key
from misp_attack_pack.validators import validate_event

CTI_KEY = "cti-test-key-5b1f0c"
PARTNER_KEY = "partner-test-key-93ad"
BODY_LIMIT = 3 * 1024 * 1024


class GunicornService:
    """``misp-attack-pack serve`` on a free loopback port, and plain HTTP calls to it."""

    def __init__(self, config_path: Path, log_path: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.log_path = log_path
        command = [str(Path(sys.executable).with_name("misp-attack-pack")), "serve",
                   "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(workers), "--config", str(config_path)]
        with open(log_path, "wb") as log_file:
            self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT,
                                            cwd=REPO_ROOT)

    def wait_until_up(self, deadline_seconds: float = 90) -> None:
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited early:\n{self.log()}")
            try:
                if self.call("GET", "/health", key=PARTNER_KEY)[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the service did not come up:\n{self.log()}")

    def call(self, method: str, path: str, body: bytes | None = None, key: str | None = None,
             headers: dict | None = None, timeout: float = 60):
        """``(status, headers, body)`` of one request on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            all_headers = dict(headers or {})
            if key is not None:
                all_headers["X-API-Key"] = key
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def json(self, method: str, path: str, body: bytes | None = None, key: str = CTI_KEY,
             **kwargs):
        status, _, payload = self.call(method, path, body, key, **kwargs)
        return status, json.loads(payload)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def write_service_config(directory: Path, body_limit: int = BODY_LIMIT,
                         policy: str = "") -> Path:
    """A configuration with the two test keys, hashed; ``policy`` is a policy YAML text."""
    path = directory / "service.yaml"
    policy_line = ""
    if policy:
        (directory / "policy.yaml").write_text(policy, encoding="utf-8")
        policy_line = f"policy: '{directory / 'policy.yaml'}'\n"
    path.write_text(policy_line +
        "api_keys:\n"
        f"  - {{name: soc-automation, role: cti, hash: '{hash_key(CTI_KEY)}'}}\n"
        "  - {name: partner-portal, role: partner, "
        f"hash: '{hash_key(PARTNER_KEY, 'sha256')}'}}\n"
        f"max_body_bytes: {body_limit}\n"
        "max_json_depth: 64\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    directory = tmp_path_factory.mktemp("service")
    server = GunicornService(write_service_config(directory), directory / "gunicorn.log")
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def _event_bytes(name: str) -> bytes:
    return shared_path("events", f"{name}.json").read_bytes()


def test_health_and_policy_answer_the_partner_role(service):
    assert service.json("GET", "/health", key=PARTNER_KEY) == (
        200, {"status": "ok", "version": "0.1.0"})

    status, policy = service.json("GET", "/policy", key=PARTNER_KEY)
    assert status == 200
    assert policy["tags"]["tlp"]["values"] == ["clear", "white", "green", "amber",
                                               "amber+strict", "red", "ex:chr", "unclear"]
    assert [step["name"] for step in policy["workflow"]["steps"]] == [
        "draft", "internal-review", "publish-to-org", "publish-to-community"]


def test_eset_events_without_tlp_fail_tag_hygiene_through_the_service(service):
    status, report = service.json("POST", "/validate", _event_bytes("eset-backdoordiplomacy"))

    assert status == 200
    assert report["valid"] is False
    by_rule = report["summary"]["by_rule"]
    assert (by_rule["tag.missing-tlp"], by_rule["tag.missing-confidence"],
            by_rule["tag.missing-attack"]) == (66, 66, 66)
    first = report["errors"][0]
    assert set(first) == {"rule_id", "severity", "pointer", "uuid", "message"}


def test_eset_cloudmensis_misses_tlp_and_confidence_on_its_11_indicators(service):
    status, report = service.json("POST", "/validate", _event_bytes("eset-cloudmensis"))

    assert status == 200
    assert {rule: count for rule, count in report["summary"]["by_rule"].items()
            if rule.startswith("tag.")} == {"tag.missing-tlp": 11, "tag.missing-confidence": 11}
    assert report["summary"]["to_ids_attributes"] == 11


@pytest.mark.parametrize("name", ["eset-turla-outlook", "citizenlab-reckless-exploit",
                                  "training-multi-isac-spearphishing", "eset-pypi-backdoor",
                                  "misp-core-stix-indicators-test"])
def test_the_service_answers_the_same_report_as_the_library(service, name):
    raw = _event_bytes(name)

    status, report = service.json("POST", "/validate", raw)

    assert status == 200
    assert report == json.loads(json.dumps(validate_event(raw).as_dict()))


def test_turla_outlook_is_valid_and_its_state_is_reported(service):
    status, report = service.json("POST", "/validate", _event_bytes("eset-turla-outlook"))

    assert (status, report["valid"], report["errors"]) == (200, True, [])
    assert report["summary"]["workflow_state"] == "draft"
    assert report["summary"]["current_step"] == "draft"


def test_the_requested_step_comes_from_the_query_string(service):
    status, report = service.json("POST", "/validate?step=publish",
                                  _event_bytes("training-atm-vulnerabilities"))

    assert status == 200
    assert report["summary"]["requested_step"] == "publish-to-community"
    assert "workflow.step-skipped" in report["summary"]["by_rule"]


def test_an_unknown_step_is_a_400_naming_the_steps(service):
    status, answer = service.json("POST", "/validate?step=ship-it",
                                  _event_bytes("eset-turla-outlook"))

    assert status == 400
    assert answer["error"]["field"] == "step"
    assert "draft, internal-review, publish-to-org, publish-to-community" in (
        answer["error"]["detail"])


def test_sigma_export_through_the_service_matches_the_library(service, example_event, catalogue):
    from misp_attack_pack.events import load_events
    from misp_attack_pack.exports.base import ExportOptions
    from misp_attack_pack.exports.registry import export_format

    raw = json.dumps(example_event).encode("utf-8")
    status, headers, body = service.call("POST", "/query/export/sigma", raw, key=CTI_KEY)

    expected = export_format("sigma").render(load_events(raw), catalogue, ExportOptions())
    assert status == 200
    assert headers["Content-Type"] == "application/yaml"
    assert body == expected.content
    assert headers["X-Exported-Indicators"] == str(expected.exported)


@pytest.mark.parametrize("name, module", [("suricata", "misp_attack_pack.exports.suricata"),
                                          ("stix21", "misp_attack_pack.exports.stix21")])
def test_exports_still_being_written_answer_501_until_importable(service, example_event,
                                                                 name, module):
    import importlib

    from misp_attack_pack.exports.registry import FORMATS

    try:
        importlib.import_module(f"{module}")
        render_importable = hasattr(importlib.import_module(module), f"export_{name}")
    except ImportError:
        render_importable = False
    status, headers, body = service.call("POST", f"/query/export/{name}",
                                         json.dumps(example_event).encode(), key=CTI_KEY)

    if render_importable:
        assert (status, headers["Content-Type"].split(";")[0]) == (
            200, FORMATS[name].response_type)
    else:
        assert status == 501
        assert json.loads(body)["error"]["detail"].startswith(
            f"the {name} export is not installed in this build")


def test_an_unknown_export_format_is_404(service):
    status, answer = service.json("POST", "/query/export/yara", b"{}")

    assert status == 404
    assert "unknown export format 'yara'" in answer["error"]["detail"]


@pytest.mark.parametrize("key, path, method, status", [
    (None, "/health", "GET", 401),
    ("not-a-key", "/validate", "POST", 401),
    (PARTNER_KEY, "/validate", "POST", 403),
    (PARTNER_KEY, "/query/export/sigma", "POST", 403),
    (CTI_KEY, "/policy", "GET", 200),
])
def test_keys_and_roles(service, key, path, method, status):
    body = _event_bytes("eset-turla-outlook") if method == "POST" else None

    got, _, payload = service.call(method, path, body, key=key)

    assert got == status
    if status >= 400:
        assert json.loads(payload)["error"]["status"] == status


@pytest.mark.parametrize("header", [f"Bearer {PARTNER_KEY}", PARTNER_KEY])
def test_the_key_may_come_in_the_authorization_header_as_misp_sends_it(service, header):
    status, _, _ = service.call("GET", "/health", headers={"Authorization": header})

    assert status == 200


BAD_BODIES = [
    pytest.param(b'{"Event": {"info": "x",', 400, "not valid UTF-8 JSON", id="malformed-json"),
    pytest.param(b'{"Event": {"info": "caf\xe9"}}', 400, "not valid UTF-8", id="invalid-utf8"),
    pytest.param(b"[" * 80 + b"]" * 80, 400, "nests deeper than 64 levels", id="nested-80"),
    pytest.param(b'{"a":' * 5000 + b"1" + b"}" * 5000, 400, "not valid UTF-8 JSON",
                 id="nested-5000"),
    pytest.param(b'"just a string"', 400, "expected an object, got string", id="string-body"),
    pytest.param(b"42", 400, "expected an object, got number", id="number-body"),
    pytest.param(b"[1, 2, 3]", 400, "expected an object, got int", id="list-of-numbers"),
    pytest.param(b'{"Event": ["not", "an", "event"]}', 400, "expected an object, got list",
                 id="event-is-a-list"),
    pytest.param(b'{"colour": "blue"}', 400, "no Event, response or data key", id="no-event"),
    pytest.param(b"", 400, "the body is empty", id="empty"),
]


@pytest.mark.parametrize("body, status, detail", BAD_BODIES)
def test_bad_bodies_get_a_400_that_says_what_was_wrong(service, body, status, detail):
    got, answer = service.json("POST", "/validate", body,
                               headers={"Content-Type": "application/json"})

    assert got == status
    assert detail in answer["error"]["detail"]
    assert service.json("GET", "/health", key=PARTNER_KEY)[0] == 200


def test_wrong_types_inside_an_event_are_findings_not_a_crash(service):
    body = json.dumps({"Event": {"uuid": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "info": 7,
                                 "Attribute": "not a list", "Object": [42],
                                 "Tag": {"name": "tlp:red"}}}).encode()

    status, report = service.json("POST", "/validate", body)

    assert status == 200
    assert report["valid"] is False
    rules = {finding["rule_id"] for finding in report["errors"]}
    assert {"attribute.list", "object.shape", "schema.type"} <= rules


def test_a_body_over_the_limit_gets_413(service):
    body = b'{"Event": {"info": "' + b"x" * BODY_LIMIT + b'"}}'

    status, answer = service.json("POST", "/validate", body)

    assert status == 413
    assert answer["error"]["detail"] == f"the body is larger than the {BODY_LIMIT} byte limit"


def test_a_chunked_body_over_the_limit_gets_413(service):
    # A chunked body declares no length, so the limit must hold while reading it.
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as connection:
        connection.sendall(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"X-API-Key: " + CTI_KEY.encode() + b"\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(BODY_LIMIT // len(chunk) + 1):
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.sendall(b"0\r\n\r\n")
        answer = _read_until_closed(connection)

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body)["error"]["detail"] == (
        f"the body is larger than the {BODY_LIMIT} byte limit")


def _read_until_closed(connection: socket.socket) -> bytes:
    received = b""
    while True:
        data = connection.recv(65536)
        if not data:
            return received
        received += data


def test_unknown_routes_and_methods_are_json(service):
    assert service.json("GET", "/admin") == (
        404, {"error": {"status": 404, "detail": "no such route: GET /admin"}})
    status, answer = service.json("GET", "/validate")
    assert (status, answer["error"]["status"]) == (405, 405)


def test_the_server_is_still_serving_after_all_the_bad_input(service):
    assert service.process.poll() is None
    status, report = service.json("POST", "/validate", _event_bytes("eset-cloudmensis"))
    assert (status, report["summary"]["by_rule"]["tag.missing-tlp"]) == (200, 11)
