"""The Temenos adapter wired to the in-process Transact mock, for the conformance suite."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

import httpx

from xsell_connect.adapter import CoreBankingAdapter
from xsell_connect.testing.harness import BankFacts, ConformanceHarness, WriteKind
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import FaultKind, FaultRule
from xsell_connect_mocks.harness import CONFORMANCE_BANK, conformance_window, pick_account
from xsell_connect_mocks.temenos.outbound import account_created, posting_events

__all__ = ["TemenosHarness"]

HEADERS = {"apikey": "test-api-key", "companyId": "GB0010001"}


class TemenosHarness(ConformanceHarness):
    """The Temenos adapter against the in-process Transact mock."""

    platform = "temenos"
    _WRITE_ROUTES: dict[WriteKind, tuple[str, str]] = {
        "offer": ("POST", "/api/v1.0.0/party/customers/adverts"),
        "audit_record": ("POST", "/api/v1.0.0/party/customers/contactHistory"),
        "next_best_action": ("PUT", "/api/v4.0.0/party/customers/*"),
    }
    _COLLECTIONS: dict[WriteKind, str] = {"offer": "adverts", "audit_record": "contacts"}

    def __init__(self, config: BankConfig = CONFORMANCE_BANK) -> None:
        from xsell_connect_mocks.temenos import TemenosMock

        self.bank = SyntheticBank(config)
        self.mock = TemenosMock(self.bank)

    def make_adapter(self) -> CoreBankingAdapter:
        from xsell_connect_temenos import TemenosAdapter, TemenosSettings

        settings = TemenosSettings(
            base_url=f"{self.mock.base_url}/api", api_key="test-api-key", company_id="GB0010001",
            bank_timezone=self.bank.config.timezone,
        )  # fmt: skip

        async def no_wait(_: float) -> None:
            return None

        return TemenosAdapter.from_settings(
            settings, transport=self.mock.transport(), sleep=no_wait
        )

    def facts(self) -> BankFacts:
        return self._facts

    @cached_property
    def _facts(self) -> BankFacts:
        since, until = conformance_window(self.bank)
        account = pick_account(self.bank, since, until)
        customer = self.bank.customer(account.customer_index)
        # Transact filters on business days in the bank's zone (the adapter's README).
        first, last = (
            since.astimezone(account_zone(self)).date(),
            until.astimezone(account_zone(self)).date(),
        )
        postings = [p for p in self.bank.postings(account) if first <= p.booked_at.date() <= last]
        events = posting_events(postings[-1], account, customer)
        opened = account_created(account, customer, self.bank.product(account.product_code).name)
        json_headers = {"content-type": "application/cloudevents+json"}
        return BankFacts(
            party_count=self.bank.config.customers,
            party_id=customer.number,
            missing_party_id="999999999",
            account_id=account.number,
            booked_balance=self.bank.balance(account),
            window=(since, until),
            entries_in_window=len(postings),
            product_codes=frozenset(p.code for p in self.bank.products),
            webhooks=((json_headers, json.dumps(events[0]).encode()),
                      (json_headers, json.dumps([events[1], opened]).encode())),
            messages=(({"content_type": "application/cloudevents+json"},
                       json.dumps(events[1]).encode()),),
        )  # fmt: skip

    def records_written(self, kind: WriteKind, party_id: str) -> int:
        if kind == "next_best_action":
            method, route = self._WRITE_ROUTES[kind]
            return sum(
                1
                for e in self.mock.journal.entries(method=method, path_prefix=route.rstrip("*"))
                if e.path.endswith(f"/{party_id}") and e.status < 300
            )
        rows = self.mock.store.collection(self._COLLECTIONS[kind]).values()
        return sum(1 for r in rows if r.get("customerId") == party_id)

    def lose_next_response(self, kind: WriteKind) -> None:
        method, route = self._WRITE_ROUTES[kind]
        self.mock.faults.add(
            FaultRule(
                kind=FaultKind.LOST_RESPONSE, route=route, methods=frozenset({method}), times=1
            )
        )

    async def read_next_best_action(self, party_id: str) -> str | None:
        async with httpx.AsyncClient(
            transport=self.mock.transport(), base_url=self.mock.base_url
        ) as client:
            response = await client.get(f"/api/v4.0.0/party/customers/{party_id}", headers=HEADERS)
        record: dict[str, Any] = response.json()["body"]
        value = (record.get("extensions") or {}).get("xsellNextBestAction")
        return value if isinstance(value, str) else None


def account_zone(harness: TemenosHarness) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(harness.bank.config.timezone)
