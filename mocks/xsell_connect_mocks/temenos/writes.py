"""The write side of the Transact mock: adverts, contact history, the customer update.

Every write takes ``{"header": {"override": {...}, "audit": {"versionNumber"}}, "body"}``:

- ``validate_only=true`` validates and answers ``transactionStatus: "Validated"``; nothing
  is committed;
- overrides: an advert for a product group the customer already holds stops on a
  ``Warning`` override (``AA-PRODUCT.GROUP.HELD``); tests may force others with
  ``force_overrides``. The write passes once every pending override id is echoed back in
  ``header.override.overrideDetails``;
- the customer ``PUT`` needs the current ``versionNumber`` (optimistic locking, inferred):
  a stale one gets ``errorDetails`` code ``EB-RECORD.CHANGED``; ``conflicts[cid] = n``
  answers the next ``n`` PUTs so, as if another user had committed in between. A
  committed update raises a ``customerUpdated`` business event.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from xsell_connect_mocks.bank.specs import AccountState
from xsell_connect_mocks.temenos.envelope import failed, ok, page, write_failed
from xsell_connect_mocks.temenos.render import product_id

if TYPE_CHECKING:
    from xsell_connect_mocks.temenos.app import TemenosMock

__all__ = ["WriteRoutes"]

P = "/api/v1.0.0/party/customers"
_HELD = {"id": "AA-PRODUCT.GROUP.HELD", "code": "O-10412", "type": "Warning",
         "description": "CUSTOMER ALREADY HOLDS A PRODUCT OF THIS GROUP",
         "options": ["RECEIVED", "NO"]}  # fmt: skip


def _detail(field: str, code: str, message: str) -> dict[str, str]:
    return {"fieldName": field, "code": code, "message": message, "property": field}


class WriteRoutes:
    """Write routes bound to one mock."""

    def __init__(self, mock: TemenosMock) -> None:
        self.mock = mock
        self.force_overrides: dict[str, list[dict[str, Any]]] = {}
        self.conflicts: dict[str, int] = {}
        for collection in ("adverts", "contacts"):
            mock.store.index(collection, "customerId")

    def routes(self) -> list[BaseRoute]:
        return [
            Route(f"{P}/adverts", self.create_advert, methods=["POST"]),
            Route(f"{P}/adverts/{{oid}}", self.update_advert, methods=["PUT"]),
            Route(f"{P}/contactHistory", self.create_contact, methods=["POST"]),
            Route(f"{P}/contactHistory/{{hid}}", self.contact, methods=["GET", "PUT"]),
            Route(f"{P}/{{cid}}/adverts", self.list_of("adverts"), methods=["GET"]),
            Route(f"{P}/{{cid}}/contactHistory", self.list_of("contacts"), methods=["GET"]),
            Route("/api/v4.0.0/party/customers/{cid}", self.update_customer, methods=["PUT"]),
        ]

    # -- shared ---------------------------------------------------------------------------

    async def _read(self, request: Request) -> tuple[dict[str, Any], dict[str, Any]] | Response:
        try:
            payload = json.loads(await request.body())
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("body"), dict):
            return write_failed([_detail("body", "EB-INVALID.REQUEST", "BODY IS NOT AN OBJECT")])
        header = payload.get("header")
        return (header if isinstance(header, dict) else {}), payload["body"]

    def _pending(self, header: dict[str, Any], overrides: list[dict[str, Any]]) -> Response | None:
        echoed = (header.get("override") or {}).get("overrideDetails") or []
        ids = {o.get("id") for o in echoed if isinstance(o, dict)}
        missing = [o for o in overrides if o["id"] not in ids]
        return write_failed(overrides=missing) if missing else None

    def _commit(
        self, request: Request, kind: str, collection: str, prefix: str, body: dict[str, Any]
    ) -> Response:
        if request.query_params.get("validate_only", "").lower() == "true":
            request.state.changed = False
            return ok(body, header={"transactionStatus": "Validated"})
        number = self.mock.store.next_id(collection)
        ident = f"{prefix}{number:08d}"
        key = "opportunityId" if kind == "advert" else "contactHistoryId"
        record = {key: ident, **body}
        self.mock.store.put(collection, ident, record)
        request.state.created = (f"{kind}:{ident}",)
        header = {"id": ident, "transactionStatus": "Live", "uniqueIdentifier": ident,
                  "audit": {"versionNumber": "1"}}  # fmt: skip
        return ok(record, header=header)

    def _customer_error(self, body: dict[str, Any]) -> Response | None:
        if self.mock.customer(str(body.get("customerId") or "")) is None:
            return write_failed([_detail("customerId", "EB-INVALID.CUSTOMER", "INVALID CUSTOMER")])
        return None

    # -- adverts and contact history ------------------------------------------------------

    async def create_advert(self, request: Request) -> Response:
        request.state.operation = "create_advert"
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        header, body = read
        if (error := self._customer_error(body)) is not None:
            return error
        codes = {product_id(p.code): p for p in self.mock.bank.products}
        product = codes.get(str(body.get("opportunityProductId") or ""))
        if product is None:
            return write_failed([_detail("opportunityProductId", "EB-INVALID.PRODUCT",
                                         "PRODUCT NOT IN CATALOGUE")])  # fmt: skip
        c = self.mock.customer(str(body["customerId"]))
        assert c is not None
        held = {a.family for a in self.mock.bank.accounts_of(c.index)
                if a.state is not AccountState.CLOSED}  # fmt: skip
        overrides = [*self.force_overrides.get("advert", [])]
        if product.family in held:
            overrides.append(dict(_HELD))
        if (stop := self._pending(header, overrides)) is not None:
            return stop
        return self._commit(request, "advert", "adverts", "OP", body)

    async def update_advert(self, request: Request) -> Response:
        request.state.operation = "update_advert"
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        _, body = read
        oid = request.path_params["oid"]
        stored = self.mock.store.get("adverts", oid)
        if stored is None:
            return failed(404, "EB-RECORD.NOT.FOUND", "RECORD NOT FOUND")
        updated = {**stored, **body, "opportunityId": oid}
        self.mock.store.put("adverts", oid, updated)
        return ok(updated, header={"id": oid, "transactionStatus": "Live"})

    async def create_contact(self, request: Request) -> Response:
        request.state.operation = "create_contact_history"
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        header, body = read
        if (error := self._customer_error(body)) is not None:
            return error
        if (stop := self._pending(header, self.force_overrides.get("contact", []))) is not None:
            return stop
        return self._commit(request, "contact", "contacts", "CH", body)

    async def contact(self, request: Request) -> Response:
        request.state.operation = "contact_history"
        hid = request.path_params["hid"]
        stored = self.mock.store.get("contacts", hid)
        if stored is None:
            return failed(404, "EB-RECORD.NOT.FOUND", "RECORD NOT FOUND")
        if request.method == "PUT":
            read = await self._read(request)
            if isinstance(read, Response):
                return read
            stored = {**stored, **read[1], "contactHistoryId": hid}
            self.mock.store.put("contacts", hid, stored)
        return ok(stored)

    def list_of(self, collection: str) -> Any:
        async def listing(request: Request) -> Response:
            request.state.operation = f"list_{collection}"
            cid = request.path_params["cid"]
            return page(
                request,
                self.mock.snapshots,
                lambda: self.mock.store.find(collection, "customerId", cid),
            )

        return listing

    # -- the customer update --------------------------------------------------------------

    async def update_customer(self, request: Request) -> Response:
        request.state.operation = "update_customer"
        cid = request.path_params["cid"]
        c = self.mock.customer(cid)
        if c is None:
            return failed(404, "EB-RECORD.NOT.FOUND", "RECORD NOT FOUND")
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        header, body = read
        if body.get("extensions") is not None and not isinstance(body["extensions"], dict):
            return write_failed([_detail("extensions", "EB-INVALID.FIELD", "NOT AN OBJECT")])
        with self.mock.store.lock:
            record, version = self.mock.customer_record(c)
            sent = str((header.get("audit") or {}).get("versionNumber") or "")
            if self.conflicts.get(cid, 0) > 0:
                self.conflicts[cid] -= 1
                version += 1  # another user committed in between
                self.mock.store.put("customers", cid, {"record": record, "version": version})
            if sent != str(version):
                message = f"RECORD CHANGED, CURRENT VERSION {version}"
                return write_failed([_detail("versionNumber", "EB-RECORD.CHANGED", message)])
            if request.query_params.get("validate_only", "").lower() == "true":
                request.state.changed = False
                return ok(body, header={"id": cid, "transactionStatus": "Validated"})
            self.mock.store.put("customers", cid, {"record": body, "version": version + 1})
        self.mock.sinks.customer_updated(c.number, version + 1)
        return ok(body, header={"id": cid, "transactionStatus": "Live",
                                "audit": {"versionNumber": str(version + 1)}})  # fmt: skip
