"""The Finacle adapter wired to the in-process Finacle mock, for the conformance suite."""

from __future__ import annotations

import json
from functools import cached_property

from xsell_connect.adapter import CoreBankingAdapter
from xsell_connect.testing.harness import BankFacts, ConformanceHarness, WriteKind
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.finacle.events import alert_for
from xsell_connect_mocks.finacle.schemes import acid_of, finacle_balance, scheme_table
from xsell_connect_mocks.framework import FaultKind, FaultRule
from xsell_connect_mocks.harness import CONFORMANCE_BANK, conformance_window, pick_account

__all__ = ["FinacleHarness"]

_SCRIPTS: dict[WriteKind, tuple[str, str]] = {
    "offer": ("XSELL_OFFER_ADD.scr", "offer"),
    "audit_record": ("XSELL_AUDIT_ADD.scr", "audit"),
    "next_best_action": ("XSELL_NBA_UPD.scr", "nba"),
}


class FinacleHarness(ConformanceHarness):
    """The Finacle adapter against the in-process Finacle mock (raw FIXML transport)."""

    platform = "finacle"

    def __init__(self, config: BankConfig = CONFORMANCE_BANK, transport: str = "fihttp") -> None:
        from xsell_connect_mocks.finacle import FinacleMock

        self.bank = SyntheticBank(config)
        self.mock = FinacleMock(self.bank)
        self.transport = transport

    def settings(self) -> dict[str, object]:
        return {
            "base_url": self.mock.base_url,
            "transport": self.transport,
            "bank_id": self.mock.bank_id,
            "timezone": self.bank.config.timezone,
            "scheme_table": scheme_table(self.bank),
        }

    def make_adapter(self) -> CoreBankingAdapter:
        from xsell_connect_finacle import FinacleAdapter

        return FinacleAdapter.from_settings(self.settings(), transport=self.mock.transport())

    def facts(self) -> BankFacts:
        return self._facts

    @cached_property
    def _facts(self) -> BankFacts:
        since, until = conformance_window(self.bank)
        account = pick_account(self.bank, since, until)
        customer = self.bank.customer(account.customer_index)
        postings = [p for p in self.bank.postings(account) if since <= p.booked_at <= until]
        alert = json.dumps(alert_for(self.bank, account, postings[-1])).encode()
        return BankFacts(
            party_count=self.bank.config.customers,
            party_id=customer.number,
            missing_party_id="999999999",
            account_id=acid_of(account.number),
            booked_balance=finacle_balance(account.family, self.bank.balance(account)),
            window=(since, until),
            entries_in_window=len(postings),
            product_codes=frozenset(p.code for p in self.bank.products),
            webhooks=(({"content-type": "application/json"}, alert),),
            messages=(({"content_type": "application/json", "app_id": "finacle-esb"}, alert),),
        )

    def records_written(self, kind: WriteKind, party_id: str) -> int:
        collection = self.mock.store.collection(_SCRIPTS[kind][1])
        if kind == "next_best_action":
            return int(party_id in collection)
        return sum(1 for row in collection.values() if row.get("CustId", "").strip() == party_id)

    def lose_next_response(self, kind: WriteKind) -> None:
        route = f"/executeFinacleScript/{_SCRIPTS[kind][0]}"
        self.mock.service_faults.add(FaultRule(kind=FaultKind.LOST_RESPONSE, route=route, times=1))

    async def read_next_best_action(self, party_id: str) -> str | None:
        async with self.make_adapter() as adapter:
            party = await adapter.get_party(party_id)
        value = party.extra.get("next_best_action")
        return value if isinstance(value, str) else None
