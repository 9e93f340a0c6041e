"""Publication flow: Draft, Internal Review, Publish to Org, Publish to Community, in order."""

from __future__ import annotations

import pytest

from conftest import shared_path
from misp_attack_pack.validators import validate_event

EVENT_UUID = "7d0e4c3b-2a1f-4e5d-8c9b-0a1b2c3d4e5f"


def _event(state: str | None, distribution: int, tags=()) -> dict:
    names = list(tags) + ([f'workflow:state="{state}"'] if state else [])
    return {"Event": {"uuid": EVENT_UUID, "info": "flow", "distribution": str(distribution),
                      "Tag": [{"name": name} for name in names], "Attribute": []}}


def _workflow_errors(report) -> list[str]:
    return [f.rule_id for f in report.errors if f.rule_id.startswith("workflow.")]


@pytest.mark.parametrize("state, distribution, step", [
    ("draft", 1, "draft"),
    ("draft", 1, "internal-review"),
    ("complete", 0, "publish-to-org"),
    ("release", 0, "publish-to-org"),
    ("release", 3, "publish-to-community"),
])
def test_staying_or_moving_one_step_forward_is_allowed(state, distribution, step):
    report = validate_event(_event(state, distribution), step=step)

    assert _workflow_errors(report) == []
    assert report.summary["requested_step"] == step


def test_publishing_a_draft_skips_internal_review():
    report = validate_event(_event("draft", 0), step="publish-to-org")

    [finding] = [f for f in report.errors if f.rule_id.startswith("workflow.")]
    assert finding.rule_id == "workflow.step-skipped"
    assert finding.message == ("the event is at draft (state 'draft'); publish-to-org skips "
                               "internal-review")
    assert (finding.pointer, finding.uuid) == ("/Event", EVENT_UUID)


def test_going_back_from_a_published_event_to_review_is_an_error():
    report = validate_event(_event("release", 0), step="internal-review")

    assert _workflow_errors(report) == ["workflow.step-back"]


def test_publishing_to_the_community_needs_a_community_distribution():
    report = validate_event(_event("release", 0), step="publish-to-community")

    assert _workflow_errors(report) == ["workflow.step-distribution"]


def test_publish_stands_for_the_publish_step_of_the_event_distribution():
    at_org = validate_event(_event("complete", 0), step="publish")
    at_community = validate_event(_event("complete", 3), step="publish")

    assert (at_org.summary["requested_step"], _workflow_errors(at_org)) == (
        "publish-to-org", [])
    assert at_community.summary["requested_step"] == "publish-to-community"
    assert _workflow_errors(at_community) == ["workflow.step-skipped"]


def test_an_event_without_state_is_a_draft_with_a_warning():
    report = validate_event(_event(None, 3), step="publish")

    assert [f.rule_id for f in report.warnings] == ["workflow.missing-state"]
    assert report.summary["workflow_state"] == "draft"
    assert _workflow_errors(report) == ["workflow.step-skipped"]


def test_two_states_and_an_unknown_state_are_errors():
    event = _event("draft", 0, tags=['workflow:state="finished"'])

    assert _workflow_errors(validate_event(event)) == ["workflow.unknown-state",
                                                       "workflow.multiple-states"]


def test_an_unknown_step_names_the_known_ones():
    report = validate_event(_event("draft", 0), step="publish-everywhere")

    [finding] = report.errors
    assert finding.rule_id == "workflow.unknown-step"
    assert finding.message == ("step 'publish-everywhere' is not one of draft, internal-review, "
                               "publish-to-org, publish-to-community")


def test_tlp_red_never_leaves_the_organisation():
    inside = validate_event(_event("release", 0, tags=["tlp:red"]))
    outside = validate_event(_event("release", 1, tags=["tlp:red"]))

    assert _workflow_errors(inside) == []
    [finding] = outside.errors
    assert finding.rule_id == "workflow.tlp-distribution"
    assert finding.message == ("the event is tlp:red but shared with this community only "
                               "(distribution 1); tlp:red allows 0 (your organisation only)")


def test_an_attribute_tlp_is_checked_against_its_own_distribution():
    event = _event("release", 3, tags=["tlp:clear"])
    event["Event"]["Attribute"] = [
        {"uuid": "red-inside", "type": "ip-dst", "value": "203.0.113.1", "distribution": "0",
         "Tag": [{"name": "tlp:red"}]},
        {"uuid": "red-inherits", "type": "ip-dst", "value": "203.0.113.2", "distribution": "5",
         "Tag": [{"name": "tlp:red"}]},
    ]

    report = validate_event(event)

    assert [(f.rule_id, f.uuid, f.pointer) for f in report.errors
            if f.rule_id.startswith("workflow.")] == [
        ("workflow.tlp-distribution", "red-inherits", "/Event/Attribute/1")]


def test_multi_isac_tlp_amber_event_shared_with_connected_communities_fails():
    # tlp:amber event tag, distribution "2" (connected communities), no workflow tag.
    report = validate_event(shared_path("events", "training-multi-isac-spearphishing.json")
                            .read_bytes())

    assert [f.rule_id for f in report.errors if f.rule_id.startswith("workflow.")] == [
        "workflow.tlp-distribution"]


def test_training_atm_incomplete_event_cannot_be_published():
    # workflow:state="incomplete" is a draft state; distribution "1" asks for the community.
    report = validate_event(shared_path("events", "training-atm-vulnerabilities.json")
                            .read_bytes(), step="publish")

    assert report.summary["workflow_state"] == "incomplete"
    assert [f.message for f in report.errors if f.rule_id.startswith("workflow.")] == [
        ("the event is at draft (state 'incomplete'); publish-to-community skips "
         "internal-review, publish-to-org")]
