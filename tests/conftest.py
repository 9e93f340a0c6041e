"""Shared fixtures: the real data in ../shared, and a real misp-modules server on loopback."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
EVENTS_DIR = SHARED_DATA / "events"
EXAMPLES_DIR = REPO_ROOT / "examples"
IN_CI = os.environ.get("CI", "").lower() == "true"


def shared_path(*parts: str) -> Path:
    """A path in ../shared/data; skips the test where it is missing, and fails in CI."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: the shared test data sits beside the repository"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def real_event_files() -> list[Path]:
    """Every real public event in ../shared/data/events (top level, not the variants)."""
    if not EVENTS_DIR.is_dir():
        return []
    return sorted(EVENTS_DIR.glob("*.json"))


def event_params():
    """Parametrize over real events; a single skipping param keeps the test visible offline."""
    files = real_event_files()
    if files:
        return [pytest.param(path, id=path.stem) for path in files]
    return [pytest.param(None, id="shared-data-missing")]


def require_event(path: Path | None) -> Path:
    if path is None:
        return shared_path("events")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ModuleServer:
    """A running ``misp-modules -c modules`` process and the calls MISP makes to it."""

    def __init__(self, port: int, process: subprocess.Popen, log_path: Path) -> None:
        self.port = port
        self.process = process
        self.log_path = log_path
        self.base_url = f"http://127.0.0.1:{port}"

    def get(self, path: str):
        with urllib.request.urlopen(f"{self.base_url}{path}", timeout=30) as response:
            return json.loads(response.read())

    def query(self, body: dict | bytes, timeout: float = 120):
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(f"{self.base_url}/query", data=data,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def export(self, module: str, event: dict, config: dict | None = None) -> bytes:
        """POST the request MISP sends for an export and return the decoded file."""
        answer = self.query({"module": module, "config": config or {}, "data": [event]})
        assert "data" in answer, f"module answered {answer}"
        return base64.b64decode(answer["data"])

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def module_server(tmp_path_factory) -> ModuleServer:
    """``misp-modules -c modules -l 127.0.0.1 -p <free port>``, started once per test session."""
    log_path = tmp_path_factory.mktemp("misp-modules") / "server.log"
    port = free_port()
    executable = Path(sys.executable).with_name("misp-modules")
    command = [str(executable), "-c", str(REPO_ROOT / "modules"), "-l", "127.0.0.1",
               "-p", str(port)]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT,
                                   cwd=REPO_ROOT)
    server = ModuleServer(port, process, log_path)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(server: ModuleServer, deadline_seconds: float = 120) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"misp-modules exited early:\n{server.log()}")
        try:
            server.get("/healthcheck")
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"misp-modules did not come up in {deadline_seconds}s:\n{server.log()}")


@pytest.fixture(scope="session")
def catalogue():
    from misp_attack_pack.attack import load_catalogue

    return load_catalogue()


@pytest.fixture(scope="session")
def galaxy_catalogue():
    """The embedded catalogue overlaid with the ATT&CK v19 MISP galaxy file from ../shared."""
    from misp_attack_pack.attack import load_catalogue

    path = shared_path("attack", "misp-galaxy-cluster-mitre-attack-pattern.json")
    return load_catalogue((str(path),))


@pytest.fixture(scope="session")
def example_event() -> dict:
    return json.loads((EXAMPLES_DIR / "apt-example-event.json").read_text(encoding="utf-8"))
