#!/usr/bin/env python3
"""Run the pack the way MISP does, on the example event, and write what comes back to ``out/``.

Starts ``misp-modules -c modules`` on 127.0.0.1 on a free port, POSTs the example event to
``/query`` for each export module exactly as MISP's Download menu does
(``{"module", "config", "data": [event]}``), decodes each ``{"data": base64}`` answer into a
file, then stops the server. When the validation service is installed it is started too and
the example goes through ``POST /validate``.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

LOG = logging.getLogger("demo")
REPO_ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--event", default=str(REPO_ROOT / "examples" / "apt-example-event.json"))
    parser.add_argument("--out", default=str(REPO_ROOT / "out"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="demo: %(message)s")

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    event = json.loads(Path(args.event).read_text(encoding="utf-8"))

    written = run_exports(event, out_dir)
    written += run_validation(event, out_dir)

    print("\nFiles written:")
    for path in written:
        print(f"  {path}")
    return 0 if written else 1


def run_exports(event: dict, out_dir: Path) -> list[Path]:
    port = free_port()
    log_path = out_dir / "misp-modules.log"
    command = [str(BIN_DIR / "misp-modules"), "-c", str(REPO_ROOT / "modules"),
               "-l", "127.0.0.1", "-p", str(port)]
    LOG.info("starting %s", " ".join(command))
    with open(log_path, "wb") as log_file:
        server = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for(f"{base_url}/healthcheck", server)
        return [export(base_url, module, event, out_dir) for module in export_modules(base_url)]
    finally:
        server.terminate()
        server.wait(timeout=20)
        LOG.info("misp-modules stopped; its log is in %s", log_path)


def export_modules(base_url: str) -> list[dict]:
    listed = get_json(f"{base_url}/modules")
    modules = [m for m in listed if m["name"].startswith("attack_") and m["type"] == "export_mod"]
    LOG.info("export modules served: %s", ", ".join(m["name"] for m in modules))
    return modules


def export(base_url: str, module: dict, event: dict, out_dir: Path) -> Path:
    request = {"module": module["name"], "config": {}, "data": [event]}
    answer = post_json(f"{base_url}/query", request)
    if "data" not in answer:
        raise SystemExit(f"{module['name']} answered {answer}")
    extension = module["mispattributes"]["outputFileExtension"]
    path = out_dir / f"{module['name']}.{extension}"
    path.write_bytes(base64.b64decode(answer["data"]))
    LOG.info("%s -> %s (%d bytes)", module["name"], path, path.stat().st_size)
    return path


def run_validation(event: dict, out_dir: Path) -> list[Path]:
    """Send the example through the validation service, when this checkout has it."""
    try:
        import misp_attack_pack.service.server  # noqa: F401
    except ImportError:
        LOG.info("validation service not installed in this checkout; skipped")
        return []

    port = free_port()
    command = [str(BIN_DIR / "misp-attack-pack"), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--config",
               str(REPO_ROOT / "examples" / "service-config.yaml")]
    log_path = out_dir / "service.log"
    with open(log_path, "wb") as log_file:
        service = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for(f"{base_url}/health", service, headers={"Authorization": "demo-partner-key"})
        report = post_json(f"{base_url}/validate", event,
                           headers={"Authorization": "demo-cti-key"}, accept_errors=True)
        path = out_dir / "validation-report.json"
        path.write_text(json.dumps(report, indent=2), encoding="utf-8")
        LOG.info("validation: valid=%s, %d errors -> %s", report.get("valid"),
                 len(report.get("errors", [])), path)
        return [path]
    finally:
        service.terminate()
        service.wait(timeout=20)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120,
             headers: dict | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early (code {process.returncode}); see out/*.log")
        try:
            get_json(url, headers)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds}s")


def get_json(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def post_json(url: str, body: dict, headers: dict | None = None, accept_errors: bool = False):
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        if accept_errors:
            return json.loads(error.read())
        raise


if __name__ == "__main__":
    sys.exit(main())
