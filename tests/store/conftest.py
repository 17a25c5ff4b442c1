"""Fixtures shared by the store tests."""

from __future__ import annotations

import pytest
from _store_support import Monotonic

from xsell_connect.store import engine as engine_module


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> Monotonic:
    """The store engine's idle clock (``engine._monotonic``), under the test's control."""
    fake = Monotonic()
    monkeypatch.setattr(engine_module, "_monotonic", fake)
    return fake
