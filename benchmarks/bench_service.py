"""Load on the validation service under gunicorn, on loopback, with bounded request counts.

Run: ``.venv/bin/python -m pytest benchmarks/bench_service.py --benchmark-min-rounds=1``.
The in-process ``validate_event`` of the same event is the baseline of each figure; the
service cases add HTTP, JSON and gunicorn on top. The concurrent cases send a fixed number
of requests from a few client threads and record validations per second and the p50/p99
latency in the benchmark's ``extra_info`` (and print them). Nothing here is a 100k-indicator
case: the largest real event (eset-pypi-backdoor) has 987 attributes.
"""

from __future__ import annotations

import http.client
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest

from misp_attack_pack.plugins import publish_gate
from misp_attack_pack.service.auth import hash_key
from misp_attack_pack.validators import validate_event

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_EVENTS = REPO_ROOT.parent / "shared" / "data" / "events"
CTI_KEY = "bench-cti-key"
CLIENT_THREADS = 4
LOAD = {"small": 240, "large": 40}
WORKERS = 2


class Service:
    """``misp-attack-pack serve`` on a free loopback port."""

    def __init__(self, directory: Path) -> None:
        config = directory / "service.yaml"
        config.write_text(f"api_keys:\n  - {{name: bench, role: cti, "
                          f"hash: '{hash_key(CTI_KEY, 'sha256')}'}}\n"
                          f"max_body_bytes: {8 * 1024 * 1024}\n", encoding="utf-8")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [str(Path(sys.executable).with_name("misp-attack-pack")), "serve", "--host",
                   "127.0.0.1", "--port", str(self.port), "--workers", str(WORKERS),
                   "--config", str(config)]
        self.log = directory / "gunicorn.log"
        with open(self.log, "wb") as log_file:
            self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)

    def wait_until_up(self, deadline_seconds: float = 90) -> None:
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log.read_text())
            try:
                self.post(b"{}")
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the service did not come up:\n{self.log.read_text()}")

    def post(self, body: bytes) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request("POST", "/validate", body=body, headers={"X-API-Key": CTI_KEY})
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _events() -> dict[str, bytes]:
    large = SHARED_EVENTS / "eset-pypi-backdoor.json"
    if not large.exists():
        pytest.skip(f"{large} is missing: the shared test data sits beside the repository")
    return {"small": (REPO_ROOT / "examples" / "apt-example-event.json").read_bytes(),
            "large": large.read_bytes()}


@pytest.fixture(scope="module")
def events() -> dict[str, bytes]:
    return _events()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    server = Service(tmp_path_factory.mktemp("bench-service"))
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("size", ["small", "large"])
def test_in_process_validation_baseline(benchmark, events, size):
    validate_event(events[size])
    benchmark.group = f"validate-{size}"

    report = benchmark(validate_event, events[size])

    assert report.summary["attributes"] > 0


@pytest.mark.parametrize("size", ["small", "large"])
def test_service_validation_one_client(benchmark, service, events, size):
    benchmark.group = f"validate-{size}"

    def one_request():
        assert service.post(events[size]) == 200

    benchmark.pedantic(one_request, rounds=LOAD[size] // 4, iterations=1, warmup_rounds=2)


@pytest.mark.parametrize("size", ["small", "large"])
def test_service_validation_under_concurrent_load(benchmark, summarise, service, events, size):
    benchmark.group = f"load-{size}"
    figures = benchmark.pedantic(_load, args=(service, events[size], LOAD[size]), rounds=1,
                                 iterations=1)

    benchmark.extra_info.update(figures)
    summarise(f"service /validate under load, {size} event", figures)
    assert figures["failed"] == 0


def test_publish_gate_in_process_on_the_large_event(benchmark, events):
    request = {"module": "attack_publish_gate", "data": orjson.loads(events["large"]),
               "params": {}}
    publish_gate.dict_handler(request)
    benchmark.group = "gate"

    answer = benchmark(publish_gate.dict_handler, request)

    assert "error" in answer


def _load(service: Service, body: bytes, total: int) -> dict:
    """``total`` requests from ``CLIENT_THREADS`` threads; throughput and latency figures."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    per_thread = total // CLIENT_THREADS

    def client():
        for _ in range(per_thread):
            started = time.perf_counter()
            status = service.post(body)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    failures.append(status)

    threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started

    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "failed": len(failures),
        "validations_per_second": round(len(ordered) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "client_threads": CLIENT_THREADS,
        "gunicorn_workers": WORKERS,
    }
