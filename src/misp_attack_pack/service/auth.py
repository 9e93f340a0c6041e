"""API keys: stored only as salted hashes, checked in constant time, each with one role.

A key is presented as ``Authorization: <key>`` (as MISP sends its own), ``Authorization:
Bearer <key>`` or ``X-API-Key: <key>``. Stored hashes
look like ``scrypt$16384$8$1$<salt>$<digest>`` or ``sha256$<salt>$<digest>`` (hex salt and
digest); ``python -m misp_attack_pack.service.auth`` prints one for a new random key.
scrypt costs tens of milliseconds by design, so a key that verified once is remembered by its
SHA-256 for the life of the worker.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
import threading
from dataclasses import dataclass, field

from misp_attack_pack.errors import FieldError

ROLE_PERMISSIONS = {
    "partner": frozenset({"health", "policy"}),
    "cti": frozenset({"health", "policy", "validate", "export"}),
}
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
_CACHE_LIMIT = 256


class KeyConfigError(FieldError):
    """A configured key entry is unusable; ``field`` says which one."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    role: str
    stored_hash: str = field(repr=False)

    def allows(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())


def hash_key(key: str, method: str = "scrypt") -> str:
    """A storable hash of ``key`` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    if method == "sha256":
        return f"sha256${salt.hex()}${_sha256(salt, key).hex()}"
    digest = hashlib.scrypt(key.encode("utf-8"), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_hash(stored: str) -> None:
    """Raise :class:`KeyConfigError` when ``stored`` is not a hash this module can verify."""
    parts = stored.split("$")
    try:
        if parts[0] == "sha256" and len(parts) == 3:
            bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            return
        if parts[0] == "scrypt" and len(parts) == 6:
            [int(part) for part in parts[1:4]]
            bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
            return
    except ValueError:
        pass
    raise KeyConfigError("hash",
                         "expected sha256$<salt>$<digest> or scrypt$n$r$p$<salt>$<digest>")


def verify_key(presented: str, stored: str) -> bool:
    """Whether ``presented`` hashes to ``stored``; the comparison takes constant time."""
    parts = stored.split("$")
    if parts[0] == "sha256":
        salt, expected = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
        return hmac.compare_digest(_sha256(salt, presented), expected)
    n, r, p = (int(part) for part in parts[1:4])
    salt, expected = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    digest = hashlib.scrypt(presented.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                            dklen=len(expected))
    return hmac.compare_digest(digest, expected)


class KeyRing:
    """The configured keys; :meth:`identify` finds which one, if any, a request presented."""

    def __init__(self, keys: list[ApiKey]) -> None:
        self.keys = keys
        self._verified: dict[bytes, ApiKey] = {}
        self._lock = threading.Lock()

    def identify(self, presented: str) -> ApiKey | None:
        if not presented:
            return None
        fingerprint = hashlib.sha256(presented.encode("utf-8")).digest()
        with self._lock:
            known = self._verified.get(fingerprint)
        if known is not None:
            return known

        match = None
        for key in self.keys:
            if verify_key(presented, key.stored_hash) and match is None:
                match = key
        if match is not None:
            with self._lock:
                if len(self._verified) < _CACHE_LIMIT:
                    self._verified[fingerprint] = match
        return match


def _sha256(salt: bytes, key: str) -> bytes:
    return hashlib.sha256(salt + key.encode("utf-8")).digest()


def main() -> int:
    """Print a new random key and the hash to put in the service configuration."""
    method = sys.argv[1] if len(sys.argv) > 1 else "scrypt"
    key = secrets.token_urlsafe(32)
    sys.stdout.write(f"key:  {key}\nhash: {hash_key(key, method)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
