"""The MISP Workflow publish gate: a blocking action module on the ``event-publish`` trigger.

MISP POSTs ``{"module", "data": {"Event": ...}, "params": {...}}``; ``data`` is the event in
MISP core format (with ``_AttributeFlattened`` added by the workflow engine), ``params`` the
node's settings by parameter id, every value a string and empty when the administrator left
it blank. Only a non-empty ``{"error": "..."}`` stops the publish; ``{"data": false}`` does
not. MISP lets the publish through when the module server fails or answers after
``Plugin.Action_timeout`` (10 s), so the gate answers well inside that.

The event is validated in process, or by the validation service when ``service_url`` is set.
``fail_closed`` decides what happens when that service cannot be reached or the gate itself
fails: block (the default) or let the publish through.
"""

from __future__ import annotations

import functools
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

import orjson

from misp_attack_pack import __version__
from misp_attack_pack.events.coerce import to_bool
from misp_attack_pack.events.loader import EventFormatError, parse_json
from misp_attack_pack.findings import Finding
from misp_attack_pack.validators import validate_event
from misp_attack_pack.validators.engine import PUBLISH_STEP
from misp_attack_pack.validators.policy import (
    Policy,
    PolicyError,
    default_policy,
    load_policy,
    with_overrides,
)

LOG = logging.getLogger(__name__)

MODULE_NAME = "attack_publish_gate"
DEFAULT_SERVICE_TIMEOUT = 5.0
MAX_SERVICE_TIMEOUT = 8.0
MAX_LISTED_RULES = 15

PARAMS = {
    "service_url": {
        "type": "string",
        "description": "Base URL of the misp-attack-pack validation service; empty validates "
                       "inside the module server",
        "value": "",
    },
    "api_key": {
        "type": "string",
        "description": "API key of the validation service (cti role)",
        "value": "",
    },
    "fail_closed": {
        "type": "string",
        "description": "1 blocks the publish when the service cannot be reached or the gate "
                       "fails; 0 lets it through",
        "value": "1",
    },
    "step": {
        "type": "string",
        "description": "Publication step to check; empty means the publish step that fits "
                       "the event's distribution",
        "value": "",
    },
    "policy": {
        "type": "string",
        "description": "Path of a policy YAML on the module server (in-process validation)",
        "value": "",
    },
    "timeout": {
        "type": "string",
        "description": f"Seconds to wait for the service (at most {MAX_SERVICE_TIMEOUT:g})",
        "value": f"{DEFAULT_SERVICE_TIMEOUT:g}",
    },
}

MODULE_CONFIG = {
    "params": PARAMS,
    "blocking": True,
    "support_filters": False,
    "expect_misp_core_format": True,
}


class ServiceUnavailable(RuntimeError):
    """The validation service did not give a usable answer."""


def version() -> dict[str, Any]:
    return {
        "version": __version__,
        "author": "misp-attack-pack",
        "description": "Blocks publishing of events that break the publish policy: TLP, "
                       "confidence and ATT&CK on every indicator, object templates, values, "
                       "and the publication steps",
        "module-type": ["action"],
        "name": MODULE_NAME,
        "logo": "",
        "requirements": ["misp-attack-pack"],
        "features": "Use on the event-publish trigger as a blocking node",
        "references": [],
        "input": "A MISP event in MISP core format, as the workflow engine sends it",
        "output": "Nothing when the event may be published; an error listing the violations",
        "config": MODULE_CONFIG,
    }


def introspection() -> dict[str, Any]:
    return {"config": MODULE_CONFIG}


def handler(q: bytes | str | bool = False) -> dict[str, Any]:
    """The raw-body entry point misp-modules falls back to."""
    if not q:
        return {"error": f"{MODULE_NAME}: empty request; expected module, data and params"}
    try:
        request = parse_json(q)
    except EventFormatError as error:
        return {"error": f"{MODULE_NAME}: {error}"}
    return dict_handler(request)


def dict_handler(request: Any = None) -> dict[str, Any]:
    """Answer one workflow request; never raises, so misp-modules never falls back."""
    started = time.monotonic()
    params = _params(request)
    try:
        answer = _decide(request, params)
    except Exception:
        LOG.exception("%s failed", MODULE_NAME)
        answer = _on_failure(params, "the gate failed; see the module server log")
    LOG.info("%s answered in %.3f s: %s", MODULE_NAME, time.monotonic() - started,
             "blocked" if "error" in answer else "passed")
    return answer


def _decide(request: Any, params: Mapping[str, str]) -> dict[str, Any]:
    if not isinstance(request, dict) or "data" not in request:
        return {"error": f"{MODULE_NAME}: the request has no data; MISP sends the event there"}
    step = params.get("step") or PUBLISH_STEP
    service_url = params.get("service_url", "")
    try:
        if service_url:
            report = _validate_remotely(request["data"], service_url, params, step)
        else:
            report = _validate_locally(request["data"], params.get("policy", ""), step)
    except EventFormatError as error:
        return {"error": f"{MODULE_NAME}: the event cannot be read: {error}"}
    except ServiceUnavailable as error:
        return _on_failure(params, f"the validation service {service_url} is unusable: {error}")
    except PolicyError as error:
        return _on_failure(params, str(error))
    return _answer(report)


def _validate_locally(data: Any, policy_path: str, step: str) -> dict[str, Any]:
    return validate_event(data, policy=gate_policy(policy_path), step=step).as_dict()


@functools.lru_cache(maxsize=8)
def gate_policy(policy_path: str = "") -> Policy:
    """The policy without warninglists: they only warn, and indexing them takes seconds."""
    policy = load_policy(policy_path) if policy_path else default_policy()
    return with_overrides(policy, {"warninglists": {"enabled": False}})


def _validate_remotely(data: Any, service_url: str, params: Mapping[str, str],
                       step: str) -> dict[str, Any]:
    if urllib.parse.urlsplit(service_url).scheme.lower() not in ("http", "https"):
        raise ServiceUnavailable("service_url must be an http:// or https:// URL")
    url = f"{service_url.rstrip('/')}/validate?{urllib.parse.urlencode({'step': step})}"
    request = urllib.request.Request(url, data=orjson.dumps(data), method="POST", headers={
        "Content-Type": "application/json", "X-API-Key": params.get("api_key", "")})
    try:
        with urllib.request.urlopen(request, timeout=_timeout(params)) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        detail = _service_detail(error.read())
        if error.code == 400:
            raise EventFormatError("data", f"the service refused the event: {detail}") from None
        raise ServiceUnavailable(f"HTTP {error.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        raise ServiceUnavailable(str(getattr(error, "reason", error))) from None
    try:
        report = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ServiceUnavailable("the answer is not JSON") from None
    if not isinstance(report, dict) or "valid" not in report:
        raise ServiceUnavailable("the answer is not a validation report")
    return report


def _service_detail(body: bytes) -> str:
    try:
        return str(orjson.loads(body)["error"]["detail"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return body[:200].decode("utf-8", "replace")


def _answer(report: dict[str, Any]) -> dict[str, Any]:
    """``{"data": true}`` to let the publish through, else one error naming every rule broken.

    Each broken rule is counted and shown once with its first finding, so a MISP user sees
    all the reasons even when one rule fires on hundreds of indicators.
    """
    if report.get("valid"):
        return {"data": True}
    errors = report.get("errors") or []
    event_uuid = (report.get("summary") or {}).get("event_uuid", "")
    first_by_rule: dict[str, Mapping[str, Any]] = {}
    counts: dict[str, int] = {}
    for error in errors:
        rule_id = str(error.get("rule_id", ""))
        counts[rule_id] = counts.get(rule_id, 0) + 1
        first_by_rule.setdefault(rule_id, error)

    totals = ", ".join(f"{rule_id} {count}" for rule_id, count in counts.items())
    shown = [_line(error) for error in list(first_by_rule.values())[:MAX_LISTED_RULES]]
    text = (f"{MODULE_NAME}: event {event_uuid} breaks the publish policy with {len(errors)} "
            f"error{'s' if len(errors) != 1 else ''} ({totals}): " + " | ".join(shown))
    return {"error": text}


def _line(error: Mapping[str, Any]) -> str:
    finding = Finding(rule_id=str(error.get("rule_id", "")),
                      message=str(error.get("message", "")),
                      pointer=str(error.get("pointer", "")))
    return finding.one_line()


def _on_failure(params: Mapping[str, str], reason: str) -> dict[str, Any]:
    if to_bool(params.get("fail_closed") or PARAMS["fail_closed"]["value"]):
        return {"error": f"{MODULE_NAME}: publish blocked because {reason} (fail_closed=1)"}
    LOG.warning("%s: publish let through although %s (fail_closed=0)", MODULE_NAME, reason)
    return {"data": True}


def _params(request: Any) -> dict[str, str]:
    """Parameter values as strings; MISP sends every configured id, blank ones as ``""``."""
    raw = request.get("params") if isinstance(request, dict) else None
    if not isinstance(raw, dict):
        return {}
    return {str(key): "" if value is None else str(value).strip() for key, value in raw.items()}


def _timeout(params: Mapping[str, str]) -> float:
    try:
        seconds = float(params.get("timeout") or DEFAULT_SERVICE_TIMEOUT)
    except ValueError:
        seconds = DEFAULT_SERVICE_TIMEOUT
    return min(max(seconds, 0.5), MAX_SERVICE_TIMEOUT)
