"""``TemenosAdapter``: xsell-connect's primitives over Transact's provider APIs (temenos.md)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self
from urllib.parse import quote

import httpx

from xsell_connect.adapter import (
    Capability,
    CoreBankingAdapter,
    Page,
    PageRequest,
    is_first_attempt,
)
from xsell_connect.errors import (
    ConfigurationError,
    ConflictError,
    NotFoundError,
    RequestRejectedError,
)
from xsell_connect.http.retry import retry_call
from xsell_connect.mapping import RecordReader
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
from .client import NoRecordsFound, TemenosClient
from .mapping import canonical_product_code, to_account, to_ledger_entry, to_party, to_product
from .settings import TemenosSettings

__all__ = ["TemenosAdapter"]

logger = logging.getLogger("xsell_connect_temenos")

#: Customer records kept for the Next_Best_Action update (``record_reuse_seconds``).
_RECORDS_KEPT = 2048


def _seg(value: str) -> str:
    return quote(value, safe="")


class TemenosAdapter(CoreBankingAdapter):
    """The Temenos Transact adapter. Build it with :meth:`from_settings`.

    Parties are ``party/customers``, accounts ``holdings/customers/{id}/accounts``, the
    ledger ``holdings/transactions`` (``listType=SEARCH``), the catalog the Product Builder.
    Offers are customer adverts, the Next_Best_Action lives in the customer's
    ``extensions`` and audit rows are contact history (see the README).

    A customer record read (``get_party``) is kept for ``record_reuse_seconds`` as the base
    of a Next_Best_Action update that follows: the update reads the record again only if
    the core refuses its ``versionNumber`` (the record changed meanwhile).
    """

    platform: ClassVar[str] = "temenos"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability)

    def __init__(
        self,
        settings: TemenosSettings,
        client: TemenosClient,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.client = client
        self.conventions = settings.conventions
        self._now = now
        self._sleep = sleep
        self._monotonic = time.monotonic
        # party → (read at, record, versionNumber), newest last
        self._records: OrderedDict[str, tuple[float, dict[str, Any], str | None]] = OrderedDict()

    @classmethod
    def from_settings(
        cls,
        settings: Any = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> Self:
        """The adapter for ``settings`` (``TemenosSettings``, a mapping, or None: environment)."""
        if settings is None:
            settings = TemenosSettings()
        elif isinstance(settings, Mapping):
            settings = TemenosSettings(**settings)
        if not isinstance(settings, TemenosSettings):
            raise ConfigurationError(f"expected TemenosSettings, got {type(settings).__name__}")
        client = TemenosClient(settings, transport=transport, sleep=sleep)
        return cls(settings, client, now=now, sleep=sleep)

    async def aclose(self) -> None:
        await self.client.aclose()

    def _path(self, resource: str, rest: str) -> str:
        return self.settings.path(resource, rest)

    # -- read ---------------------------------------------------------------------------

    async def _customer(self, party_id: str, operation: str) -> tuple[dict[str, Any], str | None]:
        """The single customer record and its ``versionNumber``; missing → NotFoundError."""
        path = self._path("customers", f"party/customers/{_seg(party_id)}")
        try:
            header, body = await self.client.get(path, operation=operation)
        except (NotFoundError, NoRecordsFound) as exc:
            raise NotFoundError("party", party_id) from exc
        if not isinstance(body, dict):
            raise RecordReader(body, platform=self.platform).error("body is not an object")
        audit = header.get("audit") or {}
        version = audit.get("versionNumber")
        found = body, None if version is None else str(version)
        if self.settings.record_reuse_seconds > 0:
            self._records[party_id] = (self._monotonic(), *found)
            self._records.move_to_end(party_id)
            while len(self._records) > _RECORDS_KEPT:
                self._records.popitem(last=False)
        return found

    def _recent_record(self, party_id: str) -> tuple[dict[str, Any], str | None] | None:
        """The customer record read less than ``record_reuse_seconds`` ago, taken once."""
        kept = self._records.pop(party_id, None)
        if kept is None or self._monotonic() - kept[0] >= self.settings.record_reuse_seconds:
            return None
        return kept[1], kept[2]

    async def get_party(self, party_id: str) -> Party:
        record, _ = await self._customer(party_id, "get_party")
        return to_party(
            record,
            customer_id=party_id,
            organisation_sectors=self.conventions.organisation_sectors,
        )

    async def list_parties(self, page: PageRequest | None = None) -> Page[Party]:
        """Customers in the order of one ``page_token`` snapshot (reference §1)."""
        page = page or PageRequest(size=self.settings.page_size)
        rows, following, _ = await self.client.page(
            self._path("customers", "party/customers"), {},
            token=page.token, size=page.size, operation="list_parties",
        )  # fmt: skip
        sectors = self.conventions.organisation_sectors
        parties = tuple(to_party(row, organisation_sectors=sectors) for row in rows)
        return Page(parties, PageRequest(following, page.size) if following else None)

    async def list_accounts(self, party_id: str) -> tuple[Account, ...]:
        """Every holding of the customer; an empty enquiry checks that the customer exists."""
        rows = await self.client.walk(
            self._path("customer_accounts", f"holdings/customers/{_seg(party_id)}/accounts"),
            {},
            operation="list_accounts",
        )
        if not rows:
            await self._customer(party_id, "list_accounts")
        return tuple(to_account(row, party_id) for row in rows)

    async def list_ledger_entries(
        self,
        account_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        page: PageRequest | None = None,
    ) -> Page[LedgerEntry]:
        """One page of ``GET /holdings/transactions?listType=SEARCH`` for the account.

        Transact filters on business dates, so the window is widened to whole days in the
        bank's zone (``dateFrom`` / ``dateTo``, ``YYYY-MM-DD``). Rows come oldest first.
        An empty first page checks that the account exists (missing → NotFoundError).
        """
        page = page or PageRequest(size=self.settings.page_size)
        params = {"accountId": account_id, "listType": "SEARCH"}
        tz = self.settings.tz
        if since is not None:
            params["dateFrom"] = since.astimezone(tz).date().isoformat()
        if until is not None:
            params["dateTo"] = until.astimezone(tz).date().isoformat()
        rows, following, _ = await self.client.page(
            self._path("transactions", "holdings/transactions"), params,
            token=page.token, size=page.size, operation="list_ledger_entries",
        )  # fmt: skip
        if not rows and page.token is None:
            await self._account_exists(account_id)
        entries = tuple(to_ledger_entry(row, account_id) for row in rows)
        return Page(entries, PageRequest(following, page.size) if following else None)

    async def _account_exists(self, account_id: str) -> None:
        path = self._path("accounts", f"holdings/accounts/{_seg(account_id)}")
        try:
            await self.client.get(path, operation="get_account")
        except (NotFoundError, NoRecordsFound) as exc:
            raise NotFoundError("account", account_id) from exc

    async def list_products(self, page: PageRequest | None = None) -> Page[Product]:
        """Product Builder products (``GET /product/productDetails/products``)."""
        page = page or PageRequest(size=self.settings.page_size)
        rows, following, _ = await self.client.page(
            self._path("products", "product/productDetails/products"), {},
            token=page.token, size=page.size, operation="list_products",
        )  # fmt: skip
        products = tuple(to_product(row) for row in rows)
        return Page(products, PageRequest(following, page.size) if following else None)

    # -- events -------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[CanonicalEvent]:
        return events.parse_webhook(headers, body, now=self._now)

    def parse_message(self, properties: Mapping[str, Any], body: bytes) -> list[CanonicalEvent]:
        return events.parse_message(properties, body, now=self._now)

    # -- write --------------------------------------------------------------------------

    async def write_offer(self, offer: Offer, *, idempotency_key: str) -> WriteReceipt:
        """A customer advert, marked with a reference derived from the key."""
        reference = writeback.write_reference(idempotency_key)
        body = writeback.advert_body(offer, reference, self.conventions)
        made = await self._create(
            "offer", "adverts", "party/customers/adverts", body, offer.party_id, reference
        )
        return self._receipt("offer", offer.party_id, made, idempotency_key)

    async def write_audit_record(
        self, record: AuditRecord, *, idempotency_key: str
    ) -> WriteReceipt:
        """A contact-history row whose first note carries the key's reference."""
        reference = writeback.write_reference(idempotency_key)
        body = writeback.audit_body(record, reference, self.conventions, self.settings.company_id)
        made = await self._create(
            "audit_record", "contact_history", "party/customers/contactHistory", body,
            record.party_id, reference,
        )  # fmt: skip
        return self._receipt("audit_record", record.party_id, made, idempotency_key)

    async def _create(
        self,
        kind: Literal["offer", "audit_record"],
        resource: str,
        rest: str,
        body: dict[str, Any],
        party_id: str,
        reference: str,
    ) -> str:
        """POST once per attempt; before each attempt look for the record already made.

        A lost answer leaves the record in the core: the next attempt finds it by its
        reference instead of creating a second one.
        """
        listing = "adverts" if kind == "offer" else "contactHistory"
        first = is_first_attempt()

        async def attempt(number: int) -> str:
            try:
                # The caller's first attempt with this key: nothing to find on the first
                # try. A try after one that failed looks, whatever the caller said.
                if not first or number > 1:
                    existing = await self._find(resource, party_id, listing, reference)
                    if existing is not None:
                        return existing
                header, _ = await self.client.write(
                    "POST", self._path(resource, rest), body, operation=f"write_{kind}"
                )
            except RequestRejectedError as exc:
                if any(e.source == "customerId" for e in exc.vendor_errors):
                    raise NotFoundError("party", party_id) from exc
                raise
            made = RecordReader(header, platform=self.platform).req_text("id")
            logger.info("temenos write_%s party=%s ref=%s", kind, party_id, made)
            return made

        return await retry_call(self.client.http.retry_policy, attempt, sleep=self._sleep)

    async def _find(self, resource: str, party_id: str, listing: str, reference: str) -> str | None:
        rows = await self.client.walk(
            self._path(resource, f"party/customers/{_seg(party_id)}/{listing}"), {},
            operation=f"find_{listing}",
        )  # fmt: skip
        for row in rows:
            if isinstance(row, dict) and writeback.has_reference(row, reference, self.conventions):
                ident = row.get("opportunityId") or row.get("contactHistoryId")
                return str(ident) if ident else None
        return None

    def _receipt(self, kind: Any, party_id: str, reference: str, key: str) -> WriteReceipt:
        return WriteReceipt(
            operation=kind, party_id=party_id, reference=reference, idempotency_key=key
        )

    async def set_next_best_action(
        self, nba: NextBestAction, *, idempotency_key: str
    ) -> WriteReceipt:
        """Read the customer, PUT it back with the NBA local fields in ``extensions``.

        The PUT carries the ``versionNumber`` just read (or that of the record ``get_party``
        read less than ``record_reuse_seconds`` ago); a version conflict re-reads and
        retries once, then raises ``ConflictError``. A record freshly read that already
        holds the values is left alone, so a replay after a lost answer writes nothing.
        """
        await retry_call(
            self.client.http.retry_policy, lambda _: self._put_nba(nba), sleep=self._sleep
        )
        logger.info("temenos set_next_best_action party=%s", nba.party_id)
        return self._receipt("next_best_action", nba.party_id, nba.party_id, idempotency_key)

    async def _put_nba(self, nba: NextBestAction) -> None:
        path = self._path("customers", f"party/customers/{_seg(nba.party_id)}")
        recent = self._recent_record(nba.party_id)
        if recent is not None:
            updated = writeback.nba_record(recent[0], nba, self.conventions)
            if updated is not None:  # "already holds it" is only believed of a fresh read
                try:
                    await self.client.write(
                        "PUT", path, updated, version=recent[1], operation="set_next_best_action"
                    )
                    return
                except ConflictError:
                    logger.info("temenos set_next_best_action: record changed, reading it")
        for tries in (1, 2):
            record, version = await self._customer(nba.party_id, "set_next_best_action")
            self._records.pop(nba.party_id, None)  # about to change: not a base for later
            updated = writeback.nba_record(record, nba, self.conventions)
            if updated is None:
                return
            try:
                await self.client.write(
                    "PUT", path, updated, version=version, operation="set_next_best_action"
                )
                return
            except ConflictError as exc:
                if tries == 2:
                    raise ConflictError(
                        f"temenos: customer {nba.party_id} changed twice under the "
                        f"Next_Best_Action update (versionNumber {version}); giving up",
                        response=exc.response,
                        vendor_errors=exc.vendor_errors,
                    ) from exc
                logger.info("temenos set_next_best_action: version conflict, re-reading")

    # -- vendor extras ------------------------------------------------------------------

    async def ex_eligible_products(self, party_id: str) -> tuple[str, ...]:
        """Canonical codes of ``GET /product/customers/{id}/eligibleProducts``."""
        rows = await self.client.walk(
            self._path("products", f"product/customers/{_seg(party_id)}/eligibleProducts"), {},
            operation="eligible_products",
        )  # fmt: skip
        return tuple(
            canonical_product_code(RecordReader(row, platform=self.platform).req_text("productId"))
            for row in rows
        )

    async def ex_validate_offer(self, offer: Offer) -> None:
        """Pre-flight an advert with ``validate_only=true``: nothing is committed."""
        body = writeback.advert_body(offer, "XSVALIDATEONLY", self.conventions)
        await self.client.write(
            "POST", self._path("adverts", "party/customers/adverts"), body,
            validate_only=True, operation="validate_offer",
        )  # fmt: skip
