"""attack_sigma_convert through the real misp-modules server, with real pySigma backends.

The SigmaHQ validators read reference data from ``sigmahq_data_dir()``
(``$MISP_ATTACK_PACK_SIGMAHQ_DATA`` or the user cache), which ``make`` builds with
``tools/build_sigmahq_data.py``; the ``module_server`` fixture passes this process's
environment on to the server.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import IN_CI, SHARED_DATA, shared_path
from misp_attack_pack.sigma_runtime import sigmahq_data_dir

SIGMAHQ_DATA = sigmahq_data_dir()

MODULE = "attack_sigma_convert"
ATTRIBUTE_UUID = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
GALAXY_FILE = ("attack", "misp-galaxy-cluster-mitre-attack-pattern.json")
MSHTA_RULE = ("sigma-rules", "windows", "process_creation", "proc_creation_win_mshta_http.yml")
MSHTA_LABEL = ("Sigma rule 'Remotely Hosted HTA File Executed Via Mshta.EXE' "
               "(b98d0db6-511d-45de-ad02-e82a98729620)")
DEFAULT_BACKENDS = [
    "Splunk SPL (pySigma backend splunk, pipeline splunk_windows)",
    "Elasticsearch Lucene (pySigma backend lucene, pipeline ecs_windows)",
    "Elasticsearch ES|QL (pySigma backend esql, no pipeline)",
    "SQLite (pySigma backend sqlite, no pipeline)",
]
TACTIC_FINDING = (
    "warning: [sigma-validator.SigmahqTagsTechniquesWithoutTacticsIssue] A MITRE ATT&CK "
    "technique tag was found without its corresponding tactic name. (e.g. when using "
    "'attack.t1059' you have to add 'attack.execution' as well): "
    "techniques=['attack.t1218.005'], missing_tactic=attack.defense-evasion (pySigma severity "
    "medium)")

KEYWORD_RULE = """\
title: Keyword Search For Mimikatz
id: 2f0c7a43-8b1e-4c55-9d3a-6e7f8a9b0c1d
status: test
description: Finds the word mimikatz anywhere in a Security event
author: misp-attack-pack tests
date: 2024-05-01
tags:
    - attack.credential-access
    - attack.t1003.001
    - attack.t1086
    - attack.t9999
logsource:
    product: windows
    service: security
detection:
    keywords:
        - 'mimikatz'
    condition: keywords
level: medium
"""

REGEX_RULE = """\
title: Encoded PowerShell Command Line
id: 6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e
status: test
description: PowerShell started with a long base64 encoded command
author: misp-attack-pack tests
date: 2024-05-01
tags:
    - attack.execution
    - attack.t1059.001
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        CommandLine|re: '-enc(odedcommand)? [A-Za-z0-9+/=]{16,}'
    condition: selection
level: medium
"""


def rule_paths() -> list:
    """Every real SigmaHQ rule in ../shared; one skipping param keeps the test visible."""
    paths = sorted((SHARED_DATA / "sigma-rules").rglob("*.yml"))
    if paths:
        return [pytest.param(path, id=path.stem) for path in paths]
    return [pytest.param(None, id="shared-data-missing")]


def real_rule(*parts: str) -> str:
    return shared_path(*parts).read_text(encoding="utf-8")


def misp_attribute(value: str) -> dict:
    """A sigma attribute as MISP sends it to an expansion module."""
    return {
        "id": "3310", "event_id": "42", "object_id": "0", "object_relation": None,
        "uuid": ATTRIBUTE_UUID, "type": "sigma", "category": "Payload installation",
        "value": value, "to_ids": True, "distribution": "5", "sharing_group_id": "0",
        "comment": "", "deleted": False, "disable_correlation": False,
        "timestamp": "1714557600", "first_seen": None, "last_seen": None, "Tag": [],
    }


def convert(module_server, value: str, config: dict | None = None) -> dict:
    return module_server.query({"module": MODULE, "event_id": "42", "config": config or {},
                                "attribute": misp_attribute(value)})


def results(answer: dict) -> dict:
    assert "error" not in answer, answer
    return answer["results"]


def queries(answer: dict) -> dict[str, str]:
    """Query text by the backend its comment names (``Splunk SPL (...)``)."""
    found = {}
    for attribute in results(answer)["Attribute"][1:]:
        head, separator, _ = attribute["comment"].partition(" query for ")
        if separator:
            assert head not in found, f"two queries from {head}"
            found[head] = attribute["value"]
    return found


def findings(answer: dict) -> list[str]:
    return [line for attribute in results(answer)["Attribute"][1:]
            if " findings for " in attribute["comment"]
            for line in attribute["value"].split("\n")]


def galaxy_tags_of(rule_text: str, catalogue) -> list[str]:
    """What MISP's ATT&CK galaxy calls the techniques a rule's tags name, worked out here."""
    tags = []
    for document in yaml.safe_load_all(rule_text):
        for tag in document.get("tags", ()):
            match = re.fullmatch(r"attack\.t(\d{4}(?:\.\d{3})?)", tag)
            technique = catalogue.current(f"T{match.group(1)}") if match else None
            if technique is not None:
                tags.append(f'misp-galaxy:mitre-attack-pattern="{technique.name} - '
                            f'{technique.technique_id}"')
    return list(dict.fromkeys(tags))


def run_sqlite(query: str, columns: list[str], rows: list[dict]) -> list[dict]:
    """Run a converted query against a real SQLite table named ``logs`` holding ``rows``."""
    connection = sqlite3.connect(":memory:")
    connection.row_factory = sqlite3.Row
    connection.create_function("REGEXP", 2, _regexp, deterministic=True)
    quoted = ", ".join(f'"{column}"' for column in columns)
    connection.execute(f"CREATE TABLE logs ({quoted})")
    placeholders = ", ".join("?" for _ in columns)
    connection.executemany(f"INSERT INTO logs ({quoted}) VALUES ({placeholders})",
                           [tuple(row.get(column) for column in columns) for row in rows])
    try:
        return [dict(row) for row in connection.execute(query)]
    finally:
        connection.close()


def _regexp(pattern: str, value) -> bool:
    """SQLite calls ``X REGEXP Y`` as ``regexp(Y, X)``: the pattern comes first."""
    return value is not None and re.search(pattern, str(value)) is not None


@pytest.fixture(scope="module")
def sigmahq_data() -> Path:
    if not (SIGMAHQ_DATA / "sigmahq_taxonomy.json").is_file():
        message = f"{SIGMAHQ_DATA} is missing: build it with tools/build_sigmahq_data.py"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return SIGMAHQ_DATA


def test_the_server_lists_the_module_as_a_misp_standard_expansion_of_sigma(module_server):
    listed = {module["name"]: module for module in module_server.get("/modules")}

    module = listed[MODULE]

    assert module["type"] == "expansion"
    assert module["mispattributes"] == {"input": ["sigma"], "output": ["text"],
                                        "format": "misp_standard"}
    assert module["meta"]["module-type"] == ["expansion"]
    assert module["meta"]["config"] == ["backends", "skip_validators", "attack_catalogue"]


@pytest.mark.parametrize("path", rule_paths())
def test_every_real_sigmahq_rule_converts_with_every_default_backend(module_server, catalogue,
                                                                     path):
    text = (path or shared_path("sigma-rules")).read_text(encoding="utf-8")

    answer = convert(module_server, text)

    converted = queries(answer)
    assert sorted(converted) == sorted(DEFAULT_BACKENDS)
    assert all(query.strip() for query in converted.values())
    expected_tags = galaxy_tags_of(text, catalogue)
    assert results(answer)["Tag"] == [{"name": tag} for tag in expected_tags]
    assert results(answer)["Attribute"][0]["Tag"] == [{"name": tag} for tag in expected_tags]
    assert not [line for line in findings(answer) if "sigma.conversion-failed" in line]


def test_a_windows_rule_gives_each_backend_its_own_query_and_field_names(module_server):
    answer = convert(module_server, real_rule(*MSHTA_RULE))

    assert queries(answer) == {
        DEFAULT_BACKENDS[0]: 'Image="*\\\\mshta.exe" OR OriginalFileName="MSHTA.EXE" '
                             'CommandLine IN ("*http://*", "*https://*", "*ftp://*")',
        DEFAULT_BACKENDS[1]: '(process.executable.caseless:*\\\\mshta.exe OR '
                             'process.pe.original_file_name:MSHTA.EXE) AND '
                             '(process.command_line:(*http\\:\\/\\/* OR *https\\:\\/\\/* OR '
                             '*ftp\\:\\/\\/*))',
        DEFAULT_BACKENDS[2]: 'from * metadata _id, _index, _version | where '
                             '(ends_with(Image, "\\\\mshta.exe") or '
                             'OriginalFileName=="MSHTA.EXE") and (CommandLine like "*http://*"'
                             ' or CommandLine like "*https://*" or CommandLine like "*ftp://*")',
        DEFAULT_BACKENDS[3]: "SELECT * FROM logs WHERE (Image LIKE '%\\\\mshta.exe' ESCAPE '\\' "
                             "OR OriginalFileName='MSHTA.EXE') AND (CommandLine LIKE "
                             "'%http://%' ESCAPE '\\' OR CommandLine LIKE '%https://%' ESCAPE "
                             "'\\' OR CommandLine LIKE '%ftp://%' ESCAPE '\\')",
    }


def test_each_query_is_a_text_attribute_commented_with_backend_and_rule(module_server):
    answer = convert(module_server, real_rule(*MSHTA_RULE))

    created = results(answer)["Attribute"][1:5]
    assert [attribute["comment"] for attribute in created] == [
        f"{backend} query for {MSHTA_LABEL}" for backend in DEFAULT_BACKENDS]
    assert {(attribute["type"], attribute["category"], attribute["to_ids"],
             attribute["disable_correlation"]) for attribute in created} == {
        ("text", "Payload installation", False, True)}
    assert results(answer)["Tag"] == [
        {"name": 'misp-galaxy:mitre-attack-pattern="Mshta - T1218.005"'}]
    echoed = results(answer)["Attribute"][0]
    assert (echoed["uuid"], echoed["type"]) == (ATTRIBUTE_UUID, "sigma")


def test_the_sqlite_query_of_a_process_rule_returns_exactly_the_matching_row(module_server):
    query = queries(convert(module_server, real_rule(*MSHTA_RULE)))[DEFAULT_BACKENDS[3]]
    remote_hta = {"Image": "C:\\Windows\\System32\\mshta.exe", "OriginalFileName": "MSHTA.EXE",
                  "CommandLine": "mshta.exe https://198.51.100.7/payload.hta"}
    local_hta = {"Image": "C:\\Windows\\System32\\mshta.exe", "OriginalFileName": "MSHTA.EXE",
                 "CommandLine": "mshta.exe C:\\Users\\Public\\help.hta"}

    matched = run_sqlite(query, ["Image", "OriginalFileName", "CommandLine"],
                         [local_hta, remote_hta])

    assert matched == [remote_hta]


def test_the_sqlite_query_of_a_network_rule_compares_ports_and_booleans(module_server):
    rule = real_rule("sigma-rules", "windows", "network_connection",
                     "net_connection_win_certutil_initiated_connection.yml")
    query = queries(convert(module_server, rule))[DEFAULT_BACKENDS[3]]
    download = {"Image": "C:\\Windows\\System32\\certutil.exe", "Initiated": "true",
                "DestinationPort": 443}
    inbound = {"Image": "C:\\Windows\\System32\\certutil.exe", "Initiated": "false",
               "DestinationPort": 443}
    other_port = {"Image": "C:\\Windows\\System32\\certutil.exe", "Initiated": "true",
                  "DestinationPort": 8443}

    matched = run_sqlite(query, ["Image", "Initiated", "DestinationPort"],
                         [inbound, download, other_port])

    assert matched == [download]


def test_the_sqlite_query_of_a_proxy_rule_quotes_hyphenated_fields(module_server):
    rule = real_rule("sigma-rules", "web", "proxy_generic",
                     "proxy_hktl_cobalt_strike_malleable_c2_requests.yml")
    query = queries(convert(module_server, rule))[DEFAULT_BACKENDS[3]]
    columns = ["c-useragent", "cs-method", "c-uri", "cs-host", "cs-cookie"]
    beacon = {"c-useragent": "Mozilla/5.0", "cs-method": "GET", "c-uri": "/oscp/a.crl",
              "cs-host": "ocsp.verisign.com", "cs-cookie": None}
    real_ocsp = {"c-useragent": "Mozilla/5.0", "cs-method": "GET", "c-uri": "/oscp/a.crl",
                 "cs-host": "ocsp.digicert.com", "cs-cookie": None}

    assert run_sqlite(query, columns, [beacon, real_ocsp]) == [beacon]


def test_the_sqlite_query_of_a_regex_rule_runs_with_a_registered_regexp(module_server):
    query = queries(convert(module_server, REGEX_RULE))[DEFAULT_BACKENDS[3]]
    encoded = {"CommandLine": "powershell.exe -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA"}
    plain = {"CommandLine": "powershell.exe -File C:\\Scripts\\backup.ps1"}

    assert query == ("SELECT * FROM logs WHERE CommandLine REGEXP "
                     "'-enc(odedcommand)? [A-Za-z0-9+/=]{16,}'")
    assert run_sqlite(query, ["CommandLine"], [plain, encoded]) == [encoded]


def test_a_backend_that_cannot_convert_a_rule_is_a_finding_not_a_failure(module_server):
    answer = convert(module_server, KEYWORD_RULE)

    assert queries(answer) == {
        DEFAULT_BACKENDS[0]: 'source="WinEventLog:Security" "mimikatz"',
        DEFAULT_BACKENDS[1]: "winlog.channel:Security AND *mimikatz*",
    }
    assert findings(answer)[-2:] == [
        "error: [sigma.conversion-failed] Elasticsearch ES|QL (pySigma backend esql, no "
        "pipeline) cannot convert the rule: NotImplementedError: String value expressions are "
        "not supported by the backend.",
        "error: [sigma.conversion-failed] SQLite (pySigma backend sqlite, no pipeline) cannot "
        "convert the rule: SigmaFeatureNotSupportedByBackendError: Value-only string expressions "
        "(i.e Full Text Search or 'keywords' search) are not supported by the backend.",
    ]


def test_attack_tags_become_galaxy_tags_with_revoked_ids_replaced_and_unknown_ones_reported(
        module_server):
    answer = convert(module_server, KEYWORD_RULE)

    assert results(answer)["Tag"] == [
        {"name": 'misp-galaxy:mitre-attack-pattern="LSASS Memory - T1003.001"'},
        {"name": 'misp-galaxy:mitre-attack-pattern="PowerShell - T1059.001"'}]
    assert findings(answer)[:4] == [
        "warning: [sigma-validator.InvalidATTACKTagIssue] Invalid MITRE ATT&CK tagging: "
        "tag=attack.t1086 (pySigma severity medium)",
        "warning: [sigma-validator.InvalidATTACKTagIssue] Invalid MITRE ATT&CK tagging: "
        "tag=attack.t9999 (pySigma severity medium)",
        "info: [attack.revoked-technique] attack.t1086: T1086 is revoked; tagged T1059.001 "
        "(Command and Scripting Interpreter: PowerShell) instead",
        "warning: [attack.unknown-technique] attack.t9999 names no technique in the ATT&CK "
        "catalogue; no galaxy tag",
    ]


def test_validator_findings_include_the_sigmahq_checks_that_read_reference_data(
        module_server, sigmahq_data):
    typo = real_rule(*MSHTA_RULE).replace("Image|endswith", "Imagee|endswith")

    answer = convert(module_server, typo)

    findings_attribute = results(answer)["Attribute"][-1]
    assert findings_attribute["comment"] == (
        f"2 validator and conversion findings for {MSHTA_LABEL}")
    assert findings(answer) == [
        "error: [sigma-validator.SigmahqInvalidFieldnameIssue] A field name do not exist: "
        "field=Imagee (pySigma severity high)",
        TACTIC_FINDING,
    ]


def test_skip_validators_leaves_the_named_validators_out(module_server):
    answer = convert(module_server, real_rule(*MSHTA_RULE),
                     config={"skip_validators": "sigmahq_tags_techniques_without_tactics"})

    assert findings(answer) == []
    assert len(results(answer)["Attribute"]) == 5


def test_with_the_attack_v19_galaxy_the_v19_tactic_tags_of_sigmahq_rules_are_clean(
        module_server):
    galaxy_file = str(shared_path(*GALAXY_FILE))

    default = convert(module_server, real_rule(*MSHTA_RULE))
    with_v19 = convert(module_server, real_rule(*MSHTA_RULE),
                       config={"attack_catalogue": galaxy_file})

    assert findings(default) == [TACTIC_FINDING]
    assert findings(with_v19) == []
    assert results(with_v19)["Tag"] == [
        {"name": 'misp-galaxy:mitre-attack-pattern="Mshta - T1218.005"'}]


def test_several_yaml_documents_are_converted_rule_by_rule(module_server):
    certutil = real_rule("sigma-rules", "windows", "process_creation",
                         "proc_creation_win_certutil_download.yml")
    text = real_rule(*MSHTA_RULE) + "---\n" + certutil

    answer = convert(module_server, text)

    comments = [attribute["comment"] for attribute in results(answer)["Attribute"][1:]
                if " query for " in attribute["comment"]]
    certutil_label = ("Sigma rule 'Suspicious Download Via Certutil.EXE' "
                      "(19b08b1c-861d-4e75-a1ef-ea0c1baf202b)")
    assert comments == ([f"{backend} query for {MSHTA_LABEL}" for backend in DEFAULT_BACKENDS]
                        + [f"{backend} query for {certutil_label}"
                           for backend in DEFAULT_BACKENDS])
    assert results(answer)["Tag"] == [
        {"name": 'misp-galaxy:mitre-attack-pattern="Mshta - T1218.005"'},
        {"name": 'misp-galaxy:mitre-attack-pattern="Obfuscated Files or Information - T1027"'},
        {"name": 'misp-galaxy:mitre-attack-pattern="Ingress Tool Transfer - T1105"'}]


CORRELATION_RULE = """\
title: Many Remote HTA Executions On One Host
id: 0d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a
status: test
correlation:
    type: event_count
    rules:
        - b98d0db6-511d-45de-ad02-e82a98729620
    group-by:
        - ComputerName
    timespan: 1h
    condition:
        gte: 10
level: high
"""


def test_a_correlation_rule_converts_where_the_backend_supports_correlations(module_server):
    text = real_rule(*MSHTA_RULE) + "---\n" + CORRELATION_RULE
    correlation_label = ("Sigma rule 'Many Remote HTA Executions On One Host' "
                         "(0d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a)")

    answer = convert(module_server, text)

    comments = [attribute["comment"] for attribute in results(answer)["Attribute"][1:]
                if " query for " in attribute["comment"]]
    assert comments == [f"{backend} query for {correlation_label}"
                        for backend in (DEFAULT_BACKENDS[0], DEFAULT_BACKENDS[2],
                                        DEFAULT_BACKENDS[3])]
    assert queries(answer)[DEFAULT_BACKENDS[0]] == (
        'Image="*\\\\mshta.exe" OR OriginalFileName="MSHTA.EXE" CommandLine IN ("*http://*", '
        '"*https://*", "*ftp://*")\n\n| bin _time span=1h\n| stats count as event_count by '
        '_time ComputerName\n\n| search event_count >= 10')
    assert ("error: [sigma.conversion-failed] Elasticsearch Lucene (pySigma backend lucene, "
            "pipeline ecs_windows) cannot convert the rule: NotImplementedError: Backend does "
            "not support correlation rules.") in findings(answer)


def test_the_backends_option_chooses_backends_and_pipelines(module_server):
    answer = convert(module_server, real_rule(*MSHTA_RULE),
                     config={"backends": "lucene:none, sqlite"})

    assert queries(answer) == {
        "Elasticsearch Lucene (pySigma backend lucene, no pipeline)":
            "(Image:*\\\\mshta.exe OR OriginalFileName:MSHTA.EXE) AND (CommandLine:"
            "(*http\\:\\/\\/* OR *https\\:\\/\\/* OR *ftp\\:\\/\\/*))",
        DEFAULT_BACKENDS[3]:
            "SELECT * FROM logs WHERE (Image LIKE '%\\\\mshta.exe' ESCAPE '\\' OR "
            "OriginalFileName='MSHTA.EXE') AND (CommandLine LIKE '%http://%' ESCAPE '\\' OR "
            "CommandLine LIKE '%https://%' ESCAPE '\\' OR CommandLine LIKE '%ftp://%' ESCAPE "
            "'\\')",
    }


@pytest.mark.parametrize("backends, error", [
    ("splunk, qradar", "config.backends: no pySigma backend 'qradar' is installed; installed: "
                       "elastalert, eql, esql, lucene, splunk, splunk_spl2, sqlite"),
    ("lucene:ecs_linux", "config.backends: no pySigma pipeline 'ecs_linux' is installed; "
                         "installed: ecs_kubernetes, ecs_macos_esf, ecs_windows, "
                         "ecs_windows_old, ecs_zeek_beats, ecs_zeek_corelight, splunk_cim, "
                         "splunk_sysmon_acceleration, splunk_windows"),
    ("sqlite:splunk_windows", "config.backends: pipeline 'splunk_windows' is not made for "
                              "backend 'sqlite'; it declares splunk, splunk_spl2"),
    (" , ", "config.backends: names no backend"),
])
def test_a_backends_option_naming_what_is_not_installed_is_an_error(module_server, backends,
                                                                    error):
    answer = convert(module_server, real_rule(*MSHTA_RULE), config={"backends": backends})

    assert answer == {"error": error}


def test_malformed_yaml_is_an_error_with_the_line_and_column(module_server):
    text = real_rule(*MSHTA_RULE).replace("            - 'ftp://'", "            - ['ftp://'")

    answer = convert(module_server, text)

    assert answer == {"error": "attribute.value: not valid YAML at line 26, column 5: did not "
                               "find expected ',' or ']' (while parsing a flow sequence started "
                               "at line 25, column 15)"}


@pytest.mark.parametrize("value", ["---\n", "---\n...\n---\n"])
def test_an_empty_rule_is_an_error(module_server, value):
    answer = convert(module_server, value)

    assert answer == {"error": "attribute.value: holds no Sigma rule: every YAML document is "
                               "empty"}


def test_a_blank_attribute_value_is_an_error(module_server):
    assert convert(module_server, "  \n") == {
        "error": "attribute.value: empty; there is nothing to expand"}


def test_a_rule_with_an_unknown_modifier_is_an_error_with_pysigmas_message_and_the_line(
        module_server):
    text = real_rule(*MSHTA_RULE).replace("Image|endswith", "Image|endswithh")

    answer = convert(module_server, text)

    assert answer == {"error": "attribute.value: the Sigma rule does not parse at line 19: "
                               "Unknown modifier 'endswithh'"}


def test_an_unknown_modifier_in_the_second_document_points_at_its_line(module_server):
    second = real_rule(*MSHTA_RULE).replace("Image|endswith", "Image|endswith|foo").replace(
        "b98d0db6-511d-45de-ad02-e82a98729620", "c1a2b3c4-511d-45de-ad02-e82a98729620")
    text = real_rule(*MSHTA_RULE) + "---\n" + second

    answer = convert(module_server, text)

    assert answer == {"error": "attribute.value: the Sigma rule does not parse at line 49: "
                               "Unknown modifier 'foo'"}


def test_a_condition_naming_a_missing_detection_is_an_error_at_the_condition(module_server):
    text = real_rule(*MSHTA_RULE).replace("all of selection_*", "selection_img and selection_x")

    answer = convert(module_server, text)

    assert answer == {"error": "attribute.value: the Sigma rule does not parse at line 26: "
                               "Detection 'selection_x' not defined in detections"}


def test_a_rule_without_a_title_is_an_error_at_the_start_of_its_document(module_server):
    text = "\n".join(line for line in real_rule(*MSHTA_RULE).splitlines()
                     if not line.startswith("title:"))

    answer = convert(module_server, text)

    assert answer == {"error": "attribute.value: the Sigma rule does not parse at line 1: "
                               "Sigma rule must have a title"}


def test_a_yaml_list_is_not_a_rule(module_server):
    answer = convert(module_server, "- selection\n- condition\n")

    assert answer == {"error": "attribute.value: YAML document 1 at line 1 is a list, not a "
                               "Sigma rule (a mapping with title, logsource and detection)"}


def test_converting_and_validating_never_opens_a_network_connection(tmp_path):
    """pySigma's ATT&CK, D3FEND and SigmaHQ loaders download on first use unless pointed at
    local data; an audit hook records every socket the process opens or resolves."""
    rule = real_rule(*MSHTA_RULE)
    script = tmp_path / "offline_probe.py"
    script.write_text(OFFLINE_PROBE, encoding="utf-8")
    environment = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"),
                       HOME=str(tmp_path / "home"))

    completed = subprocess.run([sys.executable, str(script)], input=rule, text=True,
                               capture_output=True, env=environment, timeout=120, check=True)

    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report == {"network": [], "queries": 4, "findings": 1}


OFFLINE_PROBE = """\
import json
import sys

network = []


def audit(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        network.append(f"{event} {args!r}"[:200])


sys.addaudithook(audit)

from misp_attack_pack.expansions.sigma_convert import MODULE

answer = MODULE.dict_handler({"module": "attack_sigma_convert", "config": {}, "attribute": {
    "uuid": "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f", "type": "sigma",
    "value": sys.stdin.read()}})
created = answer["results"]["Attribute"][1:]
print(json.dumps({
    "network": network,
    "queries": sum(" query for " in attribute["comment"] for attribute in created),
    "findings": sum(" findings for " in attribute["comment"] for attribute in created),
}))
"""


def test_a_yaml_alias_bomb_is_refused_before_it_expands(module_server):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n"
        for n in range(9))

    answer = convert(module_server, bomb)

    assert answer == {"error": "attribute.value: YAML aliases are not accepted in Sigma rules "
                               "(alias at line 2)"}
