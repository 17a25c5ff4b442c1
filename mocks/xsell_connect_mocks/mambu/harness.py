"""The Mambu adapter wired to the in-process Mambu mock, for the conformance suite."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cached_property
from typing import Any

import httpx

from xsell_connect.adapter import CoreBankingAdapter
from xsell_connect.testing.harness import BankFacts, ConformanceHarness, WriteKind
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import FaultKind, FaultRule
from xsell_connect_mocks.harness import CONFORMANCE_BANK, conformance_window, pick_account

__all__ = ["MambuHarness"]


class MambuHarness(ConformanceHarness):
    """The Mambu adapter against the in-process Mambu mock."""

    platform = "mambu"
    _WRITE_ROUTES: dict[WriteKind, tuple[str, str]] = {
        "offer": ("POST", "/api/tasks"),
        "audit_record": ("POST", "/api/comments"),
        "next_best_action": ("PATCH", "/api/clients/*"),
    }

    def __init__(self, config: BankConfig = CONFORMANCE_BANK) -> None:
        from xsell_connect_mocks.mambu import MambuMock

        self.bank = SyntheticBank(config)
        self.mock = MambuMock(self.bank)

    def make_adapter(self) -> CoreBankingAdapter:
        from xsell_connect_mambu import MambuAdapter, MambuSettings

        settings = MambuSettings(base_url=f"{self.mock.base_url}/api", api_key="test-api-key")
        return MambuAdapter.from_settings(settings, transport=self.mock.transport())

    def facts(self) -> BankFacts:
        return self._facts

    @cached_property
    def _facts(self) -> BankFacts:
        from xsell_connect_mocks.mambu import Event, render_webhook_request

        since, until = conformance_window(self.bank)
        account = pick_account(self.bank, since, until)
        customer = self.bank.customer(account.customer_index)
        in_window = sum(1 for p in self.bank.postings(account) if since <= p.booked_at <= until)
        body = {"source": "mambu", "event": "SAVINGS_DEPOSIT", "accountId": account.number,
                "clientId": customer.number, "nba": ""}  # fmt: skip
        sample = render_webhook_request(
            Event(
                seq=1,
                eid="6c1f2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                name="SAVINGS_DEPOSIT",
                occurred_at=until,
                account_id=account.number,
                client_id=customer.number,
                body=json.dumps(body),
            ),
            secret="conformance-secret",  # noqa: S106 - a mock tenant's template header
        )
        webhook = (sample.headers, sample.body)
        batch = {
            "cursor": {"partition": "shardId-000000000000", "offset": "1", "event_type": "MIXED",
                       "cursor_token": "8a1c7a52-6d0e-4a3e-9f5b-0b9c2e7d1a44"},
            "events": [{"metadata": {"eid": "4b0e6c1a-93f2-4c6d-8d7e-2f1a0c9b5e31",
                                     "occurred_at": "2026-10-25T08:15:03.599Z",
                                     "content_type": "application/json; charset=UTF-8",
                                     "category": "DATA",
                                     "event_type": "mrn.event.acme.streamingapi.savings_deposit"},
                        "template_name": "savings_deposit",
                        "body": json.dumps(json.loads(webhook[1]))}],
        }  # fmt: skip
        return BankFacts(
            party_count=self.bank.config.customers,
            party_id=customer.number,
            missing_party_id="999999999",
            account_id=account.number,
            booked_balance=self.bank.balance(account),
            window=(since, until),
            entries_in_window=in_window,
            product_codes=frozenset(p.code for p in self.bank.products),
            webhooks=(webhook,),
            messages=(({"content_type": "application/json"}, json.dumps(batch).encode()),),
        )

    def _client_key(self, party_id: str) -> str:
        from xsell_connect_mocks.mambu.wire import encoded_key

        return encoded_key(self.bank.config.seed, "client", party_id)

    def records_written(self, kind: WriteKind, party_id: str) -> int:
        method, route = self._WRITE_ROUTES[kind]
        prefix = route.rstrip("*")
        match: Callable[[bytes], bool]
        if kind == "next_best_action":
            return sum(
                1
                for e in self.mock.journal.entries(method=method, path_prefix=prefix)
                if e.path.endswith(f"/{party_id}") and e.status < 300
            )
        key = self._client_key(party_id)
        match = lambda body: key.encode() in body  # noqa: E731
        return sum(
            1
            for e in self.mock.journal.entries(method=method, path_prefix=prefix)
            if e.created and match(e.body)
        )

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
            response = await client.get(
                f"/api/clients/{party_id}",
                params={"detailsLevel": "FULL"},
                headers={"Accept": "application/vnd.mambu.v2+json", "apiKey": "test-api-key"},
            )
        record: dict[str, Any] = response.json()
        value = record.get("_xsell", {}).get("Next_Best_Action")
        return value if isinstance(value, str) else None
