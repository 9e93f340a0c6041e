"""The rules, run by the real Suricata 7: every real event loads cleanly, and rules fire.

Detection cases replay one pcap that holds matching traffic and near misses. Every
conversation goes to its own server address, so an alert says which traffic fired which sid,
and the test compares that map exactly: a rule that fires on a near miss, or stays silent on
its traffic, fails it.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import IN_CI, event_params, require_event
from misp_attack_pack.events import load_events
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.suricata import export_suricata
from suricata_traffic import CLIENT, Conversation, ja3_of_client_hello

DEBIAN_CONFIG = Path("/etc/suricata/suricata.yaml")
CLIENT_V6 = "2001:db8::10"
CLIENTS = {CLIENT, CLIENT_V6}
EVENT_UUID = "5f3c1a2b-0000-4000-8000-00000000e001"

MINIMAL_CONFIG = """%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "any"
    EXTERNAL_NET: "any"
  port-groups:
    HTTP_PORTS: "80"
    DNS_PORTS: "53"
classification-file: {directory}/classification.config
reference-config-file: {directory}/reference.config
threshold-file: /dev/null
stats:
  enabled: no
outputs:
  - fast:
      enabled: yes
      filename: fast.log
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert
unix-command:
  enabled: no
app-layer:
  protocols:
    http:
      enabled: yes
    tls:
      enabled: yes
      detection-ports:
        dp: 443
      ja3-fingerprints: yes
    dns:
      tcp:
        enabled: yes
        detection-ports:
          dp: 53
      udp:
        enabled: yes
        detection-ports:
          dp: 53
    smtp:
      enabled: yes
"""
CLASSIFICATIONS = (
    "config classification: trojan-activity,A Network Trojan was detected,1\n"
    "config classification: social-engineering,Possible Social Engineering Attempted,2\n"
)
REFERENCES = "config reference: url http://\n"


def suricata_binary() -> str:
    path = shutil.which("suricata")
    if path is None:
        message = "suricata is not installed (scripts/install-suricata.sh installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def minimal_config(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("suricata-config")
    (directory / "classification.config").write_text(CLASSIFICATIONS)
    (directory / "reference.config").write_text(REFERENCES)
    config = directory / "suricata.yaml"
    config.write_text(MINIMAL_CONFIG.format(directory=directory))
    return config


def check_rules(rules: Path, log_dir: Path, config: Path | None = None) -> list[str]:
    """``suricata -T``: the W:/E: lines it printed and the Warning/Error lines it logged."""
    log_dir.mkdir()
    command = [suricata_binary(), "-T", "-S", str(rules), "-l", str(log_dir),
               "--set", "unix-command.enabled=no"]
    if config is not None:
        command += ["-c", str(config)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    printed = [line for line in (run.stdout + run.stderr).splitlines()
               if line.startswith(("W:", "E:"))]
    log = log_dir / "suricata.log"
    logged = [line for line in log.read_text().splitlines()
              if " Warning: " in line or " Error: " in line] if log.exists() else []
    return printed + logged + ([] if run.returncode == 0 else [f"exit {run.returncode}"])


def replay(rules: Path, pcap: Path, log_dir: Path, config: Path) -> dict[int, set[str]]:
    """``suricata -r``: for each sid that fired, the server addresses of its alerts."""
    log_dir.mkdir()
    run = subprocess.run(
        [suricata_binary(), "-r", str(pcap), "-S", str(rules), "-l", str(log_dir), "-k", "none",
         "-c", str(config), "--init-errors-fatal", "--set", "unix-command.enabled=no"],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    fired: dict[int, set[str]] = {}
    for line in (log_dir / "eve.json").read_text().splitlines():
        record = json.loads(line)
        if record.get("event_type") == "alert":
            source = ipaddress.ip_address(record["src_ip"]).compressed
            destination = ipaddress.ip_address(record["dest_ip"]).compressed
            server = destination if source in CLIENTS else source
            fired.setdefault(record["alert"]["signature_id"], set()).add(server)
    return fired


def rule_lines(content: bytes) -> list[str]:
    return [line for line in content.decode("utf-8").splitlines()
            if line and not line.startswith("#")]


def sids_of(lines: list[str], attribute_uuid: str) -> dict[str, int]:
    """The sids of the rules naming ``attribute_uuid``, by the rule's protocol."""
    found = {}
    for line in lines:
        if f"misp_attribute_uuid {attribute_uuid}" in line:
            protocol = line.split(" ")[1]
            found[protocol] = int(re.search(r"\bsid:(\d+);", line).group(1))
    return found


@pytest.mark.parametrize("include_non_ids", ["0", "1"])
@pytest.mark.parametrize("event_path", event_params())
def test_every_real_event_loads_without_warnings(event_path, include_non_ids, catalogue,
                                                 tmp_path):
    path = require_event(event_path)
    options = ExportOptions.from_config({"include_non_ids": include_non_ids,
                                         "misp_url": "https://misp.example.org"})
    result = export_suricata(load_events(path.read_bytes()), catalogue, options)
    rules = tmp_path / "event.rules"
    rules.write_bytes(result.content)
    config = DEBIAN_CONFIG if DEBIAN_CONFIG.exists() else None

    problems = check_rules(rules, tmp_path / "log", config)

    if rule_lines(result.content):
        assert problems == []
    else:
        # An event without network indicators gives a header-only file, which Suricata
        # loads with this one notice and nothing else.
        assert [line for line in problems if "no rules were loaded" not in line] == []
        assert "0 rules from 0 indicators" in result.content.decode()


def expected_alerts(content: bytes, expected: dict[str, list[str]]) -> dict[int, set[str]]:
    """``{"a4:http": servers}`` as ``{sid: servers}``: the rule of attribute a4 written for
    the http protocol; ``object:...`` is the connection object's rule."""
    lines = rule_lines(content)
    wanted: dict[int, set[str]] = {}
    for name, servers in expected.items():
        suffix, protocol = name.split(":")
        if suffix == "object":
            line = next(line for line in lines if "misp_object_uuid" in line)
            sid = int(re.search(r"\bsid:(\d+);", line).group(1))
        else:
            sid = sids_of(lines, f"5f3c1a2b-0000-4000-8000-{suffix:0>12}")[protocol]
        wanted[sid] = set(servers)
    return wanted


def _attribute(uuid_suffix: str, kind: str, value: str, **extra) -> dict:
    return {"uuid": f"5f3c1a2b-0000-4000-8000-{uuid_suffix:0>12}", "type": kind,
            "category": "Network activity", "value": value, "to_ids": True,
            "timestamp": "1700000000", **extra}


DETECTION_ATTRIBUTES = [
    _attribute("a1", "domain", "x.ec"),
    _attribute("a2", "domain", "Trailing.C2-Node.NET."),
    _attribute("a3", "hostname", "bücher-c2.example"),
    _attribute("a4", "url", 'http://shop-c2.example/a;b"c/x.php?id=1&k=v'),
    _attribute("a5", "url", "http://shop-c2.example/gate.php"),
    _attribute("a6", "url", "https://secure-c2.example/login"),
    _attribute("a7", "user-agent", "Mozilla/5.0 (Windows NT 6.1; Win64; x64) EvilBot/1.0"),
    _attribute("a8", "ja3-fingerprint-md5", ja3_of_client_hello("ja3-only.example")),
    _attribute("a9", "ip-dst", "203.0.113.9"),
    _attribute("a10", "ip-dst|port", "203.0.113.20|8443"),
    _attribute("a11", "ip-src", "192.0.2.50"),
    _attribute("a12", "ip-dst", "198.51.100.0/24"),
    _attribute("a13", "ip-dst", "2001:db8::66"),
    _attribute("a14", "email-src", "phisher@mail-c2.example"),
    _attribute("a15", "email-dst", "victim@corp.example"),
    _attribute("a16", "email-subject", "Invoice 42; urgent"),
    _attribute("a17", "uri", "/dp/B074WC4NHW/ref=gbps", Tag=[{"name": 'x:y="50%; off"'}]),
]
CONNECTION_OBJECT = {
    "uuid": "5f3c1a2b-0000-4000-8000-0000000000b1", "name": "network-connection",
    "timestamp": "1700000000",
    "Attribute": [
        _attribute("b2", "ip-dst", "203.0.113.80", object_relation="ip-dst"),
        {**_attribute("b3", "port", "8080", object_relation="dst-port"), "to_ids": False},
        {**_attribute("b4", "text", "TCP", object_relation="layer4-protocol"), "to_ids": False},
    ],
}


def detection_event() -> dict:
    return {"Event": {
        "uuid": EVENT_UUID, "info": 'Regression "quotes"; semicolons; 100% | pipes',
        "threat_level_id": "1", "date": "2024-05-01", "timestamp": "1714550400",
        "Tag": [{"name": "tlp:green"}, {"name": 'misp-galaxy:mitre-attack-pattern='
                                                '"Application Layer Protocol - T1071"'},
                {"name": "odd;tag%s"}],
        "Attribute": DETECTION_ATTRIBUTES, "Object": [CONNECTION_OBJECT],
    }}


def detection_traffic() -> tuple[Conversation, dict[str, list[str]]]:
    """Matching traffic and near misses; returns which servers each attribute must fire on."""
    talk = Conversation()
    expected: dict[str, list[str]] = {}

    def server(n: int) -> str:
        return f"10.99.0.{n}"

    talk.dns_query("x.ec", server=server(1))
    talk.dns_query("login.X.EC", server=server(2))
    talk.dns_query("x.ec.europa.eu", server=server(3))           # longer name: silent
    talk.dns_query("xx.ec", server=server(4))                    # longer label: silent
    talk.tls_hello(server(5), "cdn.x.ec")
    expected["a1:dns"] = [server(1), server(2)]
    expected["a1:tls"] = [server(5)]

    talk.dns_query("trailing.c2-node.net", server=server(10))
    expected["a2:dns"] = [server(10)]
    talk.dns_query("bücher-c2.example".encode("idna").decode("ascii"), server=server(11))
    expected["a3:dns"] = [server(11)]

    talk.http_request(server(20), "shop-c2.example", '/a;b"c/x.php?id=1&k=v')
    talk.http_request(server(21), "shop-c2.example", '/a;b"c/x.php?id=2&k=v')  # other query
    talk.http_request(server(22), "www.shop-c2.example", '/a;b"c/x.php?id=1&k=v')  # other host
    talk.http_request(server(23), "shop-c2.example", '/a;b"c/x.phpx?id=1&k=v')  # longer path
    expected["a4:http"] = [server(20)]
    talk.http_request(server(24), "shop-c2.example", "/gate.php")
    talk.http_request(server(25), "shop-c2.example", "/gate.php?session=9")
    talk.http_request(server(26), "shop-c2.example", "/gate.php.bak")          # silent
    expected["a5:http"] = [server(24), server(25)]

    talk.tls_hello(server(30), "secure-c2.example")
    talk.tls_hello(server(31), "www.secure-c2.example")                       # exact SNI only
    expected["a6:tls"] = [server(30)]

    agent = "Mozilla/5.0 (Windows NT 6.1; Win64; x64) EvilBot/1.0"
    talk.http_request(server(40), "neutral.example", "/", user_agent=agent)
    talk.http_request(server(41), "neutral.example", "/", user_agent=agent + " extra")
    expected["a7:http"] = [server(40)]

    # Every hello built by suricata_traffic shares one JA3, so each TLS conversation fires.
    expected["a8:tls"] = [server(5), server(30), server(31)]

    talk.tcp_session(CLIENT, "203.0.113.9", 443, [("client", b"x")])
    talk.tcp_session(CLIENT, "203.0.113.10", 443, [("client", b"x")])        # next address
    expected["a9:ip"] = ["203.0.113.9"]
    talk.tcp_session(CLIENT, "203.0.113.20", 8443, [("client", b"x")])
    talk.tcp_session(CLIENT, "203.0.113.21", 443, [("client", b"x")])
    expected["a10:ip"] = ["203.0.113.20"]
    talk.udp("192.0.2.50", CLIENT, 5353)
    expected["a11:ip"] = ["192.0.2.50"]
    talk.tcp_session(CLIENT, "198.51.100.77", 80, [("client", b"x")])
    talk.tcp_session(CLIENT, "198.51.101.1", 80, [("client", b"x")])         # outside the /24
    expected["a12:ip"] = ["198.51.100.77"]
    talk.tcp_session(CLIENT_V6, "2001:db8::66", 443, [("client", b"x")])
    expected["a13:ip"] = ["2001:db8::66"]

    talk.smtp_session(server(50), "phisher@mail-c2.example", "victim@corp.example",
                      "Invoice 42; urgent")
    talk.smtp_session(server(51), "someone@mail-c2.example", "other@corp.example",
                      "Invoice 42; urgent!")
    expected["a14:smtp"] = [server(50)]
    expected["a15:smtp"] = [server(50)]
    expected["a16:smtp"] = [server(50)]

    talk.http_request(server(60), "any-host.example", "/dp/B074WC4NHW/ref=gbps")
    expected["a17:http"] = [server(60)]

    talk.tcp_session(CLIENT, "203.0.113.80", 8080, [("client", b"x")])
    talk.tcp_session(CLIENT, "203.0.113.80", 8081, [("client", b"x")])       # other port
    expected["object:tcp"] = ["203.0.113.80"]
    return talk, expected


@pytest.fixture(scope="module")
def detection_run(tmp_path_factory, catalogue, minimal_config):
    directory = tmp_path_factory.mktemp("detection")
    options = ExportOptions.from_config({"keep_warninglisted": "1",
                                         "misp_url": "https://misp.example.org"})
    result = export_suricata(load_events(detection_event()), catalogue, options)
    rules = directory / "detection.rules"
    rules.write_bytes(result.content)
    talk, expected = detection_traffic()
    pcap = talk.write(directory / "traffic.pcap")
    problems = check_rules(rules, directory / "check", minimal_config)
    fired = replay(rules, pcap, directory / "replay", minimal_config)
    return result, problems, fired, expected


def test_detection_rules_load_without_warnings(detection_run):
    result, problems, _, _ = detection_run
    assert problems == []
    assert result.skipped == 0


def test_each_rule_fires_on_its_traffic_and_nothing_else(detection_run):
    result, _, fired, expected = detection_run

    assert fired == expected_alerts(result.content, expected)


def test_rules_without_traffic_stay_silent(detection_run):
    result, _, fired, expected = detection_run
    lines = rule_lines(result.content)
    all_sids = {int(re.search(r"\bsid:(\d+);", line).group(1)) for line in lines}
    # Rules of the same indicators for other protocols (the TLS rule of a domain with no SNI
    # traffic, the DNS rule of a URL host) exist but saw no traffic of theirs.
    assert len(all_sids) == len(lines)
    assert set(fired) < all_sids


SNORT_EXPECTED = {
    "a1:udp": ["10.99.0.1", "10.99.0.2"], "a2:udp": ["10.99.0.10"], "a3:udp": ["10.99.0.11"],
    "a4:tcp": ["10.99.0.20"], "a5:tcp": ["10.99.0.24", "10.99.0.25"], "a6:tcp": ["10.99.0.30"],
    "a7:tcp": ["10.99.0.40"], "a9:ip": ["203.0.113.9"], "a10:tcp": ["203.0.113.20"],
    "a11:ip": ["192.0.2.50"], "a12:ip": ["198.51.100.77"], "a13:ip": ["2001:db8::66"],
    "a14:tcp": ["10.99.0.50"], "a15:tcp": ["10.99.0.50"], "a16:tcp": ["10.99.0.50"],
    "a17:tcp": ["10.99.0.60"], "object:tcp": ["203.0.113.80"],
}


def test_snort_flavour_conditions_fire_on_the_same_wire_bytes(tmp_path, catalogue,
                                                              minimal_config):
    """Snort is not installed here; Suricata reads Snort 2.9 content modifiers, so it checks
    that the wire-format patterns (DNS labels, SNI with its length, header lines) are right.
    Snort has no JA3 and no SNI suffix match, so those rules are absent or exact."""
    options = ExportOptions.from_config({"keep_warninglisted": "1", "flavour": "snort"})
    result = export_suricata(load_events(detection_event()), catalogue, options)
    rules = tmp_path / "snort.rules"
    rules.write_bytes(result.content)
    talk, _ = detection_traffic()

    assert check_rules(rules, tmp_path / "check", minimal_config) == []
    fired = replay(rules, talk.write(tmp_path / "traffic.pcap"), tmp_path / "replay",
                   minimal_config)

    assert fired == expected_alerts(result.content, SNORT_EXPECTED)


def hostile_event() -> dict:
    """Values a contributor to a shared event could write to break or silence the sensors."""
    def attribute(number: int, kind: str, value: str, timestamp: str = "1700000000") -> dict:
        return {"uuid": f"5f3c1a2b-0000-4000-8000-{number:012d}", "type": kind, "value": value,
                "category": "Network activity", "to_ids": True, "timestamp": timestamp}

    alert = 'alert ip any any -> any any (msg:"seen"; sid:1;)'
    attributes = [
        attribute(1, "suricata", alert + '\npass ip any any -> any any (msg:"off"; sid:2;)'),
        attribute(2, "suricata", 'pass ip any any -> any any (msg:"off"; sid:2;)'),
        attribute(3, "suricata", alert + ' alert ip any any -> any any (msg:"b"; sid:3;)'),
        attribute(4, "suricata", 'alert ip any any -> any any (msg:"a"; sid:4;))'),
        attribute(5, "suricata", 'alert ip any any -> any any (msg:"a;b"; sid:5;)'),
        attribute(6, "suricata", f'alert ip any any -> any any (pcre:"/{"a" * 8200}/"; sid:6;)'),
        attribute(7, "user-agent", "U" * 9000),
        attribute(8, "uri", "/" + "p" * 9000),
        attribute(9, "email-subject", "S" * 9000),
        attribute(10, "user-agent", "V" * 3000),
        attribute(11, "ip-dst", "203.0.113.5", timestamp="99999999999999999"),
        attribute(12, "suricata", alert),
    ]
    return {"Event": {"uuid": EVENT_UUID, "info": "Hostile values", "threat_level_id": "2",
                      "date": "2024-05-01", "timestamp": "1714550400", "Attribute": attributes}}


def test_hostile_values_are_skipped_and_the_rest_loads_without_warnings(tmp_path, catalogue,
                                                                        minimal_config):
    options = ExportOptions.from_config({"keep_warninglisted": "1"})
    result = export_suricata(load_events(hostile_event()), catalogue, options)
    rules = tmp_path / "hostile.rules"
    rules.write_bytes(result.content)
    lines = rule_lines(result.content)

    assert check_rules(rules, tmp_path / "check", minimal_config) == []
    assert all(line.startswith("alert ") for line in lines)
    assert "rev:4294967294;" in result.content.decode()
    assert result.exported == 3 and result.skipped == 9
