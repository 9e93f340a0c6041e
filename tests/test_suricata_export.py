"""The Suricata export's rule text: escaping, exact matching, metadata, sids and bad input.

These tests read the generated text; tests/test_suricata_engine.py runs the same kinds of rules
in the real Suricata.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from misp_attack_pack.events import load_events
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.suricata import export_suricata
from misp_attack_pack.exports.suricata import content as suricata_content
from misp_attack_pack.exports.suricata import sids
from misp_attack_pack.exports.suricata.export import MAX_RULE_BYTES
from misp_attack_pack.exports.suricata.passthrough import RuleTextError, parse
from misp_attack_pack.exports.suricata.warninglists import build_index

EVENT_UUID = "7d1e2f30-0000-4000-8000-0000000000e1"


def attribute(suffix: str, kind: str, value: str, **extra) -> dict:
    return {"uuid": f"7d1e2f30-0000-4000-8000-{suffix:0>12}", "type": kind, "value": value,
            "category": "Network activity", "to_ids": True, "timestamp": "1700000000", **extra}


def event(*attributes: dict, tags: tuple[str, ...] = (), objects: tuple[dict, ...] = (),
          info: str = "Test event", threat_level: str = "2") -> dict:
    return {"Event": {"uuid": EVENT_UUID, "info": info, "threat_level_id": threat_level,
                      "date": "2024-05-01", "timestamp": "1714550400",
                      "Tag": [{"name": name} for name in tags],
                      "Attribute": list(attributes), "Object": list(objects)}}


def export(raw: dict, catalogue, **config: str):
    config.setdefault("keep_warninglisted", "1")
    return export_suricata(load_events(raw), catalogue, ExportOptions.from_config(config))


def rules_of(result) -> list[str]:
    return [line for line in result.content.decode("utf-8").splitlines()
            if line and not line.startswith("#")]


def header_of(result) -> list[str]:
    return [line for line in result.content.decode("utf-8").splitlines() if line.startswith("#")]


def options_between(rule: str, first: str, last: str) -> str:
    return rule[rule.index(first):rule.index(last)]


def test_content_escapes_every_character_with_a_meaning_in_rules():
    assert suricata_content.content('a;b"c\\d|e:f') == "a|3B|b|22|c|5C|d|7C|e|3A|f"
    assert suricata_content.content("tab\there\x00") == "tab|09|here|00|"
    assert suricata_content.content("é") == "|C3 A9|"
    assert suricata_content.content(";;") == "|3B 3B|"


def test_message_has_no_character_that_ends_or_escapes_msg():
    assert suricata_content.message('a "quoted"; b\\c | d\ne') == "a 'quoted', b/c / d e"


def test_reference_drops_the_scheme_and_encodes_separators():
    assert suricata_content.reference_url("https://misp.example.org/a b;c") == (
        "misp.example.org/a%20b%3Bc")


def test_domain_rules_match_the_domain_and_subdomains_never_a_longer_label(catalogue):
    result = export(event(attribute("1", "domain", "X.EC.")), catalogue)

    dns, tls = rules_of(result)
    assert options_between(dns, "dns.query", " classtype") == (
        'dns.query; dotprefix; content:".x.ec"; nocase; endswith;')
    assert options_between(tls, "flow:", " classtype") == (
        'flow:established,to_server; tls.sni; dotprefix; content:".x.ec"; nocase; endswith;')


def test_internationalised_domain_is_matched_in_punycode(catalogue):
    result = export(event(attribute("1", "hostname", "Bücher.example")), catalogue)

    assert 'content:".xn--bcher-kva.example"' in rules_of(result)[0]


def test_url_path_with_semicolon_and_quote_and_query_is_escaped_and_split(catalogue):
    result = export(event(attribute("1", "url", 'http://shop.example/a;b"c.php?x=1;y="2"')),
                    catalogue)

    (rule,) = rules_of(result)
    assert options_between(rule, "flow:", " classtype") == (
        'flow:established,to_server; '
        'http.host; content:"shop.example"; startswith; endswith; '
        'http.uri; content:"/a|3B|b|22|c.php?"; startswith; '
        'http.uri.raw; content:"?x=1|3B|y=|22|2|22|"; endswith;')


def test_url_without_query_matches_the_path_then_a_query_or_the_end(catalogue):
    result = export(event(attribute("1", "url", "http://shop.example:8080/gate.php")), catalogue)

    (rule,) = rules_of(result)
    assert rule.startswith("alert http any any -> any 8080 (")
    assert 'http.uri; content:"/gate.php"; startswith; pcre:"/^(?:\\?|$)/R";' in rule


def test_percent_encoded_path_is_matched_raw(catalogue):
    result = export(event(attribute("1", "url", "http://shop.example/a%20b")), catalogue)

    assert 'http.uri.raw; content:"/a%20b"; startswith;' in rules_of(result)[0]


def test_https_url_matches_the_exact_sni(catalogue):
    result = export(event(attribute("1", "url", "https://Login.Bank-Secure.example/x")),
                    catalogue)

    (rule,) = rules_of(result)
    assert options_between(rule, "tls.sni", " classtype") == (
        'tls.sni; content:"login.bank-secure.example"; nocase; startswith; endswith;')


def test_ip_rules_put_addresses_and_ports_in_the_header(catalogue):
    result = export(event(attribute("1", "ip-dst", "203.0.113.5"),
                          attribute("2", "ip-src|port", "2001:db8::1|4444"),
                          attribute("3", "ip-dst", "198.51.100.0/24")), catalogue)

    headers = [rule[:rule.index(" (")] for rule in rules_of(result)]
    assert headers == ["alert ip any any -> 203.0.113.5 any",
                       "alert ip [2001:db8::1] 4444 -> any any",
                       "alert ip any any -> 198.51.100.0/24 any"]


def test_fingerprints_use_their_buffers(catalogue):
    result = export(event(
        attribute("1", "ja3-fingerprint-md5", "E7D705A3286E19EA42F587B344EE6865"),
        attribute("2", "ja3s-fingerprint-md5", "e7d705a3286e19ea42f587b344ee6866"),
        attribute("3", "x509-fingerprint-sha1", "fa3d5d670dc1d153b999c3aec7b1d815cc33c4dc")),
        catalogue)

    ja3, ja3s, cert = rules_of(result)
    assert 'flow:established,to_server; ja3.hash; content:"e7d705a3286e19ea42f587b344ee6865";' \
        in ja3
    assert 'flow:established,to_client; ja3s.hash; content:"e7d705a3286e19ea42f587b344ee6866";' \
        in ja3s
    assert 'tls.cert_fingerprint; content:"fa|3A|3d|3A|5d|3A|67|3A|0d|3A|c1|3A|d1|3A|53|3A|b9' \
        in cert


def test_metadata_follows_the_et_convention_with_misp_identity(catalogue):
    raw = event(attribute("1", "domain", "c2.example",
                          Tag=[{"name": 'misp:confidence-level="usually-confident"'}]),
                tags=("TLP:AMBER", 'misp-galaxy:mitre-attack-pattern="Web Protocols - T1071.001"',
                      "attack-pattern:T1566.001"))
    (dns, _) = rules_of(export(raw, catalogue))

    assert options_between(dns, "metadata:", ";)") == (
        "metadata:mitre_tactic_id TA0001, mitre_tactic_name Initial_Access, "
        "mitre_tactic_id TA0011, mitre_tactic_name Command_And_Control, "
        "mitre_technique_id T1071.001, mitre_technique_name Web_Protocols, "
        "mitre_technique_id T1566.001, mitre_technique_name Spearphishing_Attachment, "
        f"misp_event_uuid {EVENT_UUID}, "
        "misp_attribute_uuid 7d1e2f30-0000-4000-8000-000000000001, tlp amber, "
        "confidence High, created_at 2024_05_01, updated_at 2024_05_01")


def test_attack_v19_tactic_without_an_id_is_written_by_name(galaxy_catalogue):
    raw = event(attribute("1", "domain", "c2.example"), tags=("attack-pattern:T1027",))
    (dns, _) = rules_of(export(raw, galaxy_catalogue))

    assert "metadata:mitre_tactic_name Stealth, mitre_technique_id T1027, " \
           "mitre_technique_name Obfuscated_Files_Or_Information, " in dns
    assert "mitre_tactic_id" not in dns


def test_reference_classtype_and_priority(catalogue):
    raw = event(attribute("1", "domain", "c2.example"),
                attribute("2", "email-src", "a@b.example"), threat_level="1")
    dns, _, smtp = rules_of(export(raw, catalogue, misp_url="https://misp.example.org/"))

    assert (f"reference:url,misp.example.org/events/view/{EVENT_UUID}; "
            "classtype:trojan-activity; priority:1;") in dns
    assert "classtype:social-engineering; priority:1;" in smtp


def test_event_info_and_tags_with_special_characters_cannot_break_a_rule(catalogue):
    raw = event(attribute("1", "ip-dst", "203.0.113.5", Tag=[{"name": 'x:y="50%; off"'}]),
                tags=('odd;tag%s', 'misp:confidence-level="fairly-confident"'),
                info='Campaign "X"; 100% \\ bad | info')
    (rule,) = rules_of(export(raw, catalogue))

    assert rule.startswith('alert ip any any -> 203.0.113.5 any (msg:"MISP Campaign \'X\', '
                           '100% / bad / info - traffic to 203.0.113.5"; ')
    assert "odd" not in rule and "50%" not in rule
    assert "confidence Medium" in rule


def test_sid_comes_from_the_attribute_uuid_and_rev_from_its_timestamp(catalogue):
    first = rules_of(export(event(attribute("1", "ip-dst", "203.0.113.5")), catalogue))[0]
    changed = rules_of(export(event(
        attribute("1", "ip-dst", "203.0.113.5", timestamp="1700000100"),
        attribute("2", "ip-dst", "203.0.113.6")), catalogue))[0]

    expected_sid = sids.allocate(["7d1e2f30-0000-4000-8000-000000000001"],
                                 sids.SidRange(1_000_000, 1_999_999))
    sid = int(re.search(r"sid:(\d+);", first).group(1))
    assert sid == expected_sid["7d1e2f30-0000-4000-8000-000000000001"]
    assert "rev:1700000000;" in first
    assert f"sid:{sid}; rev:1700000100;" in changed


def test_sid_range_option_bounds_every_sid(catalogue):
    attributes = [attribute(str(n), "ip-dst", f"203.0.113.{n}") for n in range(1, 30)]
    result = export(event(*attributes), catalogue, sid_range="5000-5031")

    found = sorted(int(re.search(r"sid:(\d+);", rule).group(1)) for rule in rules_of(result))
    assert len(set(found)) == 29
    assert found[0] >= 5000 and found[-1] <= 5031


def test_sid_collisions_resolve_the_same_way_whatever_the_order():
    keys = [f"key-{n}" for n in range(40)]
    narrow = sids.SidRange(1, 45)

    forward = sids.allocate(keys, narrow)
    backward = sids.allocate(list(reversed(keys)), narrow)

    assert forward == backward
    assert len(set(forward.values())) == 40


def test_sid_range_too_small_is_reported_and_the_default_used(catalogue):
    attributes = [attribute(str(n), "ip-dst", f"203.0.113.{n}") for n in range(1, 4)]
    result = export(event(*attributes), catalogue, sid_range="10-11")

    assert "# [suricata.option] module option sid_range: sid_range holds 2 sids; 3 rules need " \
           "one; the default range is used" in header_of(result)
    assert len(rules_of(result)) == 3


def test_bad_values_are_reported_with_their_uuid_and_the_rest_exports(catalogue):
    raw = event(attribute("1", "ip-dst", "300.1.2.3"), attribute("2", "domain", " . "),
                attribute("3", "url", "http:///nohost"), attribute("4", "ip-dst", "0.0.0.0/0"),
                attribute("5", "domain", "fine.example"))
    result = export(raw, catalogue)

    header = header_of(result)
    assert "# 2 rules from 1 indicators; 4 indicators skipped; 0 values on MISP warninglists " \
           "left out" in header
    assert ("# [suricata.skipped-indicator] 7d1e2f30-0000-4000-8000-000000000001 "
            "/Event/Attribute/0: ip-dst skipped: '300.1.2.3' is not an IP address or CIDR "
            "network") in header
    assert ("# [suricata.skipped-indicator] 7d1e2f30-0000-4000-8000-000000000002 "
            "/Event/Attribute/1: domain skipped: host name is empty") in header
    assert ("# [suricata.skipped-indicator] 7d1e2f30-0000-4000-8000-000000000004 "
            "/Event/Attribute/3: ip-dst skipped: '0.0.0.0/0' covers every address") in header
    assert [rule.split(" ")[1] for rule in rules_of(result)] == ["dns", "tls"]


def test_non_ids_attributes_are_left_out_unless_asked_for(catalogue):
    raw = event(attribute("1", "ip-dst", "203.0.113.5", to_ids=False))

    assert rules_of(export(raw, catalogue)) == []
    assert "# 1 attributes not exported: to_ids is off (module option include_non_ids exports " \
           "them)" in header_of(export(raw, catalogue))
    assert len(rules_of(export(raw, catalogue, include_non_ids="1"))) == 1


def test_warninglisted_values_are_left_out_and_listed_by_default(catalogue):
    raw = event(attribute("1", "ip-dst", "8.8.8.8"), attribute("2", "domain", "www.google.com"),
                attribute("3", "domain", "c2-node.example"))
    result = export_suricata(load_events(raw), catalogue, ExportOptions.from_config({}))

    header = header_of(result)
    assert "# 2 rules from 1 indicators; 0 indicators skipped; 2 values on MISP warninglists " \
           "left out" in header
    assert any(line.startswith("# [suricata.warninglisted] 7d1e2f30-0000-4000-8000-"
                               "000000000001: ip-dst 8.8.8.8 is on ") and
               "List of known IPv4 public DNS resolvers" in line for line in header)
    assert any(line.startswith("# [suricata.warninglisted] 7d1e2f30-0000-4000-8000-"
                               "000000000002: domain www.google.com is on ") and
               "List of known google domains" in line for line in header)
    assert result.skipped_by_reason == {"warninglist": 2}


def test_keep_warninglisted_option_keeps_them(catalogue):
    raw = event(attribute("1", "ip-dst", "8.8.8.8"))

    result = export_suricata(load_events(raw), catalogue,
                             ExportOptions.from_config({"keep_warninglisted": "1"}))

    assert [rule[:rule.index(" (")] for rule in rules_of(result)] == [
        "alert ip any any -> 8.8.8.8 any"]


def test_informational_warninglists_are_not_applied():
    lists = shared_lists_dir()
    index = build_index([lists / "dynamic-dns" / "list.json",
                         lists / "public-dns-v4" / "list.json"])

    assert [info.name for info in index.lists] == ["List of known IPv4 public DNS resolvers"]
    assert index.lookup("domain", "domain", "x.duckdns.org") == []


def test_hostname_lists_match_subdomains_and_cidr_lists_match_contained_networks():
    lists = shared_lists_dir()
    index = build_index([lists / "google" / "list.json", lists / "rfc1918" / "list.json"])

    assert index.lookup("domain", "domain", "mail.google.com") == ["List of known google domains"]
    assert index.lookup("domain", "domain", "notgoogle.com") == []
    assert index.lookup("ip-dst", "ip-dst", "10.1.0.0/16") == ["List of RFC 1918 CIDR blocks"]
    assert index.lookup("ip-dst", "ip-dst", "11.0.0.1") == []


def test_substring_lists_match_whatever_the_case_of_the_value():
    lists = shared_lists_dir()
    index = build_index([lists / "automated-malware-analysis" / "list.json"])

    assert index.lookup("url", "url", "HTTPS://APP.ANY.RUN/tasks/5f1c") == [
        "List of known domains used by automated malware analysis services & security vendors"]


def shared_lists_dir():
    import pymispwarninglists

    return Path(pymispwarninglists.__file__).parent / "data" / "misp-warninglists" / "lists"


def test_network_connection_object_becomes_one_rule(catalogue):
    connection = {"uuid": "7d1e2f30-0000-4000-8000-0000000000b1", "name": "network-connection",
                  "timestamp": "1700000200", "Attribute": [
                      attribute("b1", "ip-src", "192.0.2.7", object_relation="ip-src"),
                      attribute("b2", "ip-dst", "203.0.113.80", object_relation="ip-dst"),
                      attribute("b3", "port", "443", object_relation="dst-port", to_ids=False),
                      attribute("b4", "hostname", "C2.Example", object_relation="hostname-dst"),
                      attribute("b5", "text", "TCP", object_relation="layer4-protocol"),
                      attribute("b6", "text", "HTTP", object_relation="layer7-protocol")]}
    (rule,) = rules_of(export(event(objects=(connection,)), catalogue))

    assert rule.startswith("alert http 192.0.2.7 any -> 203.0.113.80 443 (")
    assert 'http.host; content:"c2.example"; startswith; endswith;' in rule
    assert "misp_object_uuid 7d1e2f30-0000-4000-8000-0000000000b1" in rule
    assert "rev:1700000200;" in rule


def test_ip_port_and_domain_ip_objects_combine_their_fields(catalogue):
    ip_port = {"uuid": "7d1e2f30-0000-4000-8000-0000000000c1", "name": "ip-port",
               "Attribute": [attribute("c1", "ip-dst", "203.0.113.9", object_relation="ip"),
                             attribute("c2", "port", "995", object_relation="dst-port"),
                             attribute("c3", "port", "993", object_relation="dst-port")]}
    domain_ip = {"uuid": "7d1e2f30-0000-4000-8000-0000000000d1", "name": "domain-ip",
                 "Attribute": [attribute("d1", "domain", "a.example", object_relation="domain"),
                               attribute("d2", "domain", "b.example", object_relation="domain"),
                               attribute("d3", "ip-dst", "203.0.113.10", object_relation="ip"),
                               attribute("d4", "ip-dst", "203.0.113.11", object_relation="ip")]}
    rules = rules_of(export(event(objects=(ip_port, domain_ip)), catalogue))

    assert [rule[:rule.index(" (")] for rule in rules] == [
        "alert ip any any -> 203.0.113.9 [995,993]",
        "alert dns any any -> any any",
        "alert ip any any -> [203.0.113.10,203.0.113.11] any"]
    assert 'dns.query; pcre:"/(?:^|\\.)(?:a\\.example|b\\.example)$/i";' in rules[1]


def test_identical_rules_are_written_once(catalogue):
    raw = event(attribute("1", "domain", "c2.example"), attribute("2", "hostname", "C2.example."))
    result = export(raw, catalogue)

    assert len(rules_of(result)) == 2
    assert "# 2 rules not repeated: an earlier rule matches the same" in header_of(result)


def test_passthrough_rules_get_our_sid_rev_and_metadata(catalogue):
    written = ('alert udp any any -> any 53 (msg:"NF - C2 \\"x\\"\\; y"; content:"|03|www|00|"; '
               'metadata:06072016, former_category MALWARE; priority:1; sid:888016101; rev:1;)'
               '\r\n\r\n# a comment\r\n')
    (rule,) = rules_of(export(event(attribute("1", "snort", written)), catalogue))

    assert rule.startswith('alert udp any any -> any 53 (msg:"NF - C2 \\"x\\"\\; y"; '
                           'content:"|03|www|00|"; priority:1; sid:')
    assert "sid:888016101" not in rule and "rev:1;" not in rule
    assert "rev:1700000000; metadata:former_category MALWARE, misp_event_uuid" in rule
    assert "06072016" not in rule


def test_passthrough_without_msg_gets_the_event_message(catalogue):
    written = 'alert tcp any any -> any 80 (content:"a"; sid:5;)'
    (rule,) = rules_of(export(event(attribute("1", "suricata", written)), catalogue))

    assert rule.startswith('alert tcp any any -> any 80 (msg:"MISP Test event - suricata rule"; '
                           'content:"a"; sid:')


def test_passthrough_text_that_is_no_rule_is_reported():
    with pytest.raises(RuleTextError, match="not 'ACTION PROTOCOL"):
        parse("just some text")
    with pytest.raises(RuleTextError, match="option msg: a quoted option value is not closed"):
        parse('alert ip any any -> any any (msg:"open\\; sid:1;)')


ALERT = 'alert ip any any -> any any (msg:"seen"; sid:1;)'


@pytest.mark.parametrize("value, reason", [
    (ALERT + "\npass ip any any -> any any (msg:\"off\"; sid:2;)", "holds 2 rules, not one"),
    (ALERT + "\nalert ip any any -> any any (msg:\"b\"; sid:2;)", "holds 2 rules, not one"),
    ("pass ip any any -> any any (msg:\"off\"; sid:2;)",
     "action 'pass' is not exported, only alert rules are"),
    ("drop tcp any any -> any 80 (msg:\"x\"; sid:2;)",
     "action 'drop' is not exported, only alert rules are"),
    ("reject tcp any any -> any 80 (msg:\"x\"; sid:2;)",
     "action 'reject' is not exported, only alert rules are"),
    ('alert ip any any -> any any (msg:"a"; sid:1;) pass ip any any -> any any (msg:"b"; sid:2;)',
     "option ') pass ip any any -> any any (msg:\"b\"' is not 'key' or 'key:value'"),
    ('alert ip any any -> any any (msg:"a"; sid:1;))', "the last option is not ended by ';'"),
    ('alert ip any any -> any any (msg:"a"; content:"b"); sid:1;)',
     "option content: ')' outside quotes; the rule must end at its only closing ')'"),
    ('alert ip any any -> any any (msg:"a;b"; sid:1;)',
     "option msg: a quoted option value is not closed"),
    ('alert ip any any -> any any) (msg:"a"; sid:1;)', "rule header 'ip any any -> any any)'"),
])
def test_passthrough_value_that_is_not_exactly_one_alert_rule_is_skipped(catalogue, value,
                                                                        reason):
    result = export(event(attribute("1", "suricata", value),
                          attribute("2", "ip-dst", "203.0.113.5")), catalogue)

    skipped = [line for line in header_of(result) if "skipped-indicator" in line]
    assert len(skipped) == 1
    assert skipped[0].startswith("# [suricata.skipped-indicator] "
                                 "7d1e2f30-0000-4000-8000-000000000001 /Event/Attribute/0: "
                                 f"suricata skipped: {reason}")
    assert [rule.split(" ")[1] for rule in rules_of(result)] == ["ip"]
    assert result.exported == 1 and result.skipped == 1


def test_passthrough_rule_longer_than_the_cap_is_skipped(catalogue):
    value = f'alert ip any any -> any any (msg:"long"; pcre:"/{"a" * 8200}/"; sid:1;)'
    result = export(event(attribute("1", "suricata", value)), catalogue)

    assert rules_of(result) == []
    assert any(line.startswith("# [suricata.skipped-indicator] "
                               "7d1e2f30-0000-4000-8000-000000000001 /Event/Attribute/0: "
                               "suricata skipped: the rule would be ")
               and line.endswith(f"bytes, more than the {MAX_RULE_BYTES} Suricata is sure to "
                                 "load") for line in header_of(result))


@pytest.mark.parametrize("kind", ["user-agent", "uri", "email-subject"])
def test_generated_rule_longer_than_the_cap_is_skipped_and_the_rest_exports(catalogue, kind):
    result = export(event(attribute("1", kind, "A" * 9000),
                          attribute("2", kind, "B" * 3000)), catalogue)

    rules = rules_of(result)
    assert rules and all("B" * 3000 in rule for rule in rules)
    assert all(len(rule.encode()) <= MAX_RULE_BYTES for rule in rules)
    assert any(line.startswith("# [suricata.skipped-indicator] "
                               "7d1e2f30-0000-4000-8000-000000000001 /Event/Attribute/0: "
                               f"{kind} skipped: the rule would be ")
               for line in header_of(result))
    assert result.exported == 1


def test_rev_is_clamped_to_the_largest_value_suricata_accepts(catalogue):
    result = export(event(attribute("1", "ip-dst", "203.0.113.5",
                                    timestamp="99999999999999999")), catalogue)

    assert "rev:4294967294;" in rules_of(result)[0]
    assert sids.revision(99999999999999999) == 4294967294
    assert sids.revision(0) == 1


def test_sid_range_cannot_reach_the_sid_suricata_rejects():
    with pytest.raises(sids.SidRangeError):
        sids.SidRange.parse("1000-4294967295")
    assert sids.SidRange.parse("1000-4294967294").last == 4294967294


def test_snort_flavour_writes_wire_format_conditions(catalogue):
    raw = event(attribute("1", "domain", "evil.example"),
                attribute("2", "url", "http://evil.example/gate.php?id=1"),
                attribute("3", "ip-dst|port", "203.0.113.5|443"),
                attribute("4", "ja3-fingerprint-md5", "e7d705a3286e19ea42f587b344ee6865"))
    result = export(raw, catalogue, flavour="snort")

    rules = rules_of(result)
    assert header_of(result)[0] == "# Snort 2.9 rules generated by misp-attack-pack 0.1.0"
    assert rules[0].startswith('alert udp any any -> any 53 (msg:"MISP Test event - DNS query '
                               'for evil.example"; content:"|04|evil|07|example|00|"; nocase;')
    assert 'content:"|16 03|"; depth:2; content:"|00 00 0C|evil.example"; nocase; distance:0;' \
        in rules[1]
    assert ('content:"Host|3A| evil.example|0D 0A|"; http_header; nocase; '
            'content:"/gate.php"; http_raw_uri; depth:9; '
            'pcre:"/^\\x2fgate\\x2ephp(?:\\?|$)/I"; '
            'content:"?id=1"; http_raw_uri; isdataat:!1,relative;') in rules[2]
    assert [rule[:rule.index(" (")] for rule in rules[3:]] == [
        "alert tcp any any -> 203.0.113.5 443", "alert udp any any -> 203.0.113.5 443"]
    assert ("ja3-fingerprint-md5 skipped: Snort 2.9 has no keyword for ja3"
            in "\n".join(header_of(result)))


def test_unknown_flavour_is_reported_and_suricata_written(catalogue):
    result = export(event(attribute("1", "ip-dst", "203.0.113.5")), catalogue, flavour="zeek")

    assert "# [suricata.option] module option flavour: 'zeek' is not suricata or snort" \
        in header_of(result)
    assert rules_of(result)[0].startswith("alert ip any any -> 203.0.113.5 any (")


def test_attributes_without_uuid_each_get_their_own_rule(catalogue):
    raw = {"Event": {"uuid": EVENT_UUID, "info": "no attribute uuids", "Attribute": [
        {"type": "ip-dst", "value": "203.0.113.5", "to_ids": True},
        {"type": "ip-dst", "value": "203.0.113.6", "to_ids": True}]}}

    rules = rules_of(export(raw, catalogue))

    assert [rule[:rule.index(" (")] for rule in rules] == [
        "alert ip any any -> 203.0.113.5 any", "alert ip any any -> 203.0.113.6 any"]
    assert len({re.search(r"sid:(\d+);", rule).group(1) for rule in rules}) == 2
