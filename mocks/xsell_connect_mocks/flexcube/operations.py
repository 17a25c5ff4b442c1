"""The gateway operations the FCUBS mock answers, one method each, and their outcomes.

Codes: ``ST-SAVE-023`` (a WARNING on every successful query), ``ST-VALS-002`` (record not
found, the request's IO block echoed), ``ST-UDF-005`` (a UDFDETAILS FLDNAM not linked to
function STDCIF; the real code is not public, chosen here), ``XSC-DUP-001`` (an OFFER_ID or
AUDIT_ID already written) and ``XSC-SAV-001`` (saved) for the project's own services.
Paged queries (QueryAccTxns, QueryAccClass, QueryCustDir) take ``MAXROWS`` (default 200, at
most 1000) and an opaque ``NEXTKEY``, and answer ``MORE`` Y/N plus the next key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from xsell_connect_mocks.bank.specs import Channel
from xsell_connect_mocks.bank.timeline import bank_zone
from xsell_connect_mocks.flexcube import render
from xsell_connect_mocks.flexcube.soap import Fields, SoapFault, SoapRequest, Value, record

if TYPE_CHECKING:
    from xsell_connect_mocks.bank import AccountSpec, CustomerSpec
    from xsell_connect_mocks.flexcube.app import FlexcubeMock

__all__ = ["ALLOWED_UDFS", "Handler", "Operations", "Outcome"]

_Rows = Sequence[tuple[str, Value]]

ALLOWED_UDFS = frozenset({*render.NBA_UDFS, "PREF_CHANNEL",
                          *(f"MKT_CONSENT_{c.value}" for c in Channel)})  # fmt: skip
_FOUND = ("ST-SAVE-023", "Record Successfully Retrieved")


@dataclass
class Outcome:
    """What an operation answers: records, then errors and warnings, and the MSGSTAT."""

    records: Fields = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    created: tuple[str, ...] = ()
    idempotency_key: str = ""

    @classmethod
    def failure(cls, code: str, text: str, echo: Fields | None = None) -> Outcome:
        return cls(records=echo or [], errors=[(code, text)])

    @classmethod
    def found(cls, records: Fields) -> Outcome:
        return cls(records=records, warnings=[_FOUND])

    @property
    def status(self) -> str:
        return "FAILURE" if self.errors else "SUCCESS"

    def body(self) -> Fields:
        body = list(self.records)
        if self.errors:
            body.append(
                (
                    "FCUBS_ERROR_RESP",
                    [("ERROR", [("ECODE", c), ("EDESC", t)]) for c, t in self.errors],
                )
            )
        if self.warnings:
            body.append(
                (
                    "FCUBS_WARNING_RESP",
                    [("WARNING", [("WCODE", c), ("WDESC", t)]) for c, t in self.warnings],
                )
            )
        return body  # fmt: skip


@dataclass(frozen=True)
class Handler:
    operation: str
    function_id: str
    action: str
    run: Callable[[SoapRequest], Outcome]
    writes: bool = False

    def __call__(self, soap: SoapRequest) -> Outcome:
        return self.run(soap)


def _text(block: dict[str, Any], key: str) -> str:
    value = block.get(key, "")
    return value if isinstance(value, str) else ""


def _page(rows: _Rows, keys: Sequence[str], query: dict[str, Any]) -> Outcome:
    try:
        size = min(int(_text(query, "MAXROWS") or 200), 1000)
    except ValueError:
        return Outcome.failure("ST-VALS-001", "MAXROWS must be a number")
    after = _text(query, "NEXTKEY")
    start = keys.index(after) + 1 if after in keys else 0
    chunk = rows[start : start + size]
    more = start + size < len(rows)
    tail: Fields = [("MORE", "Y" if more else "N"),
                    ("NEXTKEY", keys[start + size - 1] if more else None)]  # fmt: skip
    return Outcome(records=[*chunk, *tail], warnings=[_FOUND])


class Operations:
    """The operations of every service, over the mock's bank and store."""

    def __init__(self, mock: FlexcubeMock) -> None:
        self.mock = mock
        self.bank = mock.bank
        self.zone = mock.bank.config.timezone
        self.branch_codes = frozenset(render.BRANCH_CODES.values())
        self._handlers: dict[str, dict[str, Handler]] = {
            "FCUBSCustomerService": {
                "QUERYCUSTOMER_IOFS_REQ": Handler("QueryCustomerIO", "STDCIF", "EXECUTEQUERY",
                                                  self.query_customer),
                "MODIFYCUSTOMER_IOPK_REQ": Handler("ModifyCustomerIO", "STDCIF", "MODIFY",
                                                   self.modify_customer, writes=True),
            },
            "FCUBSAccService": {
                "QUERYCUSTACC_IOFS_REQ": Handler("QueryCustAccIO", "STDCUSAC", "EXECUTEQUERY",
                                                 self.query_account),
                "QUERYACCBAL_IOFS_REQ": Handler("QueryAccBalIO", "STDCUSAC", "EXECUTEQUERY",
                                                self.query_balance),
                "QUERYACCSUMM_IOFS_REQ": Handler("QueryAccSummIO", "STDCUSAC", "EXECUTEQUERY",
                                                 self.query_summary),
            },
            "XSCStatementService": {
                "QUERYACCTXNS_IOFS_REQ": Handler("QueryAccTxnsIO", "XSCSTMT", "EXECUTEQUERY",
                                                 self.query_txns),
            },
            "XSCEngagementService": {
                "CREATEOFFER_FSFS_REQ": Handler("CreateOfferFS", "XSCOFFER", "NEW",
                                                self.create_offer, writes=True),
                "CREATEAIAUDIT_FSFS_REQ": Handler("CreateAiAuditFS", "XSCAUDIT", "NEW",
                                                  self.create_audit, writes=True),
                "QUERYACCCLASS_IOFS_REQ": Handler("QueryAccClassIO", "XSCCATLG", "EXECUTEQUERY",
                                                  self.query_classes),
                "QUERYCUSTDIR_IOFS_REQ": Handler("QueryCustDirIO", "XSCCUSDR", "EXECUTEQUERY",
                                                 self.query_directory),
            },
        }  # fmt: skip

    def handler(self, service: str, soap: SoapRequest) -> Handler:
        found = self._handlers[service].get(soap.root)
        if found is None or (not soap.namespace.endswith(f":{service}") and not \
                soap.namespace.endswith(f"/{service}")):  # fmt: skip
            raise SoapFault("S:Client", f"Cannot find dispatch method for {soap.root}")
        return found

    # -- lookups ------------------------------------------------------------------------

    def _customer(self, number: str) -> CustomerSpec | None:
        return self.bank.customer_by_number(number)

    def _account(self, number: str) -> AccountSpec | None:
        return self.bank.account(number)

    def written(self, custno: str) -> dict[str, Any]:
        """What ModifyCustomer stored for the customer: UDF values and a modification count."""
        return self.mock.store.get("customers", custno) or {"udfs": {}, "mods": 0}

    # -- FCUBSCustomerService -----------------------------------------------------------

    def query_customer(self, soap: SoapRequest) -> Outcome:
        io = record(soap.body.find(f"{{{soap.namespace}}}Customer-IO"))
        custno = _text(io, "CUSTNO")
        customer = self._customer(custno)
        if customer is None:
            return Outcome.failure("ST-VALS-002", f"Record Not Found for Customer-{custno}",
                                   [("Customer-IO", [("CUSTNO", custno)])])  # fmt: skip
        state = self.written(custno)
        full = render.customer_full(customer, self.zone, state["udfs"], mods=state["mods"],
                                    modern=self.mock.modern)  # fmt: skip
        return Outcome.found([("Customer-Full", full)])

    def modify_customer(self, soap: SoapRequest) -> Outcome:
        io = record(soap.body.find(f"{{{soap.namespace}}}Customer-IO"))
        custno = _text(io, "CUSTNO")
        echo: Fields = [("Customer-IO", [("CUSTNO", custno)])]
        if self._customer(custno) is None:
            return Outcome.failure("ST-VALS-002", f"Record Not Found for Customer-{custno}", echo)
        listed = io.get("UDFDETAILS")
        udfs = [u for u in listed if isinstance(u, dict)] if isinstance(listed, list) else []
        unknown = sorted({_text(u, "FLDNAM") for u in udfs} - ALLOWED_UDFS)
        if unknown:
            return Outcome.failure("ST-UDF-005", f"Invalid UDF field name: {unknown[0]}", echo)
        with self.mock.store.lock:
            state = self.written(custno)
            values = {**state["udfs"], **{_text(u, "FLDNAM"): _text(u, "FLDVAL") for u in udfs}}
            self.mock.store.put("customers", custno, {"udfs": values, "mods": state["mods"] + 1})
        echo_udfs: Fields = [("UDFDETAILS", [("FLDNAM", _text(u, "FLDNAM")),
                                             ("FLDVAL", _text(u, "FLDVAL") or None)])
                             for u in udfs]  # fmt: skip
        return Outcome(records=[("Customer-PK", [("CUSTNO", custno)]),
                                ("Customer-IO", [("CUSTNO", custno), *echo_udfs])],
                       idempotency_key=soap.xref)  # fmt: skip

    # -- FCUBSAccService ----------------------------------------------------------------

    def query_account(self, soap: SoapRequest) -> Outcome:
        io = record(soap.body.find(f"{{{soap.namespace}}}Cust-Account-IO"))
        brn, acc = _text(io, "BRN"), _text(io, "ACC")
        account = self._account(acc)
        echo: Fields = [("Cust-Account-IO", [("BRN", brn), ("ACC", acc)])]
        if account is None:
            return Outcome.failure("ST-VALS-002",
                                   f"Record Not Found for Branch-{brn}:Account-{acc}",
                                   echo)  # fmt: skip
        customer = self.bank.customer(account.customer_index)
        product = self.bank.product(account.product_code)
        return Outcome.found([("Cust-Account-Full",
                               render.account_full(account, customer, product))])  # fmt: skip

    def query_balance(self, soap: SoapRequest) -> Outcome:
        ns = soap.namespace
        io = record(soap.body.find(f"{{{ns}}}ACC-Balance/{{{ns}}}ACC_BAL"))
        brn, acc = _text(io, "BRANCH_CODE"), _text(io, "CUST_AC_NO")
        account = self._account(acc)
        if account is None:
            echo: Fields = [("ACC-Balance", [("ACC_BAL", [("BRANCH_CODE", brn),
                                                          ("CUST_AC_NO", acc)])])]  # fmt: skip
            return Outcome.failure("ST-VALS-002",
                                   f"Record Not Found for Branch-{brn}:Account-{acc}",
                                   echo)  # fmt: skip
        branch = render.BRANCH_CODES[self.bank.customer(account.customer_index).branch]
        row = render.acc_bal(account, branch, self.bank.balance(account),
                             self.bank.config.as_of.isoformat())  # fmt: skip
        return Outcome.found([("ACC-Balance", [("ACC_BAL", row)])])

    def query_summary(self, soap: SoapRequest) -> Outcome:
        io = record(soap.body.find(f"{{{soap.namespace}}}Cust-Acc-Summ-IO"))
        custno = _text(io, "CUST_NO")
        customer = self._customer(custno)
        if customer is None:
            return Outcome.failure("ST-VALS-002", f"Record Not Found for Customer-{custno}",
                                   [("Cust-Acc-Summ-IO", [("CUST_NO", custno)])])  # fmt: skip
        branch = render.BRANCH_CODES[customer.branch]
        rows: Fields = [("ACC_SUMM", [("CUSTACNO", a.number), ("BRANCH_CODE", branch),
                                      ("ACCOUNT_TYPE", render.ACCOUNT_TYPES[a.family]),
                                      ("CCY", a.currency)])
                        for a in self.bank.accounts_of(customer.index)]  # fmt: skip
        return Outcome.found([("Cust-Acc-Summ-Full", [("CUST_NO", custno), *rows])])

    # -- XSCStatementService ------------------------------------------------------------

    def query_txns(self, soap: SoapRequest) -> Outcome:
        query = record(soap.body.find(f"{{{soap.namespace}}}Acc-Txn-Query"))
        acc = _text(query, "ACC")
        account = self._account(acc)
        if account is None:
            return Outcome.failure("ST-VALS-002", f"Record Not Found for Account-{acc}",
                                   [("Acc-Txn-Query", [("ACC", acc)])])  # fmt: skip
        try:
            low = date.fromisoformat(_text(query, "FROMDT") or "0001-01-01")
            high = date.fromisoformat(_text(query, "TODT") or "9999-12-31")
        except ValueError:
            return Outcome.failure("ST-VALS-001", "FROMDT and TODT must be yyyy-mm-dd dates")
        zone = bank_zone(self.zone)
        branch = render.BRANCH_CODES[self.bank.customer(account.customer_index).branch]
        postings = [p for p in self.bank.postings(account)
                    if low <= p.booked_at.astimezone(zone).date() <= high]  # fmt: skip
        rows: Fields = [("Acc-Txn-Full", render.txn_row(p, account, branch, self.zone))
                        for p in postings]  # fmt: skip
        return _page(rows, [p.id for p in postings], query)

    # -- XSCEngagementService -----------------------------------------------------------

    def _create(self, soap: SoapRequest, block: str, key: str, kind: str) -> Outcome:
        full = record(soap.body.find(f"{{{soap.namespace}}}{block}"))
        ident, custno = _text(full, key), _text(full, "CUSTNO")
        echo: Fields = [(block, [(k, v if isinstance(v, str) else None) for k, v in full.items()])]
        if self._customer(custno) is None:
            return Outcome.failure("ST-VALS-002", f"Record Not Found for Customer-{custno}", echo)
        with self.mock.store.lock:
            if self.mock.store.get(kind, ident) is not None:
                return Outcome.failure("XSC-DUP-001", f"Record already exists: {key} {ident}", echo)
            stamp = render.stamp(self._now(), self.zone)
            self.mock.store.put(kind, ident, {**full, "MAKER": "XSELLUSR", "MAKERSTAMP": stamp})
        kept = [(k, v if isinstance(v, str) else None) for k, v in full.items()
                if k not in {"MAKER", "MAKERSTAMP"}]  # fmt: skip
        saved: Fields = [(block, [*kept, ("MAKER", "XSELLUSR"), ("MAKERSTAMP", stamp)])]
        return Outcome(records=saved, warnings=[("XSC-SAV-001", "Record Successfully Saved")],
                       created=(f"{kind}:{ident}",), idempotency_key=soap.xref)  # fmt: skip

    def _now(self) -> Any:
        from datetime import UTC, datetime

        return datetime.now(UTC)

    def create_offer(self, soap: SoapRequest) -> Outcome:
        return self._create(soap, "Offer-Full", "OFFER_ID", "offer")

    def create_audit(self, soap: SoapRequest) -> Outcome:
        return self._create(soap, "Ai-Audit-Full", "AUDIT_ID", "audit")

    def query_classes(self, soap: SoapRequest) -> Outcome:
        query = record(soap.body.find(f"{{{soap.namespace}}}Acc-Class-Query"))
        rows: Fields = [("Acc-Class-Full", render.acc_class(p)) for p in self.bank.products]
        return _page(rows, [p.code for p in self.bank.products], query)

    def query_directory(self, soap: SoapRequest) -> Outcome:
        query = record(soap.body.find(f"{{{soap.namespace}}}Cust-Dir-Query"))
        customers = list(self.bank.customers())
        rows: Fields = [("Cust-Dir-Full", [("CUSTNO", c.number),
                                           ("LBRN", render.BRANCH_CODES[c.branch])])
                        for c in customers]  # fmt: skip
        return _page(rows, [c.number for c in customers], query)
