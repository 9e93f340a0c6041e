"""The YAML writer: whatever a MISP value holds, YAML reads back exactly that value."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from misp_attack_pack.exports.sigma.render import render_documents, scalar

HOSTILE = [
    "", " ", "yes", "No", "on", "null", "~", "123", "0x1F", "1e3", "1:30", "2026-11-01",
    ".inf", "-", "- item", "? key", ": value", "a: b", "a #b", "trailing ", "#comment",
    "'quoted'", '"double"', "line\nbreak", "tab\there", "\x00nul", "\x7fdel", "\x85nel",
    "\u2028sep", "\ufeffbom", "emoji \U0001F600", "back\\slash", "*alias", "&anchor", "!tag",
    "%percent", "@at", "`tick", "|pipe", ">fold", "[flow]", "{map}", "a, b", "ümlaut",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_scalars_read_back_unchanged(value):
    assert yaml.safe_load(f"key: {scalar(value)}\n") == {"key": value}


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_reads_back_unchanged(value):
    assert yaml.safe_load(f"key: {scalar(value)}\n") == {"key": value}


def test_nested_rule_structure_round_trips():
    rule = {
        "title": "Rule: with colon", "id": "a", "tags": ["attack.t1059", "tlp.red"],
        "detection": {"selection": {"Image|endswith": ["\\\\a.exe", "\\\\b.exe"],
                                    "DestinationPort": 443},
                      "filter": [{"User": "x", "Other": ["1", "2"]}, {"User": "y"}],
                      "condition": "selection and not filter"},
        "empty_list": [], "empty_map": {}, "flag": True, "nothing": None,
        "nested": [["a", "b"], ["c"]],
    }

    assert list(yaml.safe_load_all(render_documents([rule, rule]))) == [rule, rule]


def test_plain_scalars_stay_plain_for_readability():
    assert scalar("attack.t1071.001") == "attack.t1071.001"
    assert scalar("urn:misp:event:5f3c") == "urn:misp:event:5f3c"
    assert scalar("\\\\HarbourLoader.exe") == "\\\\HarbourLoader.exe"
    assert scalar("2026-11-01") == '"2026-11-01"'
