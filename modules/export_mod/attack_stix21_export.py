"""misp-modules export module: a STIX 2.1 bundle with ATT&CK attack patterns and TLP markings.

A thin shim: the work is done, and tested, in ``misp_attack_pack``.
"""

from misp_attack_pack.plugins.export_module import module_for

_MODULE = module_for("stix21")

misperrors = {"error": "Error"}
moduleconfig = _MODULE.config_options()
moduleinfo = _MODULE.version()
mispattributes = _MODULE.introspection()

handler = _MODULE.handler
dict_handler = _MODULE.dict_handler
introspection = _MODULE.introspection
version = _MODULE.version
