"""Deposit and loan transactions: reads, ``:search``, and deposit/withdrawal POSTs.

``GET /deposits/{id}/transactions`` pages with offset/limit only; windows go through
``POST /deposits/transactions:search``. A search filtered on ``parentAccountKey`` or
``parentAccountID`` generates only those accounts' postings (the bank is lazy), and a
``creationDate`` / ``bookingDate`` window reads only that window.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from xsell_connect_mocks.bank.specs import AccountSpec, AccountState, PostingKind, PostingSpec
from xsell_connect_mocks.mambu.errors import MambuError
from xsell_connect_mocks.mambu.listing import run_listing
from xsell_connect_mocks.mambu.paging import Page
from xsell_connect_mocks.mambu.routing import Api, read_json
from xsell_connect_mocks.mambu.search import Criterion, Schema, parse_search
from xsell_connect_mocks.mambu.state import EPOCH, FAR_FUTURE, MambuState
from xsell_connect_mocks.mambu.wire import json_response

__all__ = ["TRANSACTION_SCHEMA", "routes"]

TRANSACTION_SCHEMA = Schema(
    fields={
        "encodedKey": ("encodedKey", "string"),
        "id": ("id", "string"),
        "externalId": ("externalId", "string"),
        "parentAccountKey": ("parentAccountKey", "string"),
        "parentAccountID": ("parentAccountKey", "string"),
        "type": ("type", "string"),
        "amount": ("amount", "number"),
        "currencyCode": ("currencyCode", "string"),
        "valueDate": ("valueDate", "datetime"),
        "creationDate": ("creationDate", "datetime"),
        "bookingDate": ("bookingDate", "datetime"),
        "notes": ("notes", "string"),
        "transactionDetails.transactionChannelId": (
            "transactionDetails.transactionChannelId",
            "string",
        ),
        "accountBalances.totalBalance": ("accountBalances.totalBalance", "number"),
    },
    sortable=frozenset({"id", "valueDate", "creationDate", "bookingDate", "amount"}),
)
_ACCOUNT_FIELDS = frozenset({"parentAccountKey", "parentAccountID"})
_WINDOW_FIELDS = frozenset({"creationDate", "bookingDate"})
_WINDOW_OPERATORS = frozenset({"BETWEEN", "AFTER", "MORE_THAN", "BEFORE", "LESS_THAN", "ON"})
_OPEN_STATES = frozenset({AccountState.ACTIVE, AccountState.DORMANT})
#: Write route -> (posting kind, direction, operation name).
_WRITES: dict[str, tuple[PostingKind, str, str]] = {
    "deposit-transactions": (PostingKind.TRANSFER_IN, "CRDT", "make_deposit"),
    "withdrawal-transactions": (PostingKind.CASH_WITHDRAWAL, "DBIT", "make_withdrawal"),
}
_Row = tuple[PostingSpec, AccountSpec]


def _account_criteria(
    state: MambuState, criteria: list[Criterion], loans: bool
) -> tuple[list[Criterion], list[AccountSpec] | None]:
    """Rewrite ``parentAccountID`` as keys; return the accounts the criteria pin down."""
    rewritten: list[Criterion] = []
    accounts: list[AccountSpec] | None = None
    for c in criteria:
        if c.field in _ACCOUNT_FIELDS and c.operator in {"EQUALS", "IN"}:
            idents = [c.value] if c.operator == "EQUALS" else list(c.values)
            found = []
            for ident in idents:
                try:
                    found.append(state.account(str(ident), loans=loans))
                except MambuError:
                    continue
            accounts = found if accounts is None else [a for a in accounts if a in found]
            keys = tuple(state.keys.key("account", a.number) for a in found)
            c = replace(
                c, field="parentAccountKey", operator="IN", value=None, values=keys or ("-",)
            )
        elif c.field == "parentAccountID":
            raise MambuError("INVALID_PARAMETERS", "parentAccountID takes EQUALS or IN")
        rewritten.append(c)
    return rewritten, accounts


def _window(criteria: list[Criterion]) -> tuple[datetime, datetime] | None:
    """The widest booking window the date criteria allow, None when they allow any."""
    low: datetime | None = None
    high: datetime | None = None
    for c in criteria:
        if c.field not in _WINDOW_FIELDS or c.operator not in _WINDOW_OPERATORS:
            continue
        if c.operator == "BETWEEN":
            low, high = c.value, c.second
        elif c.operator in {"AFTER", "MORE_THAN"}:
            low = c.value
        elif c.operator in {"BEFORE", "LESS_THAN"}:
            high = c.value
        else:  # ON: the whole day, padded for the tenant offset
            low, high = c.value - timedelta(days=1), c.value + timedelta(days=2)
    if low is None and high is None:
        return None
    # The bank's windows are end-exclusive; BETWEEN is inclusive (criteria re-check rows).
    return (low or EPOCH, (high + timedelta(seconds=1)) if high else FAR_FUTURE)


def _rows(state: MambuState, postings: Iterable[PostingSpec], loans: bool) -> Iterator[_Row]:
    cache: dict[str, AccountSpec | None] = {}
    for posting in postings:
        number = posting.account_number
        if number not in cache:
            spec = state.bank.account(number)
            cache[number] = (
                spec
                if spec is not None and state.rendered(spec) and state.is_loan(spec) == loans
                else None
            )
        account = cache[number]
        if account is not None:
            yield posting, account


def routes(api: Api) -> list[Route]:
    """Transaction routes for deposits and loans."""
    state = api.state
    result: list[Route] = []
    for collection, loans in (("deposits", False), ("loans", True)):
        result += _read_routes(api, state, collection, loans)
    for suffix, (kind, direction, operation) in _WRITES.items():
        result.append(_write_route(api, state, suffix, kind, direction, operation))
    return result


def _read_routes(api: Api, state: MambuState, collection: str, loans: bool) -> list[Route]:

    def render(row: _Row) -> dict[str, Any]:
        return state.render_posting(*row)

    async def account_transactions(request: Request) -> Response:
        page = Page.from_query(request.query_params)
        account = state.account(request.path_params["id"], loans=loans)
        rows = ((p, account) for p in state.postings(account))
        return run_listing(rows, render, page, state.tz)

    async def search(request: Request) -> Response:
        request.state.changed = False
        page = Page.from_query(request.query_params)
        criteria, sort = parse_search(
            await read_json(request), TRANSACTION_SCHEMA, state.tz, state.today()
        )
        criteria, accounts = _account_criteria(state, criteria, loans)
        rows: Iterator[_Row]
        if accounts is not None:
            streams = [((p, a) for p in state.postings(a)) for a in accounts]
            rows = heapq.merge(*streams, key=lambda row: row[0].booked_at)
        elif (window := _window(criteria)) is not None:
            rows = _rows(state, state.postings_between(*window), loans)
        else:
            rows = _rows(state, state.all_postings(), loans)
        return run_listing(
            rows, render, page, state.tz, criteria=criteria, sorting=[sort] if sort else []
        )

    async def single(request: Request) -> Response:
        posting, account = state.posting(request.path_params["id"], loans=loans)
        return json_response(state.render_posting(posting, account))

    singular = "loan" if loans else "deposit"
    return [
        api.route(
            f"/{collection}/transactions:search",
            search,
            methods=["POST"],
            operation=f"search_{singular}_transactions",
        ),
        api.route(
            f"/{collection}/transactions/{{id}}",
            single,
            methods=["GET"],
            operation=f"get_{singular}_transaction",
        ),
        api.route(
            f"/{collection}/{{id}}/transactions",
            account_transactions,
            methods=["GET"],
            operation=f"list_{singular}_transactions",
        ),
    ]


def _amount(body: dict[str, Any]) -> Decimal:
    raw = body.get("amount")
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | str):
        raise MambuError("INVALID_AMOUNT", "amount")
    try:
        amount = Decimal(str(raw))
    except InvalidOperation as exc:
        raise MambuError("INVALID_AMOUNT", "amount") from exc
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise MambuError("INVALID_AMOUNT", "amount")
    return amount


def _write_route(
    api: Api, state: MambuState, suffix: str, kind: PostingKind, direction: str, operation: str
) -> Route:

    async def post(request: Request) -> Response:
        account = state.account(request.path_params["id"], loans=False)
        body = await read_json(request)
        if not isinstance(body, dict):
            raise MambuError("INVALID_PARAMETERS", "body must be a JSON object")
        amount = _amount(body)
        if account.state not in _OPEN_STATES:
            raise MambuError(
                "INVALID_ACCOUNT_STATE", f"account {account.number} is {account.state.value}"
            )
        details = body.get("transactionDetails") or {}
        channel = (
            str(details.get("transactionChannelId") or "BRANCH")
            if isinstance(details, dict)
            else "BRANCH"
        )
        notes = str(body.get("notes") or "")
        now = state.now().astimezone(state.tz)

        def make(before: Decimal, ident: str) -> PostingSpec:
            after = before + amount if direction == "CRDT" else before - amount
            if after < -account.limit:
                raise MambuError("INSUFFICIENT_BALANCE", "amount")
            return PostingSpec(
                id=ident,
                account_number=account.number,
                booked_at=now,
                value_date=now.date(),
                amount=amount,
                direction=direction,
                kind=kind,
                description=notes,
                channel=channel,
                balance_after=after,
            )

        posting = state.add_posting(account, make)
        external = body.get("externalId")
        if external:
            state.store.put("external_ids", posting.id, {"externalId": str(external)})
        request.state.created = (f"deposit_transaction:{posting.id}",)
        api.emit_posting(posting, account)
        return json_response(state.render_posting(posting, account), status=201)

    return api.route(
        f"/deposits/{{id}}/{suffix}", post, methods=["POST"], operation=operation, idempotent=True
    )
