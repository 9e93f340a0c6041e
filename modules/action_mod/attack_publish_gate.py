"""misp-modules action module: the blocking MISP Workflow publish gate (event-publish).

A thin shim: the work is done, and tested, in ``misp_attack_pack.plugins.publish_gate``.
"""

from misp_attack_pack.plugins import publish_gate as _gate

misperrors = {"error": "Error"}
moduleconfig = _gate.MODULE_CONFIG
moduleinfo = _gate.version()
returns = "boolean"


def handler(q=False):
    return _gate.handler(q)


def dict_handler(request=None):
    return _gate.dict_handler(request)


def introspection():
    return _gate.introspection()


def version():
    return _gate.version()
