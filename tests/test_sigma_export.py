"""The Sigma export: grouping by log source, metadata, escaping, bad input and validity."""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import event_params, require_event
from misp_attack_pack.events import load_event, load_events
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.sigma import export_sigma
from misp_attack_pack.sigma_runtime.offline import configure_offline
from misp_attack_pack.sigma_runtime.validation import EXPORT_POLICY_SKIPS, validate_sigma_text

EVENT_UUID = "9d2f4b60-1c3e-4a5b-8d7e-6f5a4b3c2d1e"


def _attribute(kind: str, value: str, uuid: str, to_ids: bool = True, **extra) -> dict:
    return {"uuid": uuid, "type": kind, "category": "Network activity", "value": value,
            "to_ids": to_ids, **extra}


def _event(attributes, tags=("tlp:green",), **extra) -> dict:
    return {"Event": {
        "uuid": EVENT_UUID, "info": "Sigma export test", "date": "2026-11-01",
        "threat_level_id": "2", "timestamp": "1795000000", "Orgc": {"name": "Test CTI"},
        "Tag": [{"name": name} for name in tags], "Attribute": list(attributes), **extra}}


def _rules(event_json: dict, catalogue, **options) -> list[dict]:
    result = export_sigma(load_events(event_json), catalogue, ExportOptions(**options))
    return [doc for doc in yaml.safe_load_all(result.content) if doc]


def _by_category(rules: list[dict]) -> dict[str, dict]:
    return {rule["logsource"]["category"]: rule for rule in rules}


def test_indicators_are_grouped_by_log_source_with_sigmahq_fields(catalogue):
    event = _event([
        _attribute("ip-dst", "203.0.113.5", "a-1"),
        _attribute("ip-dst|port", "198.51.100.7|8443", "a-2"),
        _attribute("domain", "Evil.Example.COM.", "a-3"),
        _attribute("url", "http://evil.example.com/a/b.php?x=1", "a-4"),
        _attribute("user-agent", "EvilAgent/1.0", "a-5"),
        _attribute("sha256", "A" * 64, "a-6"),
        _attribute("filename", "dropper.exe", "a-7"),
    ])

    rules = _by_category(_rules(event, catalogue))

    assert sorted(rules) == ["dns_query", "file_event", "network_connection",
                             "process_creation", "proxy"]
    assert rules["network_connection"]["detection"] == {
        "selection_dst_ip": {"DestinationIp": "203.0.113.5"},
        "selection_dst_ip_port_8443": {"DestinationIp": "198.51.100.7", "DestinationPort": 8443},
        "condition": "1 of selection_*",
    }
    assert rules["dns_query"]["detection"] == {
        "selection_domain": {"QueryName": "evil.example.com"},
        "selection_subdomain": {"QueryName|endswith": ".evil.example.com"},
        "condition": "1 of selection_*",
    }
    assert rules["proxy"]["detection"] == {
        "selection_url_1": {"cs-host": "evil.example.com", "c-uri|re": r"/a/b\.php\?x=1$"},
        "selection_useragent": {"c-useragent": "EvilAgent/1.0"},
        "condition": "1 of selection_*",
    }
    assert rules["process_creation"]["detection"]["selection_hash"] == {
        "Hashes|contains": "SHA256=" + "A" * 64}
    assert rules["file_event"]["detection"]["selection_filename"] == {
        "TargetFilename|endswith": "\\\\dropper.exe"}


def test_rule_metadata(catalogue):
    tags = ["tlp:amber", 'misp-galaxy:mitre-attack-pattern="Web Protocols - T1071.001"']
    event = _event([_attribute("domain", "evil.example.com", "a-1")], tags=tags)

    rule = _rules(event, catalogue, misp_url="https://misp.example.org")[0]

    assert rule["title"] == "Sigma Export Test - Indicators in DNS Queries"
    assert rule["status"] == "experimental"
    assert rule["author"] == "Test CTI"
    assert rule["date"] == "2026-11-01"
    assert rule["modified"] == "2026-11-18"
    assert rule["level"] == "medium"
    assert rule["references"] == [f"https://misp.example.org/events/view/{EVENT_UUID}"]
    assert rule["tags"] == ["attack.command-and-control", "attack.t1071.001", "tlp.amber"]


def test_rule_ids_are_stable_across_exports_and_differ_per_log_source(catalogue):
    event = _event([_attribute("domain", "evil.example.com", "a-1"),
                    _attribute("ip-dst", "203.0.113.5", "a-2")])

    first = [rule["id"] for rule in _rules(event, catalogue)]
    again = [rule["id"] for rule in _rules(copy.deepcopy(event), catalogue)]

    assert first == again
    assert len(set(first)) == 2


def test_attribute_level_techniques_and_tlp_join_the_rule(catalogue):
    attribute = _attribute("domain", "evil.example.com", "a-1", Tag=[
        {"name": "tlp:red"}, {"name": 'misp-galaxy:mitre-attack-pattern="DNS - T1071.004"'}])

    rule = _rules(_event([attribute]), catalogue)[0]

    assert rule["tags"] == ["attack.command-and-control", "attack.t1071.004", "tlp.red"]


def test_revoked_techniques_are_tagged_with_their_replacement(catalogue):
    tags = ['misp-galaxy:mitre-enterprise-attack-attack-pattern="PowerShell - T1086"']
    result = export_sigma(load_events(_event([_attribute("domain", "x.example", "a")], tags)),
                          catalogue)

    rule = next(doc for doc in yaml.safe_load_all(result.content) if doc)
    assert "attack.t1059.001" in rule["tags"] and "attack.t1086" not in rule["tags"]
    assert "# [attack.revoked-technique] /Event: technique T1086 is revoked; replaced by " \
           "T1059.001 (PowerShell)" in result.content.decode()


@pytest.mark.parametrize("value, expected_key, expected_value", [
    ("inv*oice.ps1", "TargetFilename|re", r"\\inv\*oice\.ps1$"),
    ("what?.exe", "TargetFilename|re", r"\\what\?\.exe$"),
    ("C:\\Users\\Public\\x.exe", "TargetFilename|endswith", "C:\\\\Users\\\\Public\\\\x.exe"),
])
def test_wildcards_and_backslashes_stay_literal(catalogue, value, expected_key, expected_value):
    rules = _by_category(_rules(_event([_attribute("filename", value, "f-1")]), catalogue))

    assert rules["file_event"]["detection"]["selection_filename"] == {expected_key: expected_value}


def test_only_to_ids_indicators_by_default(catalogue):
    event = _event([_attribute("domain", "evil.example.com", "a-1"),
                    _attribute("domain", "context.example.com", "a-2", to_ids=False)])

    default = _rules(event, catalogue)[0]["detection"]["selection_domain"]
    everything = _rules(event, catalogue, include_non_ids=True)[0]["detection"]["selection_domain"]

    assert default == {"QueryName": "evil.example.com"}
    assert everything == {"QueryName": ["evil.example.com", "context.example.com"]}


def test_bad_values_are_skipped_reported_and_the_rest_exported(catalogue):
    event = _event([
        _attribute("ip-dst", "999.1.1.1", "bad-ip"),
        _attribute("domain", "bad domain\nwith newline", "bad-domain"),
        _attribute("md5", "xyz", "bad-hash"),
        _attribute("ip-dst|port", "203.0.113.9|70000", "bad-port"),
        _attribute("sigma", "title: [unclosed", "bad-sigma"),
        _attribute("domain", "good.example.com", "good"),
        "garbage",
    ])

    result = export_sigma(load_events(event), catalogue)
    text = result.content.decode()
    rules = [doc for doc in yaml.safe_load_all(text) if doc]

    assert [rule["detection"]["selection_domain"] for rule in rules] == [
        {"QueryName": "good.example.com"}]
    skipped = {f.uuid: f.message for f in result.findings
               if f.rule_id.endswith("skipped-indicator")}
    assert skipped == {
        "bad-ip": "ip-dst skipped: '999.1.1.1' is not an IP address or CIDR network",
        "bad-domain": "domain skipped: 'bad domain\\nwith newline' is not a valid host name",
        "bad-hash": "md5 skipped: md5 value 'xyz' is not hexadecimal",
        "bad-port": "ip-dst|port skipped: '70000' is not a port number between 1 and 65535",
        "bad-sigma": "sigma skipped: not valid YAML (did not find expected ',' or ']' "
                     "at line 2)",
    }
    assert result.skipped == 5
    assert "# 1 rules from 2 indicators; 5 indicators skipped" in text
    assert "# [attribute.shape] /Event/Attribute/6: expected an object, got str" in text
    assert all(line.startswith("# ") for line in text.split("---")[0].splitlines())


def test_sigma_attributes_pass_through_with_event_tags_merged(catalogue):
    rule_text = ("title: Test Passthrough Rule\nid: 3d0f5c1a-8e2b-4c7d-9a6f-1b2c3d4e5f60\n"
                 "logsource:\n  category: process_creation\n  product: windows\n"
                 "detection:\n  selection:\n    Image|endswith: '\\\\evil.exe'\n"
                 "  condition: selection\ntags:\n  - attack.execution\n")
    tags = ["tlp:green", 'misp-galaxy:mitre-attack-pattern="PowerShell - T1059.001"']

    rules = _rules(_event([_attribute("sigma", rule_text, "s-1")], tags=tags), catalogue)

    assert rules == [{
        "title": "Test Passthrough Rule", "id": "3d0f5c1a-8e2b-4c7d-9a6f-1b2c3d4e5f60",
        "logsource": {"category": "process_creation", "product": "windows"},
        "detection": {"selection": {"Image|endswith": "\\\\evil.exe"},
                      "condition": "selection"},
        "tags": ["attack.execution", "attack.t1059.001", "tlp.green"],
    }]


def test_network_connection_object_pairs_address_and_port(catalogue):
    connection = {"uuid": "o-1", "name": "network-connection", "Attribute": [
        _attribute("ip-dst", "198.51.100.99", "o-a1", object_relation="ip-dst"),
        _attribute("port", "443", "o-a2", to_ids=False, object_relation="dst-port")]}

    rules = _rules(_event([], Object=[connection]), catalogue)

    assert rules[0]["detection"] == {
        "selection_dst_ip_port_443": {"DestinationIp": "198.51.100.99", "DestinationPort": 443},
        "condition": "selection_dst_ip_port_443"}


def test_example_event_exports_every_log_source(catalogue, example_event):
    rules = _rules(example_event, catalogue)

    assert [rule["logsource"]["category"] for rule in rules] == [
        "network_connection", "dns_query", "proxy", "process_creation", "file_event",
        "process_creation"]
    dns = _by_category(rules)["dns_query"]["detection"]["selection_domain"]["QueryName"]
    assert "xn--bcher-update-dlb.example" in dns
    assert "mail-relay.harbour-lights.example" in dns


def _validation_problems(text: str, catalogue) -> list[str]:
    issues = validate_sigma_text(text, catalogue, EXPORT_POLICY_SKIPS)
    return [f"{issue.validator}: {issue.description}" for issue in issues]


def test_sigmahq_reference_data_is_present_for_full_validation(catalogue):
    assert configure_offline(catalogue), "build it with tools/build_sigmahq_data.py (make does)"


def test_example_event_passes_core_and_sigmahq_validators(catalogue, example_event):
    text = export_sigma(load_events(example_event), catalogue).content.decode()

    assert _validation_problems(text, catalogue) == []


@pytest.mark.parametrize("path", event_params())
def test_every_real_event_exports_valid_sigma(catalogue, path):
    event = load_event(require_event(path).read_bytes())

    for include_non_ids in (False, True):
        result = export_sigma([event], catalogue, ExportOptions(include_non_ids=include_non_ids))
        text = result.content.decode()
        documents = [doc for doc in yaml.safe_load_all(text) if doc]

        assert all(isinstance(doc, dict) and "detection" in doc for doc in documents)
        assert _validation_problems(text, catalogue) == []


@pytest.mark.parametrize("path", event_params())
def test_real_events_validate_against_the_attack_v19_catalogue(galaxy_catalogue, path):
    event = load_event(require_event(path).read_bytes())

    text = export_sigma([event], galaxy_catalogue,
                        ExportOptions(include_non_ids=True)).content.decode()

    assert _validation_problems(text, galaxy_catalogue) == []


def test_hostile_event_still_gives_parseable_valid_rules(catalogue):
    event = _event([
        _attribute("user-agent", 'Mozilla "quoted"\nsecond line\ttab', "h-1"),
        _attribute("user-agent", "x" * 5000, "h-2"),
        _attribute("domain", "bücher.example", "h-3"),
        _attribute("url", "http://evil.example/a;b\"c?d=*&e=\\", "h-4"),
        _attribute("filename", "--- # not a comment: really", "h-5"),
        _attribute("domain", "y" * (2 << 20), "h-6"),
        _attribute("mutex", "Global\\evil", "h-7"),
    ])
    event["Event"]["info"] = 'Info with "quotes"\n---\n# and a fake document'

    result = export_sigma(load_events(event), catalogue)
    text = result.content.decode()
    rules = _by_category([doc for doc in yaml.safe_load_all(text) if doc])

    proxy = rules["proxy"]["detection"]
    assert proxy["selection_useragent_1"] == {
        "c-useragent|re": '^Mozilla \\"quoted\\"\\x0asecond line\\x09tab$'}
    assert proxy["selection_useragent_2"] == {"c-useragent": "x" * 5000}
    assert proxy["selection_url_1"]["c-uri|re"] == '/a;b\\"c\\?d=\\*\\&e=\\\\$'
    assert rules["dns_query"]["detection"]["selection_domain"] == {
        "QueryName": "xn--bcher-kva.example"}
    assert rules["file_event"]["detection"]["selection_filename"] == {
        "TargetFilename|endswith": "\\\\--- # not a comment: really"}
    assert [f.rule_id for f in result.findings] == ["attribute.value"]
    assert "is 2097152 characters, over the limit" in result.findings[0].message
    assert "attribute types without a Sigma log source: mutex x1" in text
    assert rules["proxy"]["title"] == (
        'Info with "Quotes" --- # and a Fake Document - Indicators in Proxy Logs')
    assert _validation_problems(text, catalogue) == []


def test_digit_only_values_avoid_the_number_as_string_finding(catalogue):
    event = _event([_attribute("user-agent", "20112211", "ua-digits")])

    text = export_sigma(load_events(event), catalogue).content.decode()
    rule = next(doc for doc in yaml.safe_load_all(text) if doc)

    assert rule["detection"]["selection_useragent"] == {"c-useragent|re": "^20112211$"}
    assert _validation_problems(text, catalogue) == []


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 9)}]\n"
    for level in range(9))


def test_yaml_alias_bomb_in_a_sigma_attribute_is_refused_without_expanding(catalogue):
    event = _event([_attribute("sigma", ALIAS_BOMB, "bomb"),
                    _attribute("domain", "good.example.com", "good")])

    result = export_sigma(load_events(event), catalogue)

    assert [f.message for f in result.findings] == [
        "sigma skipped: YAML aliases are not accepted in Sigma rules (alias at line 2)"]
    assert "good.example.com" in result.content.decode()


def test_validation_refuses_aliases_too(catalogue):
    from sigma.exceptions import SigmaError

    with pytest.raises(SigmaError, match="YAML aliases are not accepted"):
        validate_sigma_text(ALIAS_BOMB, catalogue)


def test_long_event_info_is_shortened_at_a_word_and_the_same_for_every_rule(catalogue):
    event = _event([_attribute("domain", "evil.example.com", "a-1"),
                    _attribute("ip-dst", "203.0.113.5", "a-2")])
    event["Event"]["info"] = "Campaign " + " ".join(["infrastructure"] * 12)

    titles = [rule["title"] for rule in _rules(event, catalogue)]

    assert titles == [
        "Campaign Infrastructure Infrastructure Infrastructure... - Indicators in Network "
        "Connections",
        "Campaign Infrastructure Infrastructure Infrastructure... - Indicators in DNS Queries",
    ]
