"""``MambuAdapter``: xsell-connect's primitives over Mambu API v2 (reference: mambu.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self

import httpx

from xsell_connect.adapter import Capability, CoreBankingAdapter, Page, PageRequest
from xsell_connect.errors import (
    ConfigurationError,
    NotFoundError,
    RetriableUpstreamError,
)
from xsell_connect.http.retry import build_retrying
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
from ._lookups import COLLECTIONS, AccountRef, Lookups, path_id
from .client import MambuClient, search_body
from .mapping import AccountKind, to_account, to_ledger_entry, to_party, to_product
from .settings import MambuSettings

__all__ = ["MambuAdapter"]

logger = logging.getLogger("xsell_connect_mambu")
_PRODUCT_TOKENS: dict[str, AccountKind] = {"d": "deposit", "l": "loan"}
#: Lower bound of a window given only its end (Mambu's BETWEEN needs both values).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    if not token.isdigit():
        raise ConfigurationError(f"not a Mambu page token: {token!r}")
    return int(token)


class MambuAdapter(CoreBankingAdapter):
    """The Mambu adapter. Build it with :meth:`from_settings`.

    Parties are clients (``id`` = client id), accounts are deposits and loans, the ledger
    is their transactions, the catalog is deposit and loan products. Offers are Tasks,
    the Next_Best_Action is the client's ``_xsell`` custom-field set, audit rows are
    Comments (project conventions, see the README).
    """

    platform: ClassVar[str] = "mambu"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(Capability)

    def __init__(
        self,
        settings: MambuSettings,
        client: MambuClient,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.client = client
        self.conventions = settings.conventions
        self._now = now
        self.lookups = Lookups(client, settings.page_size)

    @classmethod
    def from_settings(
        cls,
        settings: Any = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> Self:
        """The adapter for ``settings`` (``MambuSettings``, a mapping, or None: environment).

        Args:
            settings: the tenant's settings; None reads ``XSELL_MAMBU_*`` variables.
            transport: an ``httpx`` transport (the in-process mock in tests).
            sleep: how retries wait (tests pass a recorder).
            now: the clock stamping webhook events and open-ended ledger windows.
        """
        if settings is None:
            settings = MambuSettings()
        elif isinstance(settings, Mapping):
            settings = MambuSettings(**settings)
        if not isinstance(settings, MambuSettings):
            raise ConfigurationError(f"expected MambuSettings, got {type(settings).__name__}")
        return cls(settings, MambuClient(settings, transport=transport, sleep=sleep), now=now)

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- read ---------------------------------------------------------------------------

    async def get_party(self, party_id: str) -> Party:
        raw = await self.lookups.client_record(party_id, full=True, operation="get_party")
        return to_party(raw, conventions=self.conventions, tz=self.client.tz)

    async def list_parties(self, page: PageRequest | None = None) -> Page[Party]:
        """Clients by ``creationDate`` ascending: the default ``lastModifiedDate:DESC`` moves
        a client changed during the walk to the front and shifts every row after it
        (reference §6). The token is the offset; a short page is the last.
        """
        page = page or PageRequest(size=self.settings.page_size)
        offset = _offset(page.token)
        rows = await self.client.get_list(
            "/clients",
            params={"detailsLevel": "FULL", "sortBy": "creationDate:ASC"},
            offset=offset,
            limit=page.size,
            operation="list_parties",
        )
        parties = tuple(
            to_party(row, conventions=self.conventions, tz=self.client.tz) for row in rows
        )
        for row in rows:
            self.lookups.remember_client(row)
        following = PageRequest(str(offset + len(rows)), page.size)
        return Page(parties, following if len(rows) >= page.size else None)

    async def list_accounts(self, party_id: str) -> tuple[Account, ...]:
        """Deposits, then loans, held by the client (an unknown client is NotFoundError).

        The client is read first unless it was met lately (listed or read) by this adapter.
        """
        client_id, key = await self.lookups.client_ref(party_id, operation="list_accounts")
        holders = {key: client_id}
        params = {
            "accountHolderType": "CLIENT",
            "accountHolderId": client_id,
            "detailsLevel": "FULL",
        }
        accounts = []
        for kind, collection in COLLECTIONS.items():
            rows = await self.lookups.walk(f"/{collection}", params, operation=f"list_{collection}")
            for row in rows:
                await self.lookups.ensure_product(kind, row)
                account = to_account(row, kind, self.lookups.products, holders, tz=self.client.tz)
                self.lookups.remember(
                    AccountRef(
                        kind, account.id, account.source_id, account.currency, account.family
                    )
                )
                accounts.append(account)
        logger.debug("mambu list_accounts party=%s accounts=%d", party_id, len(accounts))
        return tuple(accounts)

    async def list_ledger_entries(
        self,
        account_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        page: PageRequest | None = None,
    ) -> Page[LedgerEntry]:
        """One page of the account's transactions created in ``[since, until]``, oldest first.

        ``POST /{deposits|loans}/transactions:search`` filtered on ``parentAccountKey`` and a
        ``creationDate BETWEEN`` window rendered with the tenant's offset at each bound
        (DST-aware), sorted by ``creationDate`` ascending. ``GET .../transactions`` has no
        date filter (reference §2.3). The token is the offset, and each page starts
        ``ledger_overlap`` rows (at most half a page) before the end of the previous one,
        so that rows shifted by a concurrent posting are not missed: pages overlap, and
        ``xsell_connect.sync.iter_ledger_entries`` de-duplicates on entry id.
        """
        ref = await self.lookups.account(account_id)
        page = page or PageRequest(size=self.settings.page_size)
        offset = _offset(page.token)
        filters: list[dict[str, Any]] = [
            {"field": "parentAccountKey", "operator": "EQUALS", "value": ref.key}
        ]
        if since is not None or until is not None:
            low, high = since or _EPOCH, until or self._now()
            filters.append(
                {
                    "field": "creationDate",
                    "operator": "BETWEEN",
                    "value": self.client.render(low),
                    "secondValue": self.client.render(high),
                }
            )
        rows = await self.client.search(
            f"/{COLLECTIONS[ref.kind]}/transactions:search",
            search_body(filters, sort_field="creationDate"),
            offset=offset,
            limit=page.size,
            operation="list_ledger_entries",
        )
        entries = tuple(
            to_ledger_entry(
                row, ref.kind, ref.id, family=ref.family, currency=ref.currency, tz=self.client.tz
            )
            for row in rows
        )
        if len(rows) < page.size:
            return Page(entries, None)
        overlap = min(self.settings.ledger_overlap, page.size // 2)
        return Page(entries, PageRequest(str(offset + page.size - overlap), page.size))

    async def list_products(self, page: PageRequest | None = None) -> Page[Product]:
        """Deposit products, then loan products; tokens ``d:<offset>`` and ``l:<offset>``."""
        page = page or PageRequest(size=self.settings.page_size)
        prefix, _, number = (page.token or "d:0").partition(":")
        kind = _PRODUCT_TOKENS.get(prefix)
        if kind is None:
            raise ConfigurationError(f"not a Mambu product page token: {page.token!r}")
        offset = _offset(number)
        rows = await self.client.get_list(
            f"/{kind}products", params={}, offset=offset, limit=page.size, operation="list_products"
        )
        products = tuple(to_product(row, kind) for row in rows)
        for product, row in zip(products, rows, strict=True):
            self.lookups.products[product.source_id] = row
        if len(rows) >= page.size:
            following: str | None = f"{prefix}:{offset + len(rows)}"
        else:
            following = "l:0" if kind == "deposit" else None
        return Page(products, PageRequest(following, page.size) if following else None)

    # -- events -------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[CanonicalEvent]:
        return events.parse_webhook(headers, body, source=self.settings.base_url, now=self._now)

    def parse_message(self, properties: Mapping[str, Any], body: bytes) -> list[CanonicalEvent]:
        return events.parse_message(properties, body, source=self.settings.base_url)

    # -- write --------------------------------------------------------------------------

    async def write_offer(self, offer: Offer, *, idempotency_key: str) -> WriteReceipt:
        """A Task on the client, POSTed with an ``Idempotency-Key`` derived from the key."""
        key = await self.lookups.client_key(offer.party_id, operation="write_offer")
        return await self._create(
            "offer", "/tasks", writeback.offer_task(offer, key), "id",
            party_id=offer.party_id, idempotency_key=idempotency_key,
        )  # fmt: skip

    async def _create(
        self,
        kind: Literal["offer", "audit_record"],
        path: str,
        body: dict[str, Any],
        reference_field: str,
        *,
        party_id: str,
        idempotency_key: str,
    ) -> WriteReceipt:
        """POST one record with the derived ``Idempotency-Key`` and receipt what Mambu made."""
        operation = f"write_{kind}"
        created = await self.client.create(
            path, body, idempotency_key=idempotency_key, operation=operation
        )
        reference = RecordReader(created, platform=self.platform).req_text(reference_field)
        logger.info("mambu %s party=%s ref=%s", operation, party_id, reference)
        return WriteReceipt(
            operation=kind,
            party_id=party_id,
            reference=reference,
            idempotency_key=idempotency_key,
        )

    async def set_next_best_action(
        self, nba: NextBestAction, *, idempotency_key: str
    ) -> WriteReceipt:
        """Read the client (FULL), then PATCH ``_xsell`` with ADD or REPLACE per field.

        A PATCH leaves the same state however often it lands, so it carries no
        ``Idempotency-Key``; after a failed attempt the client is read again and the
        operations rebuilt, so a replay after a lost answer uses REPLACE where the first
        attempt added the value.
        """
        policy = self.client.http.retry_policy
        async for attempt in build_retrying(policy, sleep=self.client.sleep):
            with attempt:
                try:
                    raw = await self.lookups.client_record(
                        nba.party_id, full=True, operation="set_next_best_action", retry=False
                    )
                    ident = RecordReader(raw, platform=self.platform).req_text("id")
                    await self.client.patch(
                        f"/clients/{path_id(ident)}",
                        writeback.nba_patch(nba, raw, self.conventions),
                        operation="set_next_best_action",
                        retry=False,
                    )
                except RetriableUpstreamError as exc:
                    exc.attempts = attempt.retry_state.attempt_number
                    raise
        logger.info("mambu set_next_best_action party=%s", nba.party_id)
        return WriteReceipt(
            operation="next_best_action",
            party_id=nba.party_id,
            reference=ident,
            idempotency_key=idempotency_key,
        )

    async def write_audit_record(
        self, record: AuditRecord, *, idempotency_key: str
    ) -> WriteReceipt:
        """A Comment on the client: the audit prefix and the record's compact JSON."""
        key = await self.lookups.client_key(record.party_id, operation="write_audit_record")
        body = writeback.audit_comment(record, key, self.conventions.audit_prefix)
        return await self._create(
            "audit_record", "/comments", body, "encodedKey",
            party_id=record.party_id, idempotency_key=idempotency_key,
        )  # fmt: skip

    # -- vendor extras ------------------------------------------------------------------

    async def ex_close_offer_task(self, task_id: str) -> None:
        """Mark an offer's Task COMPLETED (on acceptance or expiry)."""
        try:
            await self.client.patch(
                f"/tasks/{path_id(task_id)}", writeback.close_task_ops(), operation="close_task"
            )
        except NotFoundError as exc:
            raise NotFoundError("task", task_id, response=exc.response) from exc

    async def ex_list_audit_records(self, party_id: str) -> tuple[dict[str, Any], ...]:
        """The AI_Interaction_Audit rows among the client's comments, in Mambu's order."""
        key = await self.lookups.client_key(party_id, operation="list_audit_records")
        rows = await self.lookups.walk(
            "/comments", {"ownerType": "CLIENT", "ownerKey": key}, operation="list_comments"
        )
        prefix = self.conventions.audit_prefix
        found = (
            writeback.parse_audit_comment(row.get("text") or "", prefix)
            for row in rows
            if isinstance(row, dict)
        )
        return tuple(row for row in found if row is not None)
