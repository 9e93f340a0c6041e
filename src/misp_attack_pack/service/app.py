"""The validation service as a Flask application: validate, export, health and policy.

Every answer is JSON, errors included: 400 for a body that is not a MISP event (with what was
wrong), 401 without a valid key, 403 for a key whose role does not allow the route, 404, 405,
413 over the body limit, 501 for an export whose package is not installed. Errors become
responses in one place (:func:`_register_errors`), and no request can stop the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from misp_attack_pack import __version__
from misp_attack_pack.attack.sources import load_catalogue
from misp_attack_pack.events.loader import EventFormatError, load_events
from misp_attack_pack.exports.base import ExportOptions
from misp_attack_pack.exports.registry import FORMATS
from misp_attack_pack.service.auth import KeyRing
from misp_attack_pack.service.config import ServiceConfig
from misp_attack_pack.validators import validate_event
from misp_attack_pack.validators.engine import PUBLISH_STEP

LOG = logging.getLogger(__name__)

EXTENSION = "misp_attack_pack"


class ApiError(Exception):
    """An error answer: HTTP status, a short title and a detail naming what was wrong."""

    def __init__(self, status: int, detail: str, field: str = "") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


def create_app(config: ServiceConfig | Mapping[str, Any] | str | Path | None = None) -> Flask:
    """A new application for ``config``; tests build their own, gunicorn serves one."""
    config = _config(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions[EXTENSION] = {"config": config, "keys": KeyRing(list(config.api_keys))}
    _register_errors(app)
    _register_routes(app)
    return app


def _config(config: ServiceConfig | Mapping[str, Any] | str | Path | None) -> ServiceConfig:
    if isinstance(config, ServiceConfig):
        return config
    if config is None:
        return ServiceConfig()
    if isinstance(config, (str, Path)):
        return ServiceConfig.from_file(config)
    return ServiceConfig.from_mapping(config)


def requires(permission: str) -> Callable:
    """Let the request through only with a key whose role grants ``permission``."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            key = _state()["keys"].identify(_presented_key())
            if key is None:
                raise ApiError(401, "a valid API key is required (Authorization: <key>, "
                                    "Authorization: Bearer <key> or X-API-Key: <key>)")
            if not key.allows(permission):
                raise ApiError(403, f"the {key.role} role may not use {request.path}")
            g.api_key = key
            return view(*args, **kwargs)
        return guarded
    return decorate


def _register_routes(app: Flask) -> None:
    @app.get("/health")
    @requires("health")
    def health():
        return _json({"status": "ok", "version": __version__})

    @app.get("/policy")
    @requires("policy")
    def policy():
        return _json(_settings().policy.document)

    @app.post("/validate")
    @requires("validate")
    def validate():
        step = _requested_step()
        report = validate_event(_json_body(), policy=_settings().policy, step=step)
        LOG.info("validate by %s: event %s, %d errors", g.api_key.name,
                 report.summary.get("event_uuid"), len(report.errors))
        return _json(report.as_dict())

    @app.post("/query/export/<name>")
    @requires("export")
    def export(name: str):
        return _export(name)


def _requested_step() -> str:
    step = request.args.get("step", "").strip()
    policy = _settings().policy
    if step and step != PUBLISH_STEP and policy.step(step) is None:
        known = ", ".join(known_step.name for known_step in policy.steps)
        raise ApiError(400, f"step {step!r} is not a publication step of the policy ({known}, "
                            f"or {PUBLISH_STEP})", "step")
    return step


def _export(name: str) -> Response:
    export_format = FORMATS.get(name)
    if export_format is None:
        raise ApiError(404, f"unknown export format {name!r}; known: {', '.join(FORMATS)}")
    events = load_events(_json_body())
    options = ExportOptions.from_config(request.args.to_dict())
    catalogue = load_catalogue(_settings().policy.attack_catalogue)
    try:
        result = export_format.render(events, catalogue, options)
    except ImportError as error:
        LOG.warning("export %s unavailable: %s", name, error)
        raise ApiError(501, f"the {name} export is not installed in this build "
                            f"({error.name or error})") from None
    response = Response(result.content, mimetype=export_format.response_type)
    response.headers["X-Exported-Indicators"] = str(result.exported)
    response.headers["X-Skipped-Indicators"] = str(result.skipped)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_file_stem(events[0].uuid)}.{export_format.file_extension}"')
    return response


def _file_stem(event_uuid: str) -> str:
    """The event uuid as a file name; anything else in it could break the header."""
    stem = "".join(ch for ch in event_uuid if ch.isascii() and (ch.isalnum() or ch == "-"))
    return stem[:64] or "event"


def _json_body() -> Any:
    """The request body decoded, refused with 400 when it is not JSON or nested too deep."""
    raw = _read_body(_settings().max_body_bytes)
    if not raw:
        raise ApiError(400, "the body is empty; send a MISP event as JSON", "body")
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ApiError(400, f"the body is not valid UTF-8 JSON ({error})", "body") from None
    if not isinstance(document, (dict, list)):
        raise ApiError(400, f"not a MISP event: body: expected an object, got "
                            f"{_json_type(document)}", "body")
    depth_limit = _settings().max_json_depth
    if _depth_exceeds(document, depth_limit):
        raise ApiError(400, f"the body nests deeper than {depth_limit} levels; a MISP event "
                            "does not", "body")
    return document


def _read_body(limit: int) -> bytes:
    """The body, refused with 413 over ``limit`` whether or not it declared its length.

    Werkzeug enforces the limit against ``Content-Length``; a chunked body has none, so it
    is read from the server's stream up to one byte past the limit.
    """
    if request.content_length is not None:
        return request.get_data(cache=False)
    raw = request.environ["wsgi.input"].read(limit + 1)
    if len(raw) > limit:
        raise ApiError(413, f"the body is larger than the {limit} byte limit", "body")
    return raw


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", str: "string", int: "number", float: "number"}.get(
        type(value), type(value).__name__)


def _depth_exceeds(document: Any, limit: int) -> bool:
    """Walk without recursion, so a hostile body cannot exhaust the stack."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return False


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return _error(error.status, error.detail, error.field)

    @app.errorhandler(EventFormatError)
    def not_an_event(error: EventFormatError):
        return _error(400, f"not a MISP event: {error.field}: {error.reason}", error.field)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        detail = error.description or error.name
        if error.code == 404:
            detail = f"no such route: {request.method} {request.path}"
        if error.code == 413:
            detail = f"the body is larger than the {_settings().max_body_bytes} byte limit"
        return _error(error.code or 500, detail)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        LOG.exception("unexpected error on %s %s", request.method, request.path)
        return _error(500, "internal error; see the service log")


def _error(status: int, detail: str, field: str = "") -> Response:
    body = {"error": {"status": status, "detail": detail}}
    if field:
        body["error"]["field"] = field
    return _json(body, status)


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


def _presented_key() -> str:
    """``Authorization: Bearer <key>``, MISP's own ``Authorization: <key>``, or ``X-API-Key``."""
    header = request.headers.get("Authorization", "").strip()
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return header or request.headers.get("X-API-Key", "").strip()


def _state() -> dict:
    return current_app.extensions[EXTENSION]


def _settings() -> ServiceConfig:
    return _state()["config"]
