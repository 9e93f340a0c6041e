"""Exports: one subpackage per output format, each reading the normalised event model."""
