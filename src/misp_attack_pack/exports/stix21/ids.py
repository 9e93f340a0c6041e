"""Deterministic STIX identifiers, so exporting the same event twice gives the same bundle.

SDOs and SROs keep the MISP uuid when it is a valid version 4 UUID, which lets a consumer tie
the indicator back to the attribute. Any other uuid (MISP still carries version 1 uuids from
old instances, which STIX 2.1 forbids) is replaced by a version 5 UUID derived from it.
SCOs follow the STIX 2.1 rule: a version 5 UUID in the STIX namespace over the canonical JSON
of the object's ID-contributing properties.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import orjson

# Namespace of the version 5 UUIDs this pack derives for SDOs and SROs.
PACK_NAMESPACE = uuid.UUID("b9d3c6a2-4f1e-5c7d-8a90-2e6f4b1d7c35")

# The namespace STIX 2.1 (section 2.9) fixes for SCO identifiers.
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

# ID-contributing properties per SCO type, as STIX 2.1 lists them.
SCO_ID_PROPERTIES = {
    "artifact": ("hashes", "payload_bin"),
    "autonomous-system": ("number",),
    "directory": ("path",),
    "domain-name": ("value",),
    "email-addr": ("value",),
    "email-message": ("from_ref", "subject", "body"),
    "file": ("hashes", "name", "parent_directory_ref", "extensions"),
    "ipv4-addr": ("value",),
    "ipv6-addr": ("value",),
    "mac-addr": ("value",),
    "mutex": ("name",),
    "network-traffic": ("start", "end", "src_ref", "dst_ref", "src_port", "dst_port",
                        "protocols", "extensions"),
    "software": ("name", "cpe", "swid", "vendor", "version"),
    "url": ("value",),
    "user-account": ("account_type", "user_id", "account_login"),
    "windows-registry-key": ("key", "values"),
    "x509-certificate": ("hashes", "serial_number"),
}

_UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# When an SCO carries several hashes, STIX 2.1 takes one, in this order of preference.
_HASH_PREFERENCE = ("MD5", "SHA-1", "SHA-256", "SHA-512")


def is_uuid4(text: str) -> bool:
    """A version 4 UUID in its canonical hyphenated form (any case)."""
    return bool(_UUID4.match(text.lower()))


def uuid5(namespace: uuid.UUID, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))``, computed without building UUID objects.

    An export derives one id per relationship, hundreds of thousands for a large event, and
    the ``uuid`` module's constructor costs more than the hash itself.
    """
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def sdo_id(stix_type: str, misp_uuid: str, fallback_key: str = "") -> str:
    """``<type>--<uuid>``: the MISP uuid if it is a v4 UUID, else a v5 UUID derived from it.

    ``fallback_key`` names the element (event uuid and JSON pointer) when it has no uuid.
    """
    if misp_uuid and is_uuid4(misp_uuid):
        return f"{stix_type}--{misp_uuid.lower()}"
    return derived_id(stix_type, misp_uuid.lower() or fallback_key)


def derived_id(stix_type: str, key: str) -> str:
    return f"{stix_type}--{uuid5(PACK_NAMESPACE, f'{stix_type}:{key}')}"


def sco_id(sco: dict[str, Any]) -> str:
    """The STIX 2.1 deterministic id of an SCO dict (which must have ``type``)."""
    stix_type = sco["type"]
    contributing = {}
    for name in SCO_ID_PROPERTIES.get(stix_type, ()):
        if name in sco:
            contributing[name] = _one_hash(sco[name]) if name == "hashes" else sco[name]
    if not contributing:
        return derived_id(stix_type, orjson.dumps(sco, option=orjson.OPT_SORT_KEYS).decode())
    return f"{stix_type}--{uuid5(SCO_NAMESPACE, canonical_json(contributing))}"


def canonical_json(value: Any) -> str:
    """RFC 8785 canonical JSON for the strings, integers, lists and dicts SCOs hold.

    orjson's compact output with sorted keys matches RFC 8785 for these types: UTF-8 without
    escaping non-ASCII, control characters as lower-case ``\\u00xx``, no spaces. Floats would
    differ, and no ID-contributing property here holds one.
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def _one_hash(hashes: dict[str, str]) -> dict[str, str]:
    for name in _HASH_PREFERENCE:
        if name in hashes:
            return {name: hashes[name]}
    first = next(iter(hashes))
    return {first: hashes[first]}
