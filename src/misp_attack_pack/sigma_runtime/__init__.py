"""pySigma run offline: local ATT&CK, D3FEND and SigmaHQ reference data, and rule validation."""

from misp_attack_pack.sigma_runtime.offline import configure_offline, sigmahq_data_dir
from misp_attack_pack.sigma_runtime.validation import RuleIssue, validate_sigma_text

__all__ = ["RuleIssue", "configure_offline", "sigmahq_data_dir", "validate_sigma_text"]
