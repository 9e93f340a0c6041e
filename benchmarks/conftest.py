"""Benchmark helpers: a same-run baseline, throughput and peak memory, and a summary table."""

from __future__ import annotations

import time
import tracemalloc
from typing import Callable

import pytest

_RESULTS: list[dict] = []


def best_time(function: Callable[[], object], rounds: int = 3) -> float:
    """The fastest of ``rounds`` runs, in seconds: the least disturbed measurement."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def peak_memory_mib(function: Callable[[], object]) -> float:
    """Peak Python heap growth while ``function`` runs, in MiB (tracemalloc)."""
    tracemalloc.start()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / (1 << 20)


@pytest.fixture
def report(benchmark):
    """Record throughput, the ratio to a baseline measured in the same run, and peak memory."""

    def record(name: str, indicators: int, subject: Callable[[], object],
               baseline_name: str, baseline: Callable[[], object], rounds: int = 3) -> dict:
        baseline_seconds = best_time(baseline, rounds)
        benchmark.pedantic(subject, rounds=rounds, iterations=1, warmup_rounds=0)
        seconds = benchmark.stats.stats.min
        figures = {
            "name": name,
            "indicators": indicators,
            "seconds": round(seconds, 4),
            "indicators_per_second": round(indicators / seconds),
            f"ratio_to_{baseline_name}": round(seconds / baseline_seconds, 1),
            "peak_memory_mib": round(peak_memory_mib(subject), 1),
        }
        benchmark.extra_info.update(figures)
        _RESULTS.append(figures)
        return figures

    return record


@pytest.fixture
def summarise():
    """Add a benchmark's own figures to the summary table printed at the end of the run."""

    def add(name: str, figures: dict) -> None:
        _RESULTS.append({"name": name, **figures})

    return add


def pytest_terminal_summary(terminalreporter):
    if not _RESULTS:
        return
    terminalreporter.section("throughput against same-run baselines")
    for figures in _RESULTS:
        extras = ", ".join(f"{key}={value}" for key, value in figures.items() if key != "name")
        terminalreporter.write_line(f"{figures['name']}: {extras}")
