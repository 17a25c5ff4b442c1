"""``TemenosMock``: the read side of the Transact mock and the request gate."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from xsell_connect_mocks.bank import AccountSpec, CustomerSpec, SyntheticBank
from xsell_connect_mocks.framework import FaultRule, MockCore
from xsell_connect_mocks.framework.journal import CONTROL_PREFIX
from xsell_connect_mocks.temenos import render
from xsell_connect_mocks.temenos.eligibility import eligible
from xsell_connect_mocks.temenos.envelope import Snapshots, failed, ok, page
from xsell_connect_mocks.temenos.outbound import EventSinks
from xsell_connect_mocks.temenos.outbound import control_routes as event_routes
from xsell_connect_mocks.temenos.writes import WriteRoutes

__all__ = ["TemenosMock"]

V_CUSTOMERS, V_HOLDINGS, V_ACCOUNTS = "/api/v4.0.0", "/api/v1.0.0", "/api/v4.1.0"
V_TXNS, V_ARR, V_PROD = "/api/v2.0.0", "/api/v9.2.0", "/api/v1.0.0"


def _day(text: str | None) -> date | None:
    """``YYYY-MM-DD`` or ``YYYYMMDD`` (project convention, reference §7)."""
    if not text:
        return None
    text = text.strip()
    return date.fromisoformat(text if "-" in text else f"{text[:4]}-{text[4:6]}-{text[6:8]}")


class TemenosMock(MockCore):
    """Transact's provider APIs over the synthetic bank (see the package docstring)."""

    platform: ClassVar[str] = "temenos"

    def __init__(
        self, bank: SyntheticBank, *, faults: Sequence[FaultRule] = (), fault_seed: int = 0
    ) -> None:
        super().__init__(bank, faults=faults, fault_seed=fault_seed)
        self.snapshots = Snapshots()
        self.sinks = EventSinks()
        self.writes = WriteRoutes(self)

    # -- the gate -----------------------------------------------------------------------

    async def _vendor_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(CONTROL_PREFIX):
            while "//" in scope["path"]:  # the v9.2.0 spec's own double slash (reference §1)
                scope["path"] = scope["path"].replace("//", "/")
            refusal = self._refuse(Request(scope))
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await super()._vendor_app(scope, receive, send)

    @staticmethod
    def _refuse(request: Request) -> Response | None:
        h = request.headers
        if not h.get("apikey") and not h.get("authorization", "").startswith("Basic "):
            return failed(401, "EB-SECURITY.VIOLATION", "MISSING OR INVALID CREDENTIALS")
        if not h.get("companyId"):
            return failed(400, "EB-COMPANY.MISSING", "companyId header is required")
        return None

    def vendor_error(self, rule: FaultRule) -> tuple[int, dict[str, str], bytes]:
        status = rule.status or 400
        response = failed(status, "EB-INJECTED", "INJECTED FAULT")
        return status, {"content-type": "application/json"}, bytes(response.body)

    def reset(self) -> None:
        super().reset()
        self.snapshots.clear()

    # -- state --------------------------------------------------------------------------

    def customer(self, number: str) -> CustomerSpec | None:
        return self.bank.customer_by_number(number)

    def customer_record(self, c: CustomerSpec) -> tuple[dict[str, Any], int]:
        """The customer as written (store) or as generated, and its versionNumber."""
        stored = self.store.get("customers", c.number)
        if stored is not None:
            return stored["record"], stored["version"]
        return render.customer_record(c), 1

    def account(self, number: str) -> AccountSpec | None:
        return self.bank.account(number)

    # -- routes -------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [
            Route(f"{V_CUSTOMERS}/party/customers", self.list_customers, methods=["GET"]),
            Route(f"{V_CUSTOMERS}/party/customers/{{cid}}", self.get_customer, methods=["GET"]),
            Route(
                f"{V_HOLDINGS}/holdings/customers/{{cid}}/accounts",
                self.customer_accounts,
                methods=["GET"],
            ),
            Route(f"{V_ACCOUNTS}/holdings/accounts/{{aid}}", self.get_account, methods=["GET"]),
            Route(
                f"{V_ACCOUNTS}/holdings/accounts/{{aid}}/transactions",
                self.account_txns,
                methods=["GET"],
            ),
            Route(f"{V_TXNS}/holdings/transactions", self.transactions, methods=["GET"]),
            Route(
                f"{V_ARR}/holdings/accounts/{{aid}}/statements", self.statements, methods=["GET"]
            ),
            Route(f"{V_PROD}/product/productDetails/products", self.products, methods=["GET"]),
            Route(
                f"{V_PROD}/product/customers/{{cid}}/eligibleProducts",
                self.eligible,
                methods=["GET"],
            ),
            *self.writes.routes(),
        ]

    def control_routes(self) -> list[BaseRoute]:
        return super().control_routes() + event_routes(self)

    async def list_customers(self, request: Request) -> Response:
        request.state.operation = "list_customers"

        def rows() -> list[dict[str, Any]]:
            out = []
            for c in self.bank.customers():
                item = render.customer_item(c, self.customer_record(c)[1])
                if all(str(item.get(k, "")) == v for k, v in request.query_params.items()
                       if k in item):  # fmt: skip
                    out.append(item)
            return out

        return page(request, self.snapshots, rows)

    async def get_customer(self, request: Request) -> Response:
        request.state.operation = "get_customer"
        c = self.customer(request.path_params["cid"])
        if c is None:
            return failed(404, "EB-RECORD.NOT.FOUND", "RECORD NOT FOUND")
        record, version = self.customer_record(c)
        return ok(record, header={"audit": {"T24_time": 42, "versionNumber": str(version)}})

    async def customer_accounts(self, request: Request) -> Response:
        request.state.operation = "list_customer_accounts"
        c = self.customer(request.path_params["cid"])

        def rows() -> list[dict[str, Any]]:
            if c is None:
                return []
            return [
                render.account_item(a, c, self.bank.product(a.product_code), self.bank.balance(a))
                for a in self.bank.accounts_of(c.index)
            ]

        return page(request, self.snapshots, rows)

    async def get_account(self, request: Request) -> Response:
        request.state.operation = "get_account"
        a = self.account(request.path_params["aid"])
        if a is None:
            return failed(404, "EB-RECORD.NOT.FOUND", "RECORD NOT FOUND")
        c = self.bank.customer(a.customer_index)
        item = render.account_item(a, c, self.bank.product(a.product_code), self.bank.balance(a))
        return ok({**item, "IBAN": f"FR76{a.number:0>23}", "extensions": {}})

    def _postings(self, a: AccountSpec | None, since: date | None, until: date | None) -> list[Any]:
        if a is None:
            return []
        return [
            p for p in self.bank.postings(a)
            if (since is None or p.booked_at.date() >= since)
            and (until is None or p.booked_at.date() <= until)
        ]  # fmt: skip

    async def transactions(self, request: Request) -> Response:
        """``GET /holdings/transactions?accountId&listType=SEARCH&dateFrom&dateTo``."""
        request.state.operation = "search_transactions"
        q = request.query_params
        if not q.get("accountId"):
            return failed(400, "EB-NULL.KEY", "NULL KEY SPECIFIED FOR SELECTION")
        try:
            since, until = _day(q.get("dateFrom")), _day(q.get("dateTo"))
        except ValueError:
            return failed(400, "EB-INVALID.DATE", "dateFrom / dateTo must be dates")
        a = self.account(q["accountId"])
        return page(request, self.snapshots,
                    lambda: [render.entry_row(p, a) for p in self._postings(a, since, until)
                             if a is not None])  # fmt: skip

    async def account_txns(self, request: Request) -> Response:
        request.state.operation = "account_transactions"
        a = self.account(request.path_params["aid"])
        day = _day(request.query_params.get("bookingDate"))

        def rows() -> list[dict[str, Any]]:
            assert a is not None
            return [{"transactionId": p.id, "transactionName": p.description,
                     "bookingDate": p.booked_at.date().isoformat(),
                     "valueDate": p.value_date.isoformat(), "transactionAmount": float(p.amount),
                     "debitCreditIndicator": "Credit" if p.direction == "CRDT" else "Debit",
                     "transactionTotal": f"{p.amount:.2f}"}
                    for p in self._postings(a, day, day)]  # fmt: skip

        if a is None:
            return failed(400, "EB-NO.RECORDS", "No records found")
        data = {"accountId": a.number, "customerId": self.bank.customer(a.customer_index).number,
                "accountCurrency": a.currency}  # fmt: skip
        return page(request, self.snapshots, rows, data=data)

    async def statements(self, request: Request) -> Response:
        request.state.operation = "statements"
        a = self.account(request.path_params["aid"])
        if a is None:
            return failed(400, "EB-NO.RECORDS", "No records found")
        q = request.query_params
        since, until = _day(q.get("fromDate")), _day(q.get("toDate"))
        postings = self._postings(a, since, until)
        credits = sum((p.amount for p in postings if p.direction == "CRDT"), start=0)
        debits = sum((p.amount for p in postings if p.direction == "DBIT"), start=0)
        data = {"accountNumber": a.number, "currency": a.currency,
                "totalCredits": f"{credits:.2f}", "totalDebits": f"{debits:.2f}",
                "startDate": q.get("fromDate", ""), "endDate": q.get("toDate", "")}  # fmt: skip
        return page(request, self.snapshots,
                    lambda: [render.statement_row(p, a) for p in postings], data=data)  # fmt: skip

    async def products(self, request: Request) -> Response:
        request.state.operation = "list_products"
        return page(request, self.snapshots,
                    lambda: [render.product_record(p) for p in self.bank.products])  # fmt: skip

    async def eligible(self, request: Request) -> Response:
        request.state.operation = "eligible_products"
        c = self.customer(request.path_params["cid"])
        if c is None:
            return failed(404, "EB-RECORD.NOT.FOUND", "RECORD NOT FOUND")
        found = eligible(self.bank, c)
        return page(request, self.snapshots, lambda: [render.eligible_item(p) for p in found])


def loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
