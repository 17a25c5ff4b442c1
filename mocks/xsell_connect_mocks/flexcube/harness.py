"""The FLEXCUBE adapter wired to the in-process FLEXCUBE mock, for the conformance suite."""

from __future__ import annotations

from functools import cached_property

from xsell_connect.adapter import CoreBankingAdapter
from xsell_connect.testing.harness import BankFacts, ConformanceHarness, WriteKind
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import FaultKind, FaultRule
from xsell_connect_mocks.harness import CONFORMANCE_BANK, conformance_window, pick_account

__all__ = ["FlexcubeHarness"]


async def _no_sleep(_: float) -> None:
    return None


class FlexcubeHarness(ConformanceHarness):
    """The FLEXCUBE adapter against the in-process FCUBS gateway mock (12.x style replies)."""

    platform = "flexcube"
    _ROUTES: dict[WriteKind, str] = {
        "offer": "/XSCEngagementService/XSCEngagementService",
        "audit_record": "/XSCEngagementService/XSCEngagementService",
        "next_best_action": "/FCUBSCustomerService/FCUBSCustomerService",
    }
    _STORE: dict[WriteKind, str] = {"offer": "offer", "audit_record": "audit"}

    def __init__(self, config: BankConfig = CONFORMANCE_BANK, *, modern: bool = True) -> None:
        from xsell_connect_mocks.flexcube import FlexcubeMock

        self.bank = SyntheticBank(config)
        self.mock = FlexcubeMock(self.bank, modern=modern)

    def make_adapter(self) -> CoreBankingAdapter:
        from xsell_connect_flexcube import FlexcubeAdapter, FlexcubeSettings

        settings = FlexcubeSettings(gateway_url=self.mock.base_url,
                                    bank_timezone=self.bank.config.timezone)  # fmt: skip
        return FlexcubeAdapter.from_settings(settings, transport=self.mock.transport(),
                                             sleep=_no_sleep)  # fmt: skip

    def facts(self) -> BankFacts:
        return self._facts

    @cached_property
    def _facts(self) -> BankFacts:
        from xsell_connect_mocks.flexcube.notify import Notifier

        since, until = conformance_window(self.bank)
        account = pick_account(self.bank, since, until)
        customer = self.bank.customer(account.customer_index)
        postings = [p for p in self.bank.postings(account) if since <= p.booked_at <= until]
        notifier = Notifier(self.bank)
        messages = (notifier.new_account(account), *notifier.posting(postings[-1], account))
        return BankFacts(
            party_count=self.bank.config.customers,
            party_id=customer.number,
            missing_party_id="999999999",
            account_id=account.number,
            booked_balance=self.bank.balance(account),
            window=(since, until),
            entries_in_window=len(postings),
            product_codes=frozenset(p.code for p in self.bank.products),
            messages=tuple(({"content_type": "text/xml"}, body) for body in messages),
        )

    def records_written(self, kind: WriteKind, party_id: str) -> int:
        if kind == "next_best_action":
            state = self.mock.store.get("customers", party_id)
            return int(state["mods"]) if state else 0
        rows = self.mock.store.collection(self._STORE[kind]).values()
        return sum(1 for row in rows if row.get("CUSTNO") == party_id)

    def lose_next_response(self, kind: WriteKind) -> None:
        self.mock.faults.add(
            FaultRule(
                kind=FaultKind.LOST_RESPONSE,
                route=self._ROUTES[kind],
                methods=frozenset({"POST"}),
                times=1,
            )
        )

    async def read_next_best_action(self, party_id: str) -> str | None:
        from xsell_connect_flexcube import FlexcubeAdapter

        async with self.make_adapter() as adapter:
            assert isinstance(adapter, FlexcubeAdapter)
            party = await adapter.get_party(party_id)
        value = party.extra.get("udfs", {}).get(adapter.settings.nba_udf)
        return value if isinstance(value, str) else None
