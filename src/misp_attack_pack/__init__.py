"""Turn ATT&CK-mapped MISP events into detections a SOC can run.

The package reads a MISP event once into :mod:`misp_attack_pack.events`, resolves its ATT&CK
techniques once with :mod:`misp_attack_pack.attack`, and lets each export in
:mod:`misp_attack_pack.exports` render that model.
"""

__version__ = "0.1.0"
