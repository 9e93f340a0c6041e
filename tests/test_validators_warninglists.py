"""Warninglists: to_ids values MISP's warninglists know as benign are warnings, never errors."""

from __future__ import annotations

import pytest

from misp_attack_pack.events.model import Attribute
from misp_attack_pack.validators import validate_event
from misp_attack_pack.validators.policy import default_policy, with_overrides
from misp_attack_pack.validators.warninglists import warninglist_index

PUBLIC_DNS = "List of known IPv4 public DNS resolvers"
EMPTY_FILES = "List of known hashes for empty files"
RFC1918 = "List of RFC 1918 CIDR blocks"
VPN_PROVIDERS = ("Specialized list of vpn-ipv4 addresses belonging to common VPN providers "
                 "and datacenters")
TRANCO = "Top 1,000,000 most-used sites from Tranco"
GOOGLE = "List of known google domains"


def _matches(kind: str, value: str) -> list[str]:
    attribute = Attribute(uuid="a", type=kind, category="", value=value, to_ids=True,
                          pointer="/Event/Attribute/0")
    return warninglist_index().matches(attribute)


@pytest.mark.parametrize("kind, value, listed", [
    ("ip-dst", "8.8.8.8", PUBLIC_DNS),
    ("ip-dst|port", "8.8.4.4|53", PUBLIC_DNS),
    ("ip-src", "10.20.30.40", RFC1918),
    ("sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", EMPTY_FILES),
    ("hostname", "docs.google.com.", TRANCO),
    ("url", "https://mail.google.com/mail/u/0", TRANCO),
])
def test_benign_values_are_found_on_their_list(kind, value, listed):
    assert listed in _matches(kind, value)


@pytest.mark.parametrize("kind, value", [
    ("ip-dst", "185.220.101.47x"), ("domain", "harbour-lights.example"),
    ("md5", "d41d8cd98f00b204e9800998ecf8427f"),
])
def test_values_on_no_list_match_nothing(kind, value):
    assert _matches(kind, value) == []


def test_string_entries_written_with_a_leading_dot_cover_their_subdomains():
    # The Google list holds ".google.ad", not mail.google.ad itself.
    assert GOOGLE in _matches("domain", "mail.google.ad")


def test_a_network_is_on_a_cidr_list_only_when_the_list_holds_all_of_it():
    assert RFC1918 in _matches("ip-dst", "10.1.0.0/16")
    assert _matches("ip-dst", "10.0.0.0/4") == []


def test_the_validators_and_the_suricata_export_share_one_index():
    from misp_attack_pack.exports.suricata.warninglists import bundled_index

    assert bundled_index().index is warninglist_index().index


def test_a_list_applies_only_to_its_matching_attribute_types():
    # The public DNS resolver list names ip-src, ip-dst and composites; not text.
    assert PUBLIC_DNS not in _matches("text", "8.8.8.8")


def _event(to_ids: bool) -> dict:
    return {"Event": {"uuid": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", "info": "wl",
                      "Attribute": [{"uuid": "dns", "type": "ip-dst", "value": "8.8.8.8",
                                     "to_ids": to_ids}]}}


def test_a_to_ids_indicator_on_a_list_is_a_warning_that_names_the_list():
    report = validate_event(_event(to_ids=True))

    [finding] = [f for f in report.warnings if f.rule_id == "warninglist.match"]
    assert finding.uuid == "dns"
    assert finding.message.startswith(
        "indicator ip-dst '8.8.8.8' is on 2 warninglists (List of known IPv4 public DNS "
        "resolvers; ")
    assert "warninglist.match" not in {f.rule_id for f in report.errors}


def test_values_without_to_ids_are_not_looked_up():
    report = validate_event(_event(to_ids=False))

    assert "warninglist.match" not in report.counts()


def test_a_policy_can_leave_lists_out():
    policy = with_overrides(default_policy(), {"warninglists": {
        "exclude": [PUBLIC_DNS, VPN_PROVIDERS]}})

    assert "warninglist.match" not in validate_event(_event(True), policy=policy).counts()
