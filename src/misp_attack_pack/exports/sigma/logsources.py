"""Which Sigma log source each MISP indicator belongs to, with the fields SigmaHQ rules use.

Field names follow the SigmaHQ taxonomy: Sysmon-style ``DestinationIp``/``QueryName``/
``Hashes``/``Image``/``TargetFilename`` for the Windows categories and the W3C-style
``cs-host``/``c-uri``/``c-useragent`` fields of the generic ``proxy`` category.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LogSource:
    key: str
    category: str
    product: str
    seen_in: str

    def as_dict(self) -> dict[str, str]:
        logsource = {"category": self.category}
        if self.product:
            logsource["product"] = self.product
        return logsource


NETWORK = LogSource("network_connection", "network_connection", "windows",
                    "network connections")
DNS = LogSource("dns_query", "dns_query", "windows", "DNS queries")
PROXY = LogSource("proxy", "proxy", "", "proxy logs")
PROCESS = LogSource("process_creation", "process_creation", "windows", "process creations")
FILE = LogSource("file_event", "file_event", "windows", "file events")

LOG_SOURCES = (NETWORK, DNS, PROXY, PROCESS, FILE)

# Sysmon writes these digests into the ``Hashes`` field as ``NAME=HEX``.
SYSMON_HASH_NAMES = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256", "imphash": "IMPHASH"}

IP_TYPES = {"ip-src", "ip-dst", "ip-src|port", "ip-dst|port"}
HOST_TYPES = {"domain", "hostname", "domain|ip", "hostname|port"}
PROXY_TYPES = {"url", "uri", "user-agent"}
HASH_TYPES = set(SYSMON_HASH_NAMES) | {f"filename|{name}" for name in SYSMON_HASH_NAMES}
FILENAME_TYPES = {"filename"}
PASSTHROUGH_TYPES = {"sigma"}

MAPPED_TYPES = IP_TYPES | HOST_TYPES | PROXY_TYPES | HASH_TYPES | FILENAME_TYPES
