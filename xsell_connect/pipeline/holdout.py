"""The deterministic holdout: a control group per pattern, stable across runs and machines.

A party is in the control group of a pattern when ``SHA-256(salt | pattern | party id)``,
read as a number in [0, 1), is below the pattern's share. The same party, pattern and salt
always land on the same side; changing the salt reshuffles every group at once.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

__all__ = ["holdout_point", "in_holdout"]

_SCALE = Decimal(2**64)


def holdout_point(party_id: str, pattern: str, salt: str) -> Decimal:
    """Where the party falls in [0, 1) for the pattern."""
    digest = hashlib.sha256(f"{salt}\x1f{pattern}\x1f{party_id}".encode()).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) / _SCALE


def in_holdout(party_id: str, pattern: str, *, share: Decimal, salt: str) -> bool:
    """True when the party belongs to the pattern's control group."""
    return holdout_point(party_id, pattern, salt) < share
