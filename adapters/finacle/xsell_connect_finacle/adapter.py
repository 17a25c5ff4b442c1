"""``FinacleAdapter``: xsell-connect's primitives over Finacle Integrator FIXML (finacle.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Self

import httpx

from xsell_connect.adapter import Capability, CoreBankingAdapter, Page, PageRequest
from xsell_connect.errors import ConfigurationError, RequestRejectedError
from xsell_connect.models import (
    Account,
    AuditRecord,
    CanonicalEvent,
    LedgerEntry,
    NextBestAction,
    Offer,
    Party,
    Product,
    WriteReceipt,
)

from . import writeback
from ._ledger_fast import ledger_entries
from .catalog import to_products
from .client import FinacleClient
from .details import DETAIL_SERVICES, with_terms
from .events import parse_alert
from .fixml import Q, fill
from .mapping import record, to_account, to_party
from .settings import FinacleSettings

__all__ = ["FinacleAdapter"]

logger = logging.getLogger("xsell_connect_finacle")
_LAST_N = "getLastNTransactionsWithPagination"


@dataclass(frozen=True)
class _AccountRef:
    acid: str
    branch: str
    currency: str


def _token(token: str | None, default_rows: int) -> tuple[int, int]:
    if token is None:
        return default_rows, 0
    rows, sep, offset = token.partition(":")
    if not sep or not rows.isdigit() or not offset.isdigit():
        raise ConfigurationError(f"not a Finacle page token: {token!r}")
    return int(rows), int(offset)


class FinacleAdapter(CoreBankingAdapter):
    """The Finacle adapter. Build it with :meth:`from_settings`.

    Parties are retail CIFs (``RetCustInq``; the walk pages through the bank script
    ``XSELL_CUST_LIST.scr``), accounts are ``RetCustAcctInq`` rows with ``BalInq``
    balances, the ledger is ``getLastNTransactionsWithPagination``, the catalog is the
    bank's static scheme table, and writes go through the ``XSELL_*.scr`` scripts
    (project conventions, see the README).
    """

    platform: ClassVar[str] = "finacle"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability)

    def __init__(self, settings: FinacleSettings, client: FinacleClient) -> None:
        self.settings = settings
        self.client = client
        self.schemes = {s.schm_code: s for s in settings.schemes()}
        self._accounts: dict[str, _AccountRef] = {}
        self._party_codes = {code: "party" for code in settings.not_found_party_codes}
        self._account_codes = {code: "account" for code in settings.not_found_account_codes}

    @classmethod
    def from_settings(
        cls,
        settings: Any = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> Self:
        """The adapter for ``settings`` (``FinacleSettings``, a mapping, or None: environment)."""
        built = FinacleSettings.build(settings)
        return cls(built, FinacleClient(built, transport=transport, sleep=sleep))

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- read ---------------------------------------------------------------------------

    async def get_party(self, party_id: str) -> Party:
        reply = await self.client.call(
            "RetCustInq",
            lambda body: fill(body, "RetCustInqRequest/RetCustInqRq", [("CustId", party_id)]),
            operation="get_party",
            not_found=self._party_codes,
            ident=party_id,
        )
        rs = reply.business("RetCustInqResponse/RetCustInqRs")
        if rs is None:
            raise RequestRejectedError("get_party: SUCCESS reply without RetCustInqRs")
        return to_party(rs, person_codes=self.settings.person_constitution_codes)

    async def list_parties(self, page: PageRequest | None = None) -> Page[Party]:
        """Customers page by page through ``XSELL_CUST_LIST.scr``; the token is the page
        number. Finacle has no public customer listing (project convention)."""
        page = page or PageRequest(size=self.settings.page_size)
        number = int(page.token) if page.token and page.token.isdigit() else 1
        params = [("PageNo", str(number)), ("PageSize", str(page.size))]
        reply = await self.client.call(
            "executeFinacleScript",
            writeback.script_body(writeback.LIST_SCRIPT, params),
            operation="list_parties",
        )
        writeback.script_outcome(
            reply, writeback.LIST_SCRIPT, party_id="", not_found_codes=frozenset()
        )
        ids, more = writeback.listed_ids(reply)
        parties = tuple([await self.get_party(cust) for cust in ids])
        return Page(parties, PageRequest(str(number + 1), page.size) if more else None)

    async def list_accounts(self, party_id: str) -> tuple[Account, ...]:
        """``RetCustAcctInq``, then ``BalInq`` for each account (an unknown CIF is NotFound)."""
        reply = await self.client.call(
            "RetCustAcctInq",
            lambda body: fill(
                body, "RetCustAcctInqRequest/RetCustAcctInqRq", [("CustId", party_id)]
            ),
            operation="list_accounts",
            not_found=self._party_codes,
            ident=party_id,
        )
        rs = reply.business("RetCustAcctInqResponse/RetCustAcctInqRs")
        sales = record(rs).get("RetSaleDtls", []) if rs is not None else []
        accounts = []
        for sale in sales:
            acid = str(sale.get("AcctId", "")).strip()
            balance = await self._balances(acid)
            account = await self._with_terms(to_account(sale, balance, party_id, self.schemes))
            self._accounts[acid] = _AccountRef(
                acid, str(sale.get("AcctBranchCode", "")).strip(), account.currency
            )
            accounts.append(account)
        logger.debug("finacle list_accounts accounts=%d", len(accounts))
        return tuple(accounts)

    async def _with_terms(self, account: Account) -> Account:
        """The rate, principal and maturity from ``ODAcctInq`` / ``TDAcctInq`` / ``LoanAcctInq``."""
        known = DETAIL_SERVICES.get(str(account.extra.get("schm_type") or ""))
        if known is None:
            return account
        service, id_block = known
        reply = await self.client.call(
            service,
            lambda body: fill(
                body, f"{service}Request/{service}Rq/{id_block}", [("AcctId", account.id)]
            ),
            operation="list_accounts",
            not_found=self._account_codes,
            ident=account.id,
        )
        rs = reply.business(f"{service}Response/{service}Rs")
        return with_terms(account, service, rs) if rs is not None else account

    async def _balances(self, acid: str) -> dict[str, Any]:
        reply = await self.client.call(
            "BalInq",
            lambda body: fill(body, "BalInqRequest/BalInqRq/AcctId", [("AcctId", acid)]),
            operation="balance_inquiry",
            not_found=self._account_codes,
            ident=acid,
        )
        rs = reply.business("BalInqResponse/BalInqRs")
        return record(rs) if rs is not None else {}

    async def _account(self, acid: str) -> _AccountRef:
        known = self._accounts.get(acid)
        if known is None:
            ident = record_of(await self._balances(acid), "AcctId")
            branch = str(record_of(ident, "BankInfo").get("BranchId", "")).strip()
            known = _AccountRef(acid, branch, str(ident.get("AcctCurr", "")).strip().upper())
            self._accounts[acid] = known
        return known

    async def _statement(self, ref: _AccountRef, rows: int) -> tuple[list[LedgerEntry], bool]:
        def body(b: Any) -> None:
            request = fill(b, f"{_LAST_N}Request/PaginatedAccountTransactionList")
            fill(request, "accountListElement", [("acid", ref.acid), ("branchId", ref.branch)])
            fill(request, "lastNTransactions").text = str(rows)

        reply = await self.client.call(
            _LAST_N,
            body,
            operation="list_ledger_entries",
            not_found=self._account_codes,
            ident=ref.acid,
        )
        statement = reply.business(f"{_LAST_N}Response/PaginatedAccountStatement")
        if statement is None:
            return [], False
        more = (statement.findtext(f"{Q}hasMoreData") or "").strip().upper() == "Y"
        return ledger_entries(statement, ref.acid, ref.currency, self.settings.zone), more

    async def list_ledger_entries(
        self,
        account_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        page: PageRequest | None = None,
    ) -> Page[LedgerEntry]:
        """One page of the account's postings in ``[since, until]``, oldest first.

        ``getLastNTransactionsWithPagination`` returns the newest N rows and
        ``hasMoreData``; how a bank continues past them is not public (reference §2.3).
        So the adapter asks for N rows and doubles N until the oldest row predates
        ``since`` or ``hasMoreData`` is ``N`` (at most ``statement_rows_max``), then pages
        the window itself. The token is ``"<N>:<offset>"``, so later pages ask once.
        """
        page = page or PageRequest(size=self.settings.page_size)
        rows_wanted, offset = _token(page.token, max(self.settings.statement_rows, page.size))
        ref = await self._account(account_id)
        while True:
            entries, more = await self._statement(ref, rows_wanted)
            reached = since is not None and bool(entries) and _stamp(entries[0]) < since
            if not more or reached:
                break
            if rows_wanted >= self.settings.statement_rows_max:
                raise RequestRejectedError(
                    f"list_ledger_entries: the window needs more than {rows_wanted} rows; "
                    "use the bank's backfill script for deeper history"
                )
            rows_wanted = min(rows_wanted * 2, self.settings.statement_rows_max)
        window = [
            e
            for e in entries
            if (since is None or _stamp(e) >= since) and (until is None or _stamp(e) <= until)
        ]
        chunk = tuple(window[offset : offset + page.size])
        following = offset + len(chunk)
        token = PageRequest(f"{rows_wanted}:{following}", page.size)
        return Page(chunk, token if following < len(window) else None)

    async def list_products(self, page: PageRequest | None = None) -> Page[Product]:
        """The bank's static scheme table (Finacle has no catalogue inquiry service)."""
        page = page or PageRequest(size=self.settings.page_size)
        products = [p for s in self.schemes.values() for p in to_products(s)]
        offset = int(page.token) if page.token and page.token.isdigit() else 0
        chunk = tuple(products[offset : offset + page.size])
        following = offset + len(chunk)
        return Page(
            chunk, PageRequest(str(following), page.size) if following < len(products) else None
        )

    # -- events -------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[CanonicalEvent]:
        return parse_alert(body, source=self.event_source, tz=self.settings.zone)

    def parse_message(self, properties: Mapping[str, Any], body: bytes) -> list[CanonicalEvent]:
        return parse_alert(body, source=self.event_source, tz=self.settings.zone)

    # -- write --------------------------------------------------------------------------

    async def _script(
        self, operation: str, script: str, params: writeback.Params, party_id: str, key: str
    ) -> str:
        reply = await self.client.call(
            "executeFinacleScript",
            writeback.script_body(script, params),
            operation=operation,
            idempotency_key=key,
            not_found=self._party_codes,
            ident=party_id,
        )
        return writeback.script_outcome(
            reply, script, party_id=party_id, not_found_codes=self.settings.not_found_party_codes
        )

    async def write_offer(self, offer: Offer, *, idempotency_key: str) -> WriteReceipt:
        params = writeback.offer_params(offer, idempotency_key)
        ref = await self._script(
            "write_offer", writeback.OFFER_SCRIPT, params, offer.party_id, idempotency_key
        )
        return WriteReceipt(
            operation="offer",
            party_id=offer.party_id,
            reference=ref,
            idempotency_key=idempotency_key,
        )

    async def set_next_best_action(
        self, nba: NextBestAction, *, idempotency_key: str
    ) -> WriteReceipt:
        params = writeback.nba_params(nba, idempotency_key)
        ref = await self._script(
            "set_next_best_action", writeback.NBA_SCRIPT, params, nba.party_id, idempotency_key
        )
        return WriteReceipt(
            operation="next_best_action",
            party_id=nba.party_id,
            reference=ref,
            idempotency_key=idempotency_key,
        )

    async def write_audit_record(
        self, record: AuditRecord, *, idempotency_key: str
    ) -> WriteReceipt:
        params = writeback.audit_params(record)
        ref = await self._script(
            "write_audit_record", writeback.AUDIT_SCRIPT, params, record.party_id, idempotency_key
        )
        return WriteReceipt(
            operation="audit_record",
            party_id=record.party_id,
            reference=ref,
            idempotency_key=idempotency_key,
        )


def _stamp(entry: LedgerEntry) -> datetime:
    if entry.booked_at is not None:
        return entry.booked_at
    return datetime.combine(entry.booking_date, datetime.min.time()).astimezone()


def record_of(parent: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}
