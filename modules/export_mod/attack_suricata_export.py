"""misp-modules export module: Suricata 7 (or Snort 2.9) rules from a MISP event.

A thin shim: the work is done, and tested, in ``misp_attack_pack``. The warninglist index takes
a few seconds to build, so it starts building in the background when the server loads this
file, and MISP's first export request does not wait for all of it.
"""

import threading

from misp_attack_pack.exports.suricata.warninglists import bundled_index
from misp_attack_pack.plugins.export_module import module_for

_MODULE = module_for("suricata")
threading.Thread(target=bundled_index, name="warninglist-index", daemon=True).start()

misperrors = {"error": "Error"}
moduleconfig = _MODULE.config_options()
moduleinfo = _MODULE.version()
mispattributes = _MODULE.introspection()

handler = _MODULE.handler
dict_handler = _MODULE.dict_handler
introspection = _MODULE.introspection
version = _MODULE.version
