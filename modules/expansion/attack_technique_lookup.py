"""misp-modules expansion module: an ATT&CK technique as an attack-pattern object and tag.

A thin shim: the work is done, and tested, in ``misp_attack_pack``.
"""

from misp_attack_pack.expansions.technique_lookup import MODULE as _MODULE

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
