"""The misp-modules contract: what the thin files under ``modules/`` hand their work to."""
