"""Suricata export throughput on generated events, against ``orjson.loads`` of the same bytes.

The 100,000-indicator cases (ids starting with ``100k``) take the most time, up to a minute
each on a shared 2-core machine; ``-k 10k`` runs only the small ones. The warninglist index is
built once per process (a few seconds) before anything is timed, as the module server does
when it loads the module.
"""

from __future__ import annotations

import orjson
import pytest

from generated_events import generated_event_bytes
from misp_attack_pack.attack import load_catalogue
from misp_attack_pack.events import load_events
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.suricata import export_suricata
from misp_attack_pack.exports.suricata.warninglists import bundled_index



def mapped_indicators(count: int) -> int:
    """generated_events cycles nine types; the last three (md5, sha256, filename) have no
    Suricata template."""
    return sum(1 for index in range(count) if index % 9 < 6)


@pytest.mark.parametrize("warninglists", ["warninglists", "no-warninglists"])
@pytest.mark.parametrize("indicators", [10_000, 100_000], ids=["10k", "100k"])
def test_suricata_export_throughput(report, indicators, warninglists):
    raw = generated_event_bytes(indicators)
    catalogue = load_catalogue()
    bundled_index()
    options = ExportOptions.from_config(
        {"keep_warninglisted": "0" if warninglists == "warninglists" else "1"})

    results = []

    def export():
        results.append(export_suricata(load_events(raw), catalogue, options))

    figures = report(f"suricata export ({warninglists}), {indicators} indicators", indicators,
                     export, "orjson_loads", lambda: orjson.loads(raw), rounds=1)

    result = results[-1]
    listed = result.skipped_by_reason.get("warninglist", 0)
    assert result.exported + listed == mapped_indicators(indicators)
    assert result.skipped == 0
    assert figures["indicators_per_second"] > 0
