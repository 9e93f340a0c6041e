"""Run the service under gunicorn, the WSGI server it is meant to face the network with.

The application and the shared caches (ATT&CK catalogue, PyMISP schema, warninglists, which
take a few seconds to index) are built once in the gunicorn master before it forks, so
every worker starts warm and shares those pages.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from misp_attack_pack.service.app import create_app
from misp_attack_pack.service.config import ConfigError, ServiceConfig
from misp_attack_pack.validators.policy import PolicyError

LOG = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 60


class ServiceApplication(BaseApplication):
    """A gunicorn application serving one already-built Flask app."""

    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            if name in self.cfg.settings and value is not None:
                self.cfg.set(name, value)

    def load(self) -> Any:
        return self.application


def run_server(host: str, port: int, workers: int, config: str | None) -> int:
    """Serve until gunicorn is stopped; returns 2 when the configuration is unusable."""
    try:
        settings = ServiceConfig.from_file(config) if config else ServiceConfig()
    except (ConfigError, PolicyError) as error:
        print(f"misp-attack-pack serve: {error}", file=sys.stderr)
        return 2
    if not settings.api_keys:
        LOG.warning("no api_keys configured: every request will get 401")
    if settings.warm_up:
        warm_caches(settings)

    options = gunicorn_options(host, port, workers)
    ServiceApplication(create_app(settings), options).run()
    return 0


WORKER_THREADS = 4


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    bind_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return {
        "bind": f"{bind_host}:{port}",
        "workers": max(1, workers),
        # Threads per worker, so one slow client holds a thread and not a whole worker; a
        # reverse proxy in front is still the answer to many slow clients.
        "worker_class": "gthread",
        "threads": WORKER_THREADS,
        "timeout": REQUEST_TIMEOUT_SECONDS,
        "graceful_timeout": 10,
        "keepalive": 5,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "misp-attack-pack",
        # gunicorn 25+ opens a management socket at one fixed per-user path; two services on
        # one host would fight over it, and nothing here uses it.
        "control_socket_disable": True,
    }


def warm_caches(settings: ServiceConfig) -> None:
    """Build what the first request would otherwise wait for."""
    from misp_attack_pack.attack.sources import load_catalogue
    from misp_attack_pack.validators.misp_data import describe_types, schema_validator
    from misp_attack_pack.warninglists import bundled_index

    policy = settings.policy
    load_catalogue(policy.attack_catalogue)
    schema_validator(policy.schema_variant)
    describe_types()
    if policy.runs("warninglists"):
        bundled_index()
    LOG.info("caches warm for policy %r", policy.name)
