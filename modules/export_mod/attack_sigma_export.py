"""misp-modules export module: ATT&CK-tagged Sigma rules from a MISP event.

A thin shim: the work is done, and tested, in ``misp_attack_pack``.
"""

from misp_attack_pack.exports.registry import FORMATS
from misp_attack_pack.plugins.export_module import ExportModule

_MODULE = ExportModule(FORMATS["sigma"])

misperrors = {"error": "Error"}
moduleconfig = _MODULE.config_options()
moduleinfo = _MODULE.version()
mispattributes = _MODULE.introspection()


def handler(q=False):
    return _MODULE.handler(q)


def dict_handler(request=None):
    return _MODULE.dict_handler(request)


def introspection():
    return _MODULE.introspection()


def version():
    return _MODULE.version()
