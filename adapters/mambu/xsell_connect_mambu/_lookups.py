"""What the adapter reads once and keeps: client keys, the product catalog, account kinds.

Mambu resolves a path id to either the ``id`` or the ``encodedKey``, but bodies and search
filters want the ``encodedKey`` (``taskLinkKey``, ``ownerKey``, ``parentAccountKey``), and
accounts point at their product only by key. These are stable for a record's lifetime, so
one adapter instance caches them: the catalog whole (it is small), client keys and accounts
in bounded LRU caches, because a backfill meets every client and account of the bank once
and an unbounded cache would grow with the bank (~350 bytes an account, measured).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from xsell_connect.errors import MappingError, NotFoundError
from xsell_connect.mapping import RecordReader
from xsell_connect.models import ProductFamily

from ._codes import Codes
from .client import MambuClient
from .mapping import AccountKind

__all__ = ["CACHE_SIZE", "COLLECTIONS", "AccountRef", "Lookups", "LruCache", "path_id"]

PLATFORM = "mambu"
COLLECTIONS: dict[AccountKind, str] = {"deposit": "deposits", "loan": "loans"}
#: Client keys and accounts kept per adapter: far more than the parties a sync or a
#: pipeline has in flight, a few MB at most.
CACHE_SIZE = 4096

V = TypeVar("V")


def path_id(ident: str) -> str:
    """An id or key as one path segment."""
    return quote(ident, safe="")


class LruCache(Generic[V]):
    """At most ``size`` values by string key; the least recently used goes first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, V] = OrderedDict()

    def get(self, key: str) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def __setitem__(self, key: str, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class AccountRef:
    """What reading an account's ledger needs: its kind, id, key, currency and family."""

    kind: AccountKind
    id: str
    key: str
    currency: str | None
    family: ProductFamily


class Lookups:
    """Cached reads for one adapter instance."""

    def __init__(self, client: MambuClient, page_size: int) -> None:
        self.client = client
        self.page_size = page_size
        self.products: dict[str, Mapping[str, Any]] = {}
        self.accounts: LruCache[AccountRef] = LruCache()
        #: Party id (or key) -> the client's (id, encodedKey), from any client record read.
        self.clients: LruCache[tuple[str, str]] = LruCache()
        self._catalog_loaded = False

    async def client_record(
        self, party_id: str, *, full: bool, operation: str, retry: bool = True
    ) -> dict[str, Any]:
        """``GET /clients/{id}`` (``detailsLevel=FULL`` when ``full``); 404 → NotFoundError."""
        try:
            raw = await self.client.get(
                f"/clients/{path_id(party_id)}",
                params={"detailsLevel": "FULL"} if full else None,
                operation=operation,
                retry=retry,
            )
        except NotFoundError as exc:
            raise NotFoundError("party", party_id, response=exc.response) from exc
        if not isinstance(raw, dict):
            raise MappingError("a client is a JSON object", raw=raw, platform=PLATFORM)
        self.remember_client(raw, party_id)
        return raw

    def remember_client(self, raw: Any, party_id: str | None = None) -> None:
        """Keep a client record's id and key (a listed client: by its id)."""
        ident, key = raw.get("id"), raw.get("encodedKey")
        if isinstance(ident, str) and isinstance(key, str):
            self.clients[party_id or ident] = (ident, key)

    async def client_ref(self, party_id: str, *, operation: str) -> tuple[str, str]:
        """The client's ``id`` and ``encodedKey``, read once (while they stay in the cache).

        A client met in a listing is not read again: a backfill lists every client, then
        asks for each one's accounts, which would cost one more request per client.
        """
        known = self.clients.get(party_id)
        if known is None:
            reader = RecordReader(
                await self.client_record(party_id, full=False, operation=operation),
                platform=PLATFORM,
            )
            known = reader.req_text("id"), reader.req_text("encodedKey")
        return known

    async def client_key(self, party_id: str, *, operation: str) -> str:
        """The client's ``encodedKey`` (see :meth:`client_ref`)."""
        return (await self.client_ref(party_id, operation=operation))[1]

    async def walk(self, path: str, params: Mapping[str, Any], *, operation: str) -> list[Any]:
        """Every row of a GET list, page by page until a short page."""
        rows: list[Any] = []
        while True:
            batch = await self.client.get_list(
                path, params=params, offset=len(rows), limit=self.page_size, operation=operation
            )
            rows.extend(batch)
            if len(batch) < self.page_size:
                return rows

    async def ensure_product(self, kind: AccountKind, account: Any) -> None:
        """Put the account's product in ``products`` (the catalog is read once)."""
        key = account.get("productTypeKey") if isinstance(account, dict) else None
        if not isinstance(key, str) or key in self.products:
            return
        if not self._catalog_loaded:
            for name in COLLECTIONS:
                for row in await self.walk(f"/{name}products", {}, operation="list_products"):
                    if isinstance(row, dict) and isinstance(row.get("encodedKey"), str):
                        self.products[row["encodedKey"]] = row
            self._catalog_loaded = True
        if key in self.products:
            return
        try:  # a product created since the catalog was read
            row = await self.client.get(f"/{kind}products/{path_id(key)}", operation="get_product")
        except NotFoundError:
            return  # to_account reports the unknown product, with the raw account
        if isinstance(row, dict):
            self.products[key] = row

    async def account(self, account_id: str) -> AccountRef:
        """Deposit or loan, resolved once: ``GET /deposits/{id}``, then ``GET /loans/{id}``.

        Raises:
            NotFoundError: ``("account", account_id)`` when neither has it.
        """
        known = self.accounts.get(account_id)
        if known is not None:
            return known
        for kind, collection in COLLECTIONS.items():
            try:
                raw = await self.client.get(
                    f"/{collection}/{path_id(account_id)}", operation=f"get_{kind}"
                )
            except NotFoundError:
                continue
            r = RecordReader(raw, platform=PLATFORM)
            if kind == "deposit":
                family = r.code("accountType", Codes.DEPOSIT_FAMILY)[0]
            else:
                await self.ensure_product(kind, raw)
                product = self.products.get(r.text("productTypeKey") or "", {})
                family = Codes.loan_family(product.get("type"), product.get("category"))[0]
            currency = r.text("currencyCode") or r.obj("currency").text("code")
            ref = AccountRef(kind, r.req_text("id"), r.req_text("encodedKey"), currency, family)
            self.accounts[account_id] = self.accounts[ref.id] = ref
            return ref
        raise NotFoundError("account", account_id)

    def remember(self, ref: AccountRef) -> None:
        """Keep an account met while listing a party's accounts."""
        self.accounts[ref.id] = ref
