"""Sigma export throughput on generated events, against ``orjson.loads`` of the same bytes."""

from __future__ import annotations

import orjson
import pytest

from generated_events import generated_event_bytes
from misp_attack_pack.attack import load_catalogue
from misp_attack_pack.events import load_events
from misp_attack_pack.exports.sigma import export_sigma


@pytest.mark.parametrize("indicators", [10_000, 100_000])
def test_sigma_export_throughput(report, indicators):
    raw = generated_event_bytes(indicators)
    catalogue = load_catalogue()

    def export():
        return export_sigma(load_events(raw), catalogue)

    figures = report(f"sigma export, {indicators} indicators", indicators, export,
                     "orjson_loads", lambda: orjson.loads(raw))

    assert export().exported == indicators
    assert figures["indicators_per_second"] > 0
