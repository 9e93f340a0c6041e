"""Deterministic synthetic MISP events of a chosen size, for benchmarks.

Real public events stop at a few thousand attributes, so throughput at 10,000 and 100,000
indicators is measured on generated events that mix the indicator types real events carry,
with ATT&CK and TLP tags at event and attribute level.
"""

from __future__ import annotations

import random
import uuid

import orjson

_TECHNIQUES = [
    'misp-galaxy:mitre-attack-pattern="Web Protocols - T1071.001"',
    'misp-galaxy:mitre-attack-pattern="PowerShell - T1059.001"',
    'misp-galaxy:mitre-attack-pattern="Ingress Tool Transfer - T1105"',
    'misp-galaxy:mitre-attack-pattern="DNS - T1071.004"',
]


def generated_event(indicator_count: int, seed: int = 7) -> dict:
    """An event in MISP core format with ``indicator_count`` to_ids attributes."""
    rng = random.Random(seed)
    attributes = [_attribute(rng, index) for index in range(indicator_count)]
    return {"Event": {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "info": f"Generated benchmark event with {indicator_count} indicators",
        "date": "2026-11-30", "threat_level_id": "2", "analysis": "1", "distribution": "1",
        "published": False, "timestamp": "1764500000", "Orgc": {"name": "Benchmark CTI"},
        "Tag": [{"name": "tlp:amber"}, {"name": 'confidence:level="high"'},
                {"name": _TECHNIQUES[0]}],
        "Attribute": attributes,
    }}


def generated_event_bytes(indicator_count: int, seed: int = 7) -> bytes:
    return orjson.dumps(generated_event(indicator_count, seed))


def _attribute(rng: random.Random, index: int) -> dict:
    kind, category, value = _value(rng, index)
    attribute = {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "type": kind,
        "category": category, "value": value, "to_ids": True, "distribution": "5",
        "timestamp": str(1764000000 + index), "comment": "", "deleted": False,
    }
    if index % 10 == 0:
        attribute["Tag"] = [{"name": _TECHNIQUES[index % len(_TECHNIQUES)]}]
    return attribute


def _value(rng: random.Random, index: int) -> tuple[str, str, str]:
    choice = index % 9
    host = f"h{index}-{rng.randrange(10**6)}.example-{index % 97}.com"
    if choice == 0:
        octets = f"{index % 256}.{(index // 256) % 256}.{rng.randrange(1, 255)}"
        return "ip-dst", "Network activity", f"203.{octets}"
    if choice == 1:
        address = f"198.51.{index % 256}.{rng.randrange(1, 255)}"
        return "ip-dst|port", "Network activity", f"{address}|{rng.randrange(1024, 65535)}"
    if choice == 2:
        return "domain", "Network activity", host
    if choice == 3:
        return "hostname", "Network activity", f"mail.{host}"
    if choice == 4:
        return "url", "Network activity", f"http://{host}/p/{index}.php?id={rng.randrange(10**6)}"
    if choice == 5:
        return "user-agent", "Network activity", f"Mozilla/5.0 (compatible; Bot/{index})"
    if choice == 6:
        return "md5", "Payload delivery", f"{rng.getrandbits(128):032x}"
    if choice == 7:
        return "sha256", "Payload delivery", f"{rng.getrandbits(256):064x}"
    return "filename", "Payload delivery", f"dropper_{index}.exe"
