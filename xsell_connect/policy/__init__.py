"""Policy-as-code (DESIGN §6, the Supervisor's rules): schema, loading, fairness, breakers."""

from .loader import PolicyError, load_model, parse_model
from .schema import Policy

__all__ = ["Policy", "PolicyError", "load_model", "parse_model"]
