"""Closed loop: exported rules, converted by pySigma's SQLite backend, match the indicator's own
log lines and stay silent on near misses."""

from __future__ import annotations

import re
import sqlite3

import pytest
from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection

from misp_attack_pack.events import load_events
from misp_attack_pack.exports.sigma import export_sigma

COLUMNS = ("category", "DestinationIp", "DestinationPort", "SourceIp", "QueryName", "cs-host",
           "c-uri", "c-useragent", "Hashes", "Image", "TargetFilename")

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
OTHER_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a09"


def _attribute(kind: str, value: str, index: int) -> dict:
    return {"uuid": f"00000000-0000-4000-8000-{index:012d}", "type": kind,
            "category": "Network activity", "value": value, "to_ids": True}


INDICATORS = [
    ("domain", "evil.example.com"),
    ("ip-dst", "203.0.113.5"),
    ("ip-dst|port", "198.51.100.7|8443"),
    ("ip-src", "192.0.2.0/30"),
    ("url", "http://bad.example.net/gate.php?id=1&x=*"),
    ("user-agent", "EvilAgent/1.0 (x*y)"),
    ("sha256", SHA256),
    ("filename", "invoice*.ps1"),
    ("filename", "C:\\Temp\\dropper.exe"),
]

# (row id, category, column values, expected to match)
LOG_LINES = [
    ("dns-exact", "dns_query", {"QueryName": "evil.example.com"}, True),
    ("dns-sub", "dns_query", {"QueryName": "cdn.evil.example.com"}, True),
    ("dns-upper", "dns_query", {"QueryName": "EVIL.example.com"}, True),
    ("dns-longer-suffix", "dns_query", {"QueryName": "evil.example.com.good.org"}, False),
    ("dns-longer-label", "dns_query", {"QueryName": "notevil.example.com"}, False),
    ("ip-exact", "network_connection", {"DestinationIp": "203.0.113.5"}, True),
    ("ip-prefix", "network_connection", {"DestinationIp": "203.0.113.50"}, False),
    ("ip-port", "network_connection", {"DestinationIp": "198.51.100.7",
                                       "DestinationPort": 8443}, True),
    ("ip-other-port", "network_connection", {"DestinationIp": "198.51.100.7",
                                             "DestinationPort": 443}, False),
    ("src-in-cidr", "network_connection", {"SourceIp": "192.0.2.3"}, True),
    ("src-out-cidr", "network_connection", {"SourceIp": "192.0.2.4"}, False),
    ("url-path", "proxy", {"cs-host": "bad.example.net", "c-uri": "/gate.php?id=1&x=*"}, True),
    ("url-full", "proxy", {"cs-host": "bad.example.net",
                           "c-uri": "http://bad.example.net/gate.php?id=1&x=*"}, True),
    ("url-wildcard-miss", "proxy", {"cs-host": "bad.example.net",
                                    "c-uri": "/gate.php?id=1&x=anything"}, False),
    ("url-other-host", "proxy", {"cs-host": "good.example.net",
                                 "c-uri": "/gate.php?id=1&x=*"}, False),
    ("ua-exact", "proxy", {"c-useragent": "EvilAgent/1.0 (x*y)"}, True),
    ("ua-wildcard-miss", "proxy", {"c-useragent": "EvilAgent/1.0 (xZZZy)"}, False),
    ("hash", "process_creation", {"Hashes": f"MD5=00,SHA256={SHA256.upper()},IMPHASH=11"}, True),
    ("other-hash", "process_creation", {"Hashes": f"SHA256={OTHER_SHA256.upper()}"}, False),
    ("image-literal-star", "process_creation", {"Image": "C:\\Users\\a\\invoice*.ps1"}, True),
    ("image-star-miss", "process_creation", {"Image": "C:\\Users\\a\\invoiceXYZ.ps1"}, False),
    ("file-path", "file_event", {"TargetFilename": "C:\\Temp\\dropper.exe"}, True),
    ("file-other-dir", "file_event", {"TargetFilename": "C:\\Temp2\\dropper.exe"}, False),
    ("file-star", "file_event", {"TargetFilename": "D:\\invoice*.ps1"}, True),
]


def _database() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.create_function(
        "REGEXP", 2,
        lambda pattern, value: value is not None and re.search(pattern, str(value)) is not None)
    columns = ", ".join(f"`{name}` TEXT COLLATE NOCASE" for name in COLUMNS)
    connection.execute(f"CREATE TABLE logs (row_id TEXT, {columns})")
    for row_id, category, values, _ in LOG_LINES:
        names = ["row_id", "category", *values]
        placeholders = ", ".join("?" for _ in names)
        quoted = ", ".join(f"`{name}`" for name in names)
        connection.execute(f"INSERT INTO logs ({quoted}) VALUES ({placeholders})",
                           [row_id, category, *values.values()])
    return connection


@pytest.fixture(scope="module")
def converted_rules(catalogue):
    event = {"Event": {"uuid": "c1053d10-0000-4000-8000-00000000c105", "info": "closed loop",
                       "Attribute": [_attribute(kind, value, index)
                                     for index, (kind, value) in enumerate(INDICATORS)]}}
    text = export_sigma(load_events(event), catalogue).content.decode()
    backend = sqliteBackend()
    return [(rule.logsource.category, backend.convert_rule(rule)[0])
            for rule in SigmaCollection.from_yaml(text).rules]


def test_every_log_source_gets_one_converted_rule(converted_rules):
    assert [category for category, _ in converted_rules] == [
        "network_connection", "dns_query", "proxy", "process_creation", "file_event"]


def test_rules_match_the_indicators_and_not_the_near_misses(converted_rules):
    database = _database()
    matched: dict[str, set[str]] = {}
    for category, query in converted_rules:
        scoped = f"SELECT row_id FROM ({query}) WHERE category = ?"
        matched[category] = {row for (row,) in database.execute(scoped, (category,))}

    expected: dict[str, set[str]] = {}
    for row_id, category, _, should_match in LOG_LINES:
        expected.setdefault(category, set())
        if should_match:
            expected[category].add(row_id)

    assert matched == expected
