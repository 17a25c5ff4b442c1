"""Run the shipped conformance suite over every registered adapter, against its mock core."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from xsell_connect_mocks.harness import harness_for

from xsell_connect.registry import available_adapters
from xsell_connect.testing import ConformanceHarness


def _installed_adapters() -> list[str]:
    return [info.name for info in available_adapters() if info.installed]


@pytest.fixture(params=_installed_adapters())
def harness(request: pytest.FixtureRequest) -> Iterator[ConformanceHarness]:
    # No harness for an installed adapter is a failure, not a skip: a new adapter is not
    # done until it passes the suite against its mock core.
    built = harness_for(request.param)
    yield built
    built.close()
