"""The holdout: stable across runs, close to the configured share, per pattern."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

from xsell_connect.pipeline.holdout import holdout_point, in_holdout

PARTIES = [f"{100000000 + i}" for i in range(4000)]


def _members(pattern: str, share: str, salt: str = "s1") -> set[str]:
    return {p for p in PARTIES if in_holdout(p, pattern, share=Decimal(share), salt=salt)}


def test_assignment_is_stable_within_a_run() -> None:
    assert _members("salary_credit", "0.1") == _members("salary_credit", "0.1")


def test_assignment_is_stable_across_processes() -> None:
    code = (
        "from decimal import Decimal;from xsell_connect.pipeline.holdout import in_holdout;"
        "print(sorted(p for p in (str(100000000+i) for i in range(4000)) "
        "if in_holdout(p,'salary_credit',share=Decimal('0.1'),salt='s1')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(sorted(_members("salary_credit", "0.1")))


def test_share_is_close_to_the_configured_one() -> None:
    assert 360 <= len(_members("salary_credit", "0.1")) <= 440  # 10% of 4000, ±1%
    assert 1120 <= len(_members("salary_credit", "0.3")) <= 1280


def test_groups_differ_between_patterns_and_salts() -> None:
    assert _members("salary_credit", "0.1") != _members("loan_repaid", "0.1")
    assert _members("salary_credit", "0.1") != _members("salary_credit", "0.1", salt="s2")


def test_a_larger_share_keeps_the_smaller_group() -> None:
    assert _members("salary_credit", "0.05") <= _members("salary_credit", "0.1")


def test_edge_shares() -> None:
    assert _members("salary_credit", "0") == set()
    assert _members("salary_credit", "1") == set(PARTIES)
    assert Decimal(0) <= holdout_point("1", "p", "s") < Decimal(1)
