"""The validation service: a Flask application served by gunicorn."""

from misp_attack_pack.service.app import create_app
from misp_attack_pack.service.config import ConfigError, ServiceConfig

__all__ = ["ConfigError", "ServiceConfig", "create_app"]
