"""The publish gate through the real misp-modules server, as MISP's workflow engine calls it.

MISP's ``event-publish`` trigger POSTs ``{"module", "data", "params"}`` to ``/query``; ``data``
is the event in core format with ``Event._AttributeFlattened`` and per-attribute ``_allTags``
added, ``params`` holds every parameter id with a string value (blank when unset).
"""

from __future__ import annotations

import copy
import json

import pytest

from conftest import free_port, shared_path
from test_service_gunicorn import CTI_KEY, GunicornService, write_service_config
from misp_attack_pack.validators import validate_event

MODULE = "attack_publish_gate"
BLANK_PARAMS = {"service_url": "", "api_key": "", "fail_closed": "", "step": "", "policy": "",
                "timeout": ""}


def workflow_request(event_document: dict, **params: str) -> dict:
    """The body MISP's workflow engine sends for a misp-module action node."""
    event = copy.deepcopy(event_document.get("Event", event_document))
    event_tags = [{**tag, "inherited": True} for tag in event.get("Tag", [])]
    flattened = []
    for attribute in event.get("Attribute", []):
        flattened.append(_flattened(attribute, event_tags))
    for misp_object in event.get("Object", []):
        for attribute in misp_object.get("Attribute", []):
            flattened.append(_flattened(attribute, event_tags))
    event["_AttributeFlattened"] = flattened
    return {"module": MODULE, "data": {"Event": event}, "params": {**BLANK_PARAMS, **params}}


def _flattened(attribute: dict, event_tags: list[dict]) -> dict:
    copied = copy.deepcopy(attribute)
    own = [{**tag, "inherited": False} for tag in attribute.get("Tag", [])]
    copied["_allTags"] = own + event_tags
    return copied


def publishable_event(example_event: dict) -> dict:
    """The example event after internal review, about to be published to the organisation."""
    event = copy.deepcopy(example_event)
    event["Event"]["distribution"] = "0"
    for tag in event["Event"]["Tag"]:
        if tag["name"].startswith("workflow:state"):
            tag["name"] = 'workflow:state="complete"'
    return event


def test_the_module_declares_the_workflow_action_contract(module_server):
    [module] = [m for m in module_server.get("/modules") if m["name"] == MODULE]

    config = module["meta"]["config"]
    assert module["type"] == "action_mod"
    assert module["meta"]["module-type"] == ["action"]
    assert (config["blocking"], config["support_filters"], config["expect_misp_core_format"]) \
        == (True, False, True)
    assert sorted(config["params"]) == sorted(BLANK_PARAMS)
    assert config["params"]["fail_closed"]["value"] == "1"


def test_an_event_that_follows_the_policy_is_let_through(module_server, example_event):
    event = publishable_event(example_event)
    assert validate_event(event, step="publish").valid

    assert module_server.query(workflow_request(event)) == {"data": True}


def test_an_eset_event_without_tlp_is_blocked_with_the_violations(module_server):
    event = json.loads(shared_path("events", "eset-backdoordiplomacy.json").read_text())

    answer = module_server.query(workflow_request(event))

    # 66 indicators x (tlp, confidence, attack) + publishing an untagged (draft) event.
    error = answer["error"]
    assert error.startswith(
        "attack_publish_gate: event a3bc1af1-e021-4685-9dd1-68013abef4d9 breaks the publish "
        "policy with 199 errors (tag.missing-tlp 66, tag.missing-confidence 66, "
        "tag.missing-attack 66, workflow.step-skipped 1): [tag.missing-tlp] /Event/Attribute/0: "
        "indicator ")
    assert error.endswith(
        " | [workflow.step-skipped] /Event: the event is at draft (state 'draft'); "
        "publish-to-community skips internal-review, publish-to-org")


def test_publishing_a_draft_is_blocked_for_the_skipped_review(module_server, example_event):
    event = publishable_event(example_event)
    for tag in event["Event"]["Tag"]:
        if tag["name"].startswith("workflow:state"):
            tag["name"] = 'workflow:state="draft"'

    answer = module_server.query(workflow_request(event))

    assert answer == {"error": (
        "attack_publish_gate: event 5f3c2a91-7b1e-4d2a-9c8f-2e6b1a0d4c37 breaks the publish "
        "policy with 1 error (workflow.step-skipped 1): [workflow.step-skipped] /Event: the "
        "event is at draft (state 'draft'); publish-to-org skips internal-review")}


def test_the_step_parameter_overrides_the_derived_one(module_server, example_event):
    answer = module_server.query(workflow_request(publishable_event(example_event),
                                                  step="publish-to-community"))

    assert "[workflow.step-skipped]" in answer["error"]
    assert "[workflow.step-distribution]" in answer["error"]


def test_a_request_without_data_is_blocked(module_server):
    answer = module_server.query({"module": MODULE, "params": BLANK_PARAMS})

    assert answer == {"error": "attack_publish_gate: the request has no data; MISP sends the "
                               "event there"}


@pytest.mark.parametrize("fail_closed, blocked", [("", True), ("1", True), ("0", False)])
def test_an_unreachable_service_follows_fail_closed(module_server, example_event, fail_closed,
                                                    blocked):
    url = f"http://127.0.0.1:{free_port()}"
    request = workflow_request(publishable_event(example_event), service_url=url,
                               fail_closed=fail_closed, timeout="2")

    answer = module_server.query(request)

    if blocked:
        assert answer["error"].startswith(
            f"attack_publish_gate: publish blocked because the validation service {url} is "
            "unusable: ")
        assert answer["error"].endswith("(fail_closed=1)")
    else:
        assert answer == {"data": True}


@pytest.fixture(scope="module")
def validation_service(tmp_path_factory):
    directory = tmp_path_factory.mktemp("gate-service")
    # The gate never reports warnings, so the service here runs without warninglists.
    config = write_service_config(directory, policy="warninglists:\n  enabled: false\n")
    server = GunicornService(config, directory / "gunicorn.log", workers=1)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def test_through_the_service_the_decisions_are_the_same(module_server, validation_service,
                                                        example_event):
    url = f"http://127.0.0.1:{validation_service.port}"
    eset = json.loads(shared_path("events", "eset-backdoordiplomacy.json").read_text())
    good = publishable_event(example_event)

    remote_good = module_server.query(workflow_request(good, service_url=url, api_key=CTI_KEY))
    remote_bad = module_server.query(workflow_request(eset, service_url=url, api_key=CTI_KEY))

    assert remote_good == {"data": True}
    assert remote_bad == module_server.query(workflow_request(eset))


def test_a_service_refusing_the_key_blocks_when_fail_closed(module_server, validation_service,
                                                            example_event):
    url = f"http://127.0.0.1:{validation_service.port}"
    request = workflow_request(publishable_event(example_event), service_url=url,
                               api_key="wrong-key")

    answer = module_server.query(request)

    assert answer["error"].startswith(
        f"attack_publish_gate: publish blocked because the validation service {url} is "
        "unusable: HTTP 401: a valid API key is required")


def test_the_raw_body_entry_point_answers_like_the_dict_one(example_event):
    from misp_attack_pack.plugins import publish_gate

    request = workflow_request(publishable_event(example_event))

    assert publish_gate.handler(json.dumps(request).encode()) == {"data": True}
    assert publish_gate.handler(b"") == {
        "error": "attack_publish_gate: empty request; expected module, data and params"}
    assert publish_gate.handler(b"{not json")["error"].startswith(
        "attack_publish_gate: body: not valid JSON")


@pytest.mark.parametrize("url", ["file:///etc", "ftp://127.0.0.1/", "/etc/passwd"])
def test_only_http_service_urls_are_contacted(module_server, example_event, url):
    request = workflow_request(publishable_event(example_event), service_url=url)

    answer = module_server.query(request)

    assert answer["error"] == (
        f"attack_publish_gate: publish blocked because the validation service {url} is "
        "unusable: service_url must be an http:// or https:// URL (fail_closed=1)")
