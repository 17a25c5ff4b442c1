"""A capability an adapter does not declare is a reported skip with a reason, never a pass."""

from __future__ import annotations

import pytest

CONFTEST = """
from decimal import Decimal
from datetime import UTC, datetime
import pytest
from xsell_connect.adapter import Capability, CoreBankingAdapter
from xsell_connect.errors import NotFoundError
from xsell_connect.models import Party, PartyStatus, PartyType
from xsell_connect.testing import BankFacts, ConformanceHarness


class OnlyParty(CoreBankingAdapter):
    platform = "onlyparty"
    capabilities = frozenset({Capability.GET_PARTY})

    async def get_party(self, party_id):
        if party_id != "1":
            raise NotFoundError("party", party_id)
        return Party(platform="onlyparty", source_id="k1", id="1",
                     type=PartyType.PERSON, status=PartyStatus.ACTIVE)


class Harness(ConformanceHarness):
    platform = "onlyparty"
    def make_adapter(self): return OnlyParty()
    def facts(self):
        now = datetime(2026, 1, 1, tzinfo=UTC)
        return BankFacts(party_count=1, party_id="1", missing_party_id="2", account_id="a",
                         booked_balance=Decimal(0), window=(now, now), entries_in_window=0,
                         product_codes=frozenset())
    def records_written(self, kind, party_id): return 0
    def lose_next_response(self, kind): pass
    async def read_next_best_action(self, party_id): return None


@pytest.fixture
def harness():
    return Harness()
"""

TESTS = """
from xsell_connect.testing import suite

class TestParty(suite.PartyReadTests): ...
class TestList(suite.PartyListTests): ...
class TestWrites(suite.WriteBackTests): ...
"""


def test_missing_capabilities_are_reported_skips_with_the_capability_named(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_gate=TESTS)
    result = pytester.runpytest(
        "-p",
        "asyncio",
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "-rs",
    )
    result.assert_outcomes(passed=3, skipped=8)
    result.stdout.fnmatch_lines(
        [
            "*adapter 'onlyparty' does not declare list_parties*",
            "*adapter 'onlyparty' does not declare set_next_best_action, write_audit_record,"
            " write_offer*",
        ]
    )
