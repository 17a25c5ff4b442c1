"""Embedded default configuration: signal thresholds, policy, message templates (TOML)."""
