"""``FlexcubeAdapter``: xsell-connect's primitives over the FCUBS SOAP gateway (reference:
flexcube.md). Parties are CIFs (``CUSTNO``), accounts come from ``QueryAccSumm`` then
``QueryCustAcc`` + ``QueryAccBal``, the ledger from the bank's ``XSCStatementService``,
the catalog and the directory of customers, offers and audit rows from its
``XSCEngagementService`` (project conventions), the Next_Best_Action from customer UDFs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self

import httpx

from xsell_connect.adapter import Capability, CoreBankingAdapter, Page, PageRequest
from xsell_connect.errors import ConfigurationError, ConflictError
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

from . import events, writeback
from .client import DUPLICATE, FlexcubeClient
from .mapping import to_account, to_ledger_entry, to_party, to_product
from .settings import FlexcubeSettings

__all__ = ["FlexcubeAdapter"]

logger = logging.getLogger("xsell_connect_flexcube")
_CUSTOMER, _ACC = "FCUBSCustomerService", "FCUBSAccService"
_STATEMENT, _ENGAGEMENT = "XSCStatementService", "XSCEngagementService"


def _rows(body: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    value = body.get(name) or []
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]


class FlexcubeAdapter(CoreBankingAdapter):
    """The FLEXCUBE adapter. Build it with :meth:`from_settings`."""

    platform: ClassVar[str] = "flexcube"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability) - {
        Capability.PARSE_WEBHOOK  # FCUBS pushes JMS notifications, never webhooks
    }

    def __init__(
        self,
        settings: FlexcubeSettings,
        client: FlexcubeClient,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.client = client
        self._now = now
        self._branches: dict[str, str] = {}

    @classmethod
    def from_settings(
        cls,
        settings: Any = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> Self:
        """The adapter for ``settings`` (``FlexcubeSettings``, a mapping, or None: environment)."""
        if settings is None:
            settings = FlexcubeSettings()
        elif isinstance(settings, Mapping):
            settings = FlexcubeSettings(**settings)
        if not isinstance(settings, FlexcubeSettings):
            raise ConfigurationError(f"expected FlexcubeSettings, got {type(settings).__name__}")
        return cls(settings, FlexcubeClient(settings, transport=transport, sleep=sleep), now=now)

    async def aclose(self) -> None:
        await self.client.aclose()

    @property
    def _udf_names(self) -> tuple[str, str, str, str]:
        s = self.settings
        return (s.nba_udf, s.score_udf, s.expiry_udf, s.offer_ref_udf)

    # -- read ---------------------------------------------------------------------------

    async def get_party(self, party_id: str) -> Party:
        body = await self.client.call(_CUSTOMER, "QueryCustomerIO",
                                      {"Customer-IO": {"CUSTNO": party_id}},
                                      kind="customer", ident=party_id)  # fmt: skip
        return to_party(body.get("Customer-Full") or {}, nba_udfs=self._udf_names)

    async def _paged(
        self, operation: str, query: str, rows: str, page: PageRequest | None
    ) -> tuple[list[dict[str, Any]], PageRequest | None]:
        page = page or PageRequest(size=self.settings.page_size)
        body = await self.client.call(
            _ENGAGEMENT, operation, {query: {"MAXROWS": page.size, "NEXTKEY": page.token or ""}},
            kind=operation, ident="",
        )  # fmt: skip
        following = body.get("NEXTKEY") if body.get("MORE") == "Y" else None
        return _rows(body, rows), PageRequest(following, page.size) if following else None

    async def list_parties(self, page: PageRequest | None = None) -> Page[Party]:
        """The directory page (``QueryCustDirIO``), then ``QueryCustomerIO`` per CIF."""
        rows, following = await self._paged("QueryCustDirIO", "Cust-Dir-Query", "Cust-Dir-Full",
                                            page)  # fmt: skip
        parties = [await self.get_party(str(row["CUSTNO"])) for row in rows]
        return Page(tuple(parties), following)

    async def list_accounts(self, party_id: str) -> tuple[Account, ...]:
        body = await self.client.call(_ACC, "QueryAccSummIO",
                                      {"Cust-Acc-Summ-IO": {"CUST_NO": party_id}},
                                      kind="customer", ident=party_id)  # fmt: skip
        accounts = []
        for row in _rows(body.get("Cust-Acc-Summ-Full") or {}, "ACC_SUMM"):
            acc, brn = str(row["CUSTACNO"]), str(row["BRANCH_CODE"])
            full = await self.client.call(_ACC, "QueryCustAccIO",
                                          {"Cust-Account-IO": {"BRN": brn, "ACC": acc}},
                                          kind="account", ident=acc)  # fmt: skip
            bal = await self.client.call(
                _ACC, "QueryAccBalIO",
                {"ACC-Balance": {"ACC_BAL": {"BRANCH_CODE": brn, "CUST_AC_NO": acc}}},
                kind="account", ident=acc,
            )  # fmt: skip
            balances = _rows(bal.get("ACC-Balance") or {}, "ACC_BAL")
            account = to_account(row, full.get("Cust-Account-Full") or {},
                                 balances[0] if balances else {})  # fmt: skip
            self._branches[account.id] = brn
            accounts.append(account)
        logger.debug("flexcube list_accounts party=%s accounts=%d", party_id, len(accounts))
        return tuple(accounts)

    async def list_ledger_entries(
        self,
        account_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        page: PageRequest | None = None,
    ) -> Page[LedgerEntry]:
        """``QueryAccTxnsIO`` by whole days in the bank's zone, then cut to ``[since, until]``
        on each row's TRN_DTTM; the token is the statement's NEXTKEY."""
        page = page or PageRequest(size=self.settings.page_size)
        tz = self.settings.tz
        query: dict[str, Any] = {"BRN": self._branches.get(account_id), "ACC": account_id,
                                 "FROMDT": since.astimezone(tz).date() if since else None,
                                 "TODT": until.astimezone(tz).date() if until else None,
                                 "MAXROWS": page.size, "NEXTKEY": page.token or ""}  # fmt: skip
        body = await self.client.call(_STATEMENT, "QueryAccTxnsIO", {"Acc-Txn-Query": query},
                                      kind="account", ident=account_id)  # fmt: skip
        entries = [to_ledger_entry(row, tz) for row in _rows(body, "Acc-Txn-Full")]
        low, high = (
            since or datetime.min.replace(tzinfo=UTC),
            until or datetime.max.replace(tzinfo=UTC),
        )
        kept = tuple(e for e in entries if e.booked_at is None or low <= e.booked_at <= high)
        following = body.get("NEXTKEY") if body.get("MORE") == "Y" else None
        return Page(kept, PageRequest(following, page.size) if following else None)

    async def list_products(self, page: PageRequest | None = None) -> Page[Product]:
        rows, following = await self._paged("QueryAccClassIO", "Acc-Class-Query",
                                            "Acc-Class-Full", page)  # fmt: skip
        return Page(tuple(to_product(row) for row in rows), following)

    # -- events -------------------------------------------------------------------------

    def parse_message(self, properties: Mapping[str, Any], body: bytes) -> list[CanonicalEvent]:
        return events.parse_notification(body, codes=self.settings.notifications,
                                         source=self.event_source, now=self._now)  # fmt: skip

    # -- write --------------------------------------------------------------------------

    async def _create(
        self, kind: Literal["offer", "audit_record"], operation: str, block: str,
        record: dict[str, Any], ident: str, *, party_id: str, idempotency_key: str,
    ) -> WriteReceipt:  # fmt: skip
        """Create one row; a retry that finds the row already written (XSC-DUP-001) is the
        same success, so a lost answer never creates a second row."""
        try:
            await self.client.call(_ENGAGEMENT, operation, {block: record}, kind="customer",
                                   ident=party_id, xref=idempotency_key)  # fmt: skip
        except ConflictError as exc:
            if DUPLICATE not in exc.vendor_codes:
                raise
        logger.info("flexcube %s party=%s ref=%s", operation, party_id, ident)
        return WriteReceipt(operation=kind, party_id=party_id, reference=ident,
                            idempotency_key=idempotency_key)  # fmt: skip

    async def write_offer(self, offer: Offer, *, idempotency_key: str) -> WriteReceipt:
        return await self._create("offer", "CreateOfferFS", "Offer-Full",
                                  writeback.offer_full(offer, self.settings.tz), offer.id,
                                  party_id=offer.party_id,
                                  idempotency_key=idempotency_key)  # fmt: skip

    async def set_next_best_action(
        self, nba: NextBestAction, *, idempotency_key: str
    ) -> WriteReceipt:
        """``ModifyCustomerIO`` with the NBA UDFs: setting values is idempotent by nature."""
        body = await self.client.call(
            _CUSTOMER, "ModifyCustomerIO",
            {"Customer-IO": writeback.nba_customer_io(nba, self._udf_names)},
            kind="customer", ident=nba.party_id, xref=idempotency_key,
        )  # fmt: skip
        pk = body.get("Customer-PK") or {}
        logger.info("flexcube set_next_best_action party=%s", nba.party_id)
        return WriteReceipt(operation="next_best_action", party_id=nba.party_id,
                            reference=str(pk.get("CUSTNO") or nba.party_id),
                            idempotency_key=idempotency_key)  # fmt: skip

    async def write_audit_record(
        self, record: AuditRecord, *, idempotency_key: str
    ) -> WriteReceipt:
        return await self._create("audit_record", "CreateAiAuditFS", "Ai-Audit-Full",
                                  writeback.audit_full(record, self.settings.tz),
                                  record.audit_id, party_id=record.party_id,
                                  idempotency_key=idempotency_key)  # fmt: skip
