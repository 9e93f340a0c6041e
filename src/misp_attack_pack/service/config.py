"""The service configuration, in one place: keys, policy, limits.

Read from a YAML file (``misp-attack-pack serve --config FILE``) or built from a mapping in
tests. Every problem names the key at fault, so a bad file stops the server at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from misp_attack_pack.errors import FieldError
from misp_attack_pack.service.auth import ROLE_PERMISSIONS, ApiKey, KeyConfigError, check_hash
from misp_attack_pack.validators.policy import (
    Policy,
    default_policy,
    load_policy,
    read_yaml_file,
)

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_JSON_DEPTH = 64


class ConfigError(FieldError):
    """The configuration cannot be used; ``field`` names the offending key."""

    subject = "service configuration"


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Everything the service reads from its configuration."""

    api_keys: tuple[ApiKey, ...] = ()
    policy_path: str = ""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    warm_up: bool = True
    policy: Policy = field(default_factory=default_policy, repr=False)

    @classmethod
    def from_file(cls, path: str | Path) -> ServiceConfig:
        return cls.from_mapping(read_yaml_file(path, ConfigError) or {})

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any]) -> ServiceConfig:
        if not isinstance(document, Mapping):
            raise ConfigError("document", "expected a mapping")
        policy_path = str(document.get("policy") or "")
        return cls(
            api_keys=_api_keys(document.get("api_keys") or []),
            policy_path=policy_path,
            max_body_bytes=_positive(document, "max_body_bytes", DEFAULT_MAX_BODY_BYTES),
            max_json_depth=_positive(document, "max_json_depth", DEFAULT_MAX_JSON_DEPTH),
            warm_up=bool(document.get("warm_up", True)),
            policy=load_policy(policy_path) if policy_path else default_policy(),
        )


def _api_keys(raw: Any) -> tuple[ApiKey, ...]:
    if not isinstance(raw, list):
        raise ConfigError("api_keys", "expected a list of {name, role, hash}")
    keys = []
    for index, entry in enumerate(raw):
        where = f"api_keys[{index}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(where, "expected a mapping with name, role and hash")
        role = str(entry.get("role", ""))
        if role not in ROLE_PERMISSIONS:
            raise ConfigError(f"{where}.role", f"{role!r} is not one of "
                                               f"{', '.join(sorted(ROLE_PERMISSIONS))}")
        stored = str(entry.get("hash", ""))
        try:
            check_hash(stored)
        except KeyConfigError as error:
            raise ConfigError(f"{where}.hash", error.reason) from None
        keys.append(ApiKey(name=str(entry.get("name") or f"key-{index}"), role=role,
                           stored_hash=stored))
    return tuple(keys)


def _positive(document: Mapping[str, Any], key: str, default: int) -> int:
    value = document.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(key, f"expected a positive integer, got {value!r}")
    return value
