"""MISP expansion modules: ATT&CK technique lookup and Sigma conversion on pySigma.

:mod:`~misp_attack_pack.expansions.contract` holds the misp-modules ``misp_standard`` contract;
each other module here is one expansion, served by a thin file under ``modules/expansion/``.
"""
