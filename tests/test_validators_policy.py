"""The policy file: the shipped default, user overrides, and errors that name the key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, shared_path
from misp_attack_pack.validators import PolicyError, load_policy, validate_event

CLI = [str(Path(sys.executable).with_name("misp-attack-pack"))]


def test_the_default_policy_carries_the_workflow_states_of_the_taxonomy():
    taxonomy = json.loads(shared_path("taxonomies", "workflow", "machinetag.json").read_text())
    states = next(value for value in taxonomy["values"] if value["predicate"] == "state")

    assert {entry["value"] for entry in states["entry"]} == load_policy().workflow_states


def test_a_user_file_overrides_only_what_it_sets(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("tags:\n  require: [tlp]\nwarninglists:\n  enabled: false\n")

    policy = load_policy(path)

    assert policy.required_tags == ("tlp",)
    assert policy.runs("warninglists") is False
    assert policy.runs("objects") is True
    assert "amber+strict" in policy.tlp_values


@pytest.mark.parametrize("text, field", [
    ("tags:\n  require: [tlp, colour]\n", "tags.require"),
    ("severity:\n  tag.missing-tlp: fatal\n", "severity.tag.missing-tlp"),
    ("workflow:\n  steps:\n    - name: draft\n      states: [sketch]\n      distributions: [0]\n",
     "workflow.steps[0].states"),
    ("schema:\n  variant: loose\n", "schema.variant"),
    ("- just\n- a list\n", "document"),
])
def test_a_broken_policy_names_the_key(tmp_path, text, field):
    path = tmp_path / "policy.yaml"
    path.write_text(text)

    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert raised.value.field == field


def test_a_severity_override_turns_an_error_into_a_warning(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("severity:\n  tag.missing-confidence: warning\n")
    event = {"Event": {"uuid": "u", "info": "i", "Tag": [
        {"name": "tlp:green"}, {"name": "attack-pattern:T1071"}],
        "Attribute": [{"uuid": "a", "type": "ip-dst", "value": "203.0.113.1", "to_ids": True}]}}

    report = validate_event(event, policy=path)

    assert [f.rule_id for f in report.warnings if f.rule_id.startswith("tag.")] == [
        "tag.missing-confidence"]


def _cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(CLI + ["validate", *args], input=stdin, capture_output=True,
                          check=False,
                          cwd=REPO_ROOT, timeout=120)


def test_cli_prints_the_report_and_exits_1_on_errors():
    path = shared_path("events", "eset-backdoordiplomacy.json")

    result = _cli(str(path))

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["summary"]["by_rule"]["tag.missing-tlp"] == 66


def test_cli_exits_0_for_a_valid_event_read_from_stdin(tmp_path):
    # eset-turla-outlook: no to_ids attribute, no bad value, only warnings. Warninglists
    # are left out only to spare the test their start-up cost.
    raw = shared_path("events", "eset-turla-outlook.json").read_bytes()
    policy = tmp_path / "policy.yaml"
    policy.write_text("warninglists:\n  enabled: false\n")

    result = _cli("-", "--policy", str(policy), stdin=raw)

    assert result.returncode == 0
    assert json.loads(result.stdout)["valid"] is True


def test_cli_exits_2_on_input_that_is_not_an_event(tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"Event": ')

    result = _cli(str(path))

    assert result.returncode == 2
    assert result.stdout == b""
    assert b"not valid JSON" in result.stderr
