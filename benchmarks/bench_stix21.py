"""STIX 2.1 export speed and memory against misp-stix's MISPtoSTIX21Parser, in one run.

Both converters get the same generated events: a mix of the attribute types real events carry
most (domains, hashes, URLs, IPs, file names with hashes), every one for detection, with
ATT&CK galaxy tags and a TLP tag on the event. The ratio (misp-stix time / our time) and the
peak Python heap each converter adds (tracemalloc, each run in a fresh process) are written
into the benchmark's ``extra_info`` and the summary table.

The 10,000-indicator case runs by default (about 30 s with misp-stix on 2 cores). The
100,000-indicator case takes misp-stix several minutes; it is skipped unless
``STIX21_BENCH_100K=1`` is set.

    .venv/bin/python -m pytest benchmarks/bench_stix21.py --benchmark-min-rounds=1 -s
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
import tracemalloc
import uuid

import pytest

from misp_attack_pack.events import load_events
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.stix21 import export_stix21

RUN_100K = os.environ.get("STIX21_BENCH_100K") == "1"
_NAMESPACE = uuid.UUID("2d7f8a61-3c4b-4e5d-9f60-718293a4b5c6")
_TECHNIQUES = ("Application Layer Protocol: Web Protocols - T1071.001",
               "Phishing: Spearphishing Link - T1566.002",
               "Ingress Tool Transfer - T1105")


def generated_event(indicators: int) -> dict:
    """A MISP core-format event with ``indicators`` to_ids attributes of mixed types."""
    attributes = [_attribute(index) for index in range(indicators)]
    return {"Event": {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"event:{indicators}")),
        "info": f"Generated event with {indicators} indicators",
        "date": "2026-11-20", "published": True, "timestamp": "1795000000",
        "publish_timestamp": "1795000000", "threat_level_id": "2", "analysis": "2",
        "distribution": "1",
        "Orgc": {"name": "Bench CERT", "uuid": str(uuid.uuid5(_NAMESPACE, "org"))},
        "Org": {"name": "Bench CERT", "uuid": str(uuid.uuid5(_NAMESPACE, "org"))},
        "Tag": [{"name": "tlp:amber"}, {"name": 'misp:confidence-level="usually-confident"'}]
        + [{"name": f'misp-galaxy:mitre-attack-pattern="{name}"'} for name in _TECHNIQUES],
        "Attribute": attributes,
        "Object": [],
    }}


def _attribute(index: int) -> dict:
    kind, value = _value(index)
    return {
        "uuid": str(uuid.uuid4()), "type": kind, "category": "Network activity",
        "value": value, "to_ids": True, "timestamp": "1795000000", "distribution": "5",
        "comment": "", "deleted": False, "disable_correlation": False,
        "object_relation": None, "first_seen": None, "last_seen": None, "Tag": [],
    }


def _value(index: int) -> tuple[str, str]:
    digest = uuid.uuid5(_NAMESPACE, str(index)).hex
    choice = index % 6
    if choice == 0:
        return "domain", f"host-{index}.bench.example"
    if choice == 1:
        return "ip-dst", f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"
    if choice == 2:
        return "url", f"http://host-{index}.bench.example/path/{index}?q='{index}'"
    if choice == 3:
        return "sha256", (digest * 2)[:64]
    if choice == 4:
        return "md5", digest
    return "filename|sha1", f"dropper_{index}.exe|{(digest * 2)[:40]}"


def run_misp_stix(event: dict) -> bytes:
    from misp_stix_converter import MISPtoSTIX21Parser

    parser = MISPtoSTIX21Parser()
    parser.parse_misp_event(event)
    return parser.bundle.serialize().encode("utf-8")


def run_ours(event: dict, catalogue) -> bytes:
    return export_stix21(load_events(event), catalogue, ExportOptions()).content


def measured_run(converter: str, indicators: int) -> dict:
    """One conversion in a fresh process, timed, then a second one under tracemalloc.

    Runs in a spawned child so each converter starts from the same clean interpreter. The
    memory run is separate because tracing would double misp-stix's time; its figure is the
    peak Python heap the conversion adds, the same measure the other benchmarks report.
    """
    from misp_attack_pack.attack import load_catalogue

    catalogue = load_catalogue()
    event = generated_event(indicators)
    convert = run_misp_stix if converter == "misp-stix" else (
        lambda generated: run_ours(generated, catalogue))

    started = time.perf_counter()
    content = convert(event)
    seconds = time.perf_counter() - started

    tracemalloc.start()
    convert(event)
    peak_bytes = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": seconds, "peak_mib": peak_bytes / (1 << 20), "bytes": len(content)}


def in_child(converter: str, indicators: int) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(measured_run, (converter, indicators))


def compare(benchmark, summarise, catalogue, indicators: int) -> None:
    baseline = in_child("misp-stix", indicators)
    ours_alone = in_child("ours", indicators)

    event = generated_event(indicators)
    ours = benchmark.pedantic(run_ours, args=(event, catalogue), rounds=3, iterations=1)
    our_seconds = benchmark.stats.stats.min
    check_bundle(ours, indicators)
    check_validator(catalogue)

    benchmark.extra_info.update({
        "indicators": indicators,
        "misp_stix_seconds": round(baseline["seconds"], 3),
        "ours_seconds": round(our_seconds, 4),
        "ratio": round(baseline["seconds"] / our_seconds, 1),
        "misp_stix_indicators_per_second": round(indicators / baseline["seconds"]),
        "ours_indicators_per_second": round(indicators / our_seconds),
        "misp_stix_peak_memory_mib": round(baseline["peak_mib"], 1),
        "ours_peak_memory_mib": round(ours_alone["peak_mib"], 1),
        "misp_stix_bundle_bytes": baseline["bytes"],
        "ours_bundle_bytes": len(ours),
    })
    summarise(f"stix21 export against misp-stix, {indicators} indicators",
              dict(benchmark.extra_info))


def check_bundle(content: bytes, indicators: int) -> None:
    """The bundle whose speed is measured must be valid; checked once, outside the timing."""
    from stix2patterns.validator import run_validator

    bundle = json.loads(content)
    patterns = [obj["pattern"] for obj in bundle["objects"] if obj["type"] == "indicator"]
    assert len(patterns) == indicators
    assert all(run_validator(pattern, stix_version="2.1") == [] for pattern in patterns[:2000])


def check_validator(catalogue) -> None:
    """The OASIS validator on a 600-indicator event of the same mix: every type and shape the
    measured bundles hold, at a size the validator gets through in seconds."""
    from stix2validator import ValidationOptions, validate_string

    content = run_ours(generated_event(600), catalogue).decode("utf-8")
    assert validate_string(content, ValidationOptions(version="2.1")).errors == []


@pytest.fixture(scope="module")
def catalogue():
    from misp_attack_pack.attack import load_catalogue

    return load_catalogue()


def test_stix21_10k_indicators(benchmark, summarise, catalogue):
    compare(benchmark, summarise, catalogue, 10_000)


@pytest.mark.skipif(not RUN_100K, reason="100,000 indicators: set STIX21_BENCH_100K=1")
def test_stix21_100k_indicators(benchmark, summarise, catalogue):
    compare(benchmark, summarise, catalogue, 100_000)
