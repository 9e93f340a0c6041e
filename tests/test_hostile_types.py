"""Wrong types anywhere in an event never crash an export or the validators."""

from __future__ import annotations

import copy

import pytest

from misp_attack_pack.events import load_events
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.registry import FORMATS
from misp_attack_pack.validators import validate_event


def _mutations(example: dict):
    """Each mutation changes one field of the example to a value of a wrong type or range."""
    def event(body):
        return body["Event"]

    yield "event-timestamp-huge", lambda b: event(b).update(timestamp=str(10**15))
    yield "attribute-timestamp-huge", lambda b: event(b)["Attribute"][0].update(
        timestamp=str(10**15))
    yield "distribution-huge", lambda b: event(b).update(distribution=str(10**18))
    yield "galaxy-cluster-int", lambda b: event(b)["Galaxy"][0].update(GalaxyCluster=7)
    yield "galaxy-meta-list", lambda b: event(b)["Galaxy"][0]["GalaxyCluster"][0].update(
        meta=["x"])
    yield "tags-dict", lambda b: event(b).update(Tag={"name": "tlp:red"})
    yield "tag-name-int", lambda b: event(b)["Tag"].append({"name": 5})
    yield "orgc-string", lambda b: event(b).update(Orgc="Example")
    yield "object-references-dict", lambda b: event(b)["Object"][0].update(
        ObjectReference={"referenced_uuid": 1})
    yield "object-attribute-list-str", lambda b: event(b)["Object"][1].update(Attribute="x")
    yield "date-garbage", lambda b: event(b).update(date="not a date")
    yield "first-seen-garbage", lambda b: event(b)["Attribute"][0].update(first_seen="yesterday")
    yield "info-null", lambda b: event(b).update(info=None)


def _cases():
    import json
    from conftest import EXAMPLES_DIR

    example = json.loads((EXAMPLES_DIR / "apt-example-event.json").read_text(encoding="utf-8"))
    for name, mutate in _mutations(example):
        body = copy.deepcopy(example)
        mutate(body)
        yield pytest.param(body, id=name)


@pytest.mark.parametrize("body", list(_cases()))
def test_every_export_and_the_validators_survive(catalogue, body):
    events = load_events(body)

    for export_format in FORMATS.values():
        result = export_format.render(events, catalogue, ExportOptions())
        assert result.content, export_format.name
        assert result.exported > 0, export_format.name
    report = validate_event(body)
    assert report.summary["attributes"] > 0


def test_a_nul_inside_an_address_is_a_finding_not_a_crash():
    attribute = {"uuid": "a-nul", "type": "ip-dst|port", "category": "Network activity",
                 "value": "203.0.113.5\x00|443", "to_ids": True,
                 "Tag": [{"name": "tlp:green"}, {"name": "confidence:level=\"high\""},
                         {"name": "attack-pattern:T1071"}]}
    body = {"Event": {"uuid": "e1a3c5d7-0000-4000-8000-0000000000ff", "info": "nul",
                      "Attribute": [attribute]}}

    report = validate_event(body)

    assert [f.rule_id for f in report.errors if f.uuid == "a-nul"] == ["value.invalid-ip"]
