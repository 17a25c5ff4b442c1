"""``GET /api/clients``, ``POST /api/clients:search``, ``GET /api/clients/{id}``.

The default order is ``lastModifiedDate:DESC``: clients changed through the API first
(latest change first), then untouched clients in reverse creation order. A client
changed between two page reads therefore moves to the front and shifts every later
row by one, which is the pagination drift extractors see on a live tenant (reference §6).
The order is computed by index arithmetic, never by listing the whole bank.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any, overload

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from xsell_connect_mocks.mambu.listing import run_listing
from xsell_connect_mocks.mambu.paging import Page, full_details
from xsell_connect_mocks.mambu.routing import Api, read_json
from xsell_connect_mocks.mambu.search import Criterion, Schema, Sorting, parse_search, parse_sort_by
from xsell_connect_mocks.mambu.state import MambuState
from xsell_connect_mocks.mambu.wire import json_response

__all__ = ["CLIENT_SCHEMA", "ClientOrder", "basic_client", "routes"]

CLIENT_SCHEMA = Schema(
    fields={
        "encodedKey": ("encodedKey", "string"),
        "id": ("id", "string"),
        "firstName": ("firstName", "string"),
        "middleName": ("middleName", "string"),
        "lastName": ("lastName", "string"),
        "state": ("state", "string"),
        "clientState": ("state", "string"),
        "gender": ("gender", "string"),
        "preferredLanguage": ("preferredLanguage", "string"),
        "birthDate": ("birthDate", "date"),
        "birthdate": ("birthDate", "date"),
        "emailAddress": ("emailAddress", "string"),
        "mobilePhone": ("mobilePhone", "string"),
        "mobilePhoneNumber": ("mobilePhone", "string"),
        "branchKey": ("assignedBranchKey", "string"),
        "assignedBranchKey": ("assignedBranchKey", "string"),
        "assignedUserKey": ("assignedUserKey", "string"),
        "creationDate": ("creationDate", "datetime"),
        "lastModifiedDate": ("lastModifiedDate", "datetime"),
        "activationDate": ("activationDate", "datetime"),
    },
    sortable=frozenset(
        {
            "firstName",
            "lastName",
            "creationDate",
            "lastModifiedDate",
            "id",
            "birthDate",
            "encodedKey",
        }
    ),
)
#: GET /clients filter parameter -> search field (EQUALS).
_GET_FILTERS: dict[str, str] = {
    "firstName": "firstName",
    "lastName": "lastName",
    "state": "state",
    "birthDate": "birthDate",
    "branchId": "assignedBranchKey",
}
#: Dropped from a client with detailsLevel=BASIC.
_DETAIL_FIELDS = frozenset({"addresses", "idDocuments", "emailAddress", "mobilePhone", "homePhone"})


def basic_client(record: dict[str, Any]) -> dict[str, Any]:
    """A FULL client reduced to BASIC: no contact info, addresses or custom-field sets."""
    return {k: v for k, v in record.items() if k not in _DETAIL_FIELDS and not k.startswith("_")}


class ClientOrder(Sequence[int]):
    """Customer indexes in creation or last-modification order, by arithmetic.

    Args:
        size: Number of customers.
        modified: Indexes of clients changed through the API, latest change first.
        by_modification: Order on lastModifiedDate (else creationDate).
        descending: Newest first.
    """

    def __init__(
        self, size: int, modified: list[int], *, by_modification: bool, descending: bool
    ) -> None:
        self._size = size
        self._modified = modified if by_modification else []
        self._sorted = sorted(self._modified)
        self._descending = descending

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, pos: int) -> int: ...
    @overload
    def __getitem__(self, pos: slice) -> Sequence[int]: ...

    def __getitem__(self, pos: int | slice) -> int | Sequence[int]:
        if isinstance(pos, slice):
            return [self[i] for i in range(*pos.indices(self._size))]
        if pos < 0:
            pos += self._size
        if not 0 <= pos < self._size:
            raise IndexError(pos)
        m = len(self._modified)
        if self._descending:
            return self._modified[pos] if pos < m else self._untouched_desc(pos - m)
        untouched = self._size - m
        return (
            self._untouched_asc(pos)
            if pos < untouched
            else self._modified[m - 1 - (pos - untouched)]
        )

    def _untouched_desc(self, k: int) -> int:
        """The k-th untouched index counting down from the newest."""
        x = self._size - 1 - k
        while (
            found := (self._size - x) - (len(self._sorted) - bisect_left(self._sorted, x))
        ) < k + 1:
            x -= k + 1 - found
        return x

    def _untouched_asc(self, k: int) -> int:
        """The k-th untouched index counting up from the oldest."""
        x = k
        while (found := (x + 1) - bisect_right(self._sorted, x)) < k + 1:
            x += k + 1 - found
        return x


def _order(state: MambuState, sorting: list[Sorting]) -> tuple[ClientOrder | None, list[Sorting]]:
    """The index order for an order on one date field; else the sorts left to do."""
    first = sorting[0] if sorting else None
    if first is None or (len(sorting) == 1 and first.field in {"creationDate", "lastModifiedDate"}):
        by_modification = first is None or first.field == "lastModifiedDate"
        descending = first is None or first.descending
        modified = [state.client(n).index for n in state.modified_desc()] if by_modification else []
        return ClientOrder(
            state.bank.config.customers,
            modified,
            by_modification=by_modification,
            descending=descending,
        ), []
    return None, sorting


def routes(api: Api) -> list[Route]:
    """The client read routes."""
    state = api.state

    def render_index(index: int) -> dict[str, Any]:
        return state.render_client(state.bank.customer(index), details=True)

    def respond(
        page: Page,
        criteria: list[Criterion],
        sorting: list[Sorting],
        default: ClientOrder | None = None,
    ) -> Response:
        order, left = _order(state, sorting)
        if default is not None and not sorting:
            order = default
        candidates: Sequence[int] = order or ClientOrder(
            state.bank.config.customers, [], by_modification=False, descending=False
        )
        present = (lambda r: r) if page.details else basic_client
        return run_listing(
            candidates,
            render_index,
            page,
            state.tz,
            criteria=criteria,
            sorting=left,
            present=present,
        )

    async def list_clients(request: Request) -> Response:
        query = request.query_params
        page = Page.from_query(query)
        sorting = parse_sort_by(query.get("sortBy"), CLIENT_SCHEMA)
        filters: list[dict[str, Any]] = []
        for param, field in _GET_FILTERS.items():
            value = query.get(param)
            if value is None:
                continue
            if param == "branchId" and len(value) != 32:
                value = state.keys.key("branch", value)
            filters.append({"field": field, "operator": "EQUALS", "value": value})
        criteria, _ = parse_search(
            {"filterCriteria": filters}, CLIENT_SCHEMA, state.tz, state.today()
        )
        return respond(page, criteria, sorting)

    async def search_clients(request: Request) -> Response:
        request.state.changed = False
        page = Page.from_query(request.query_params)
        criteria, sort = parse_search(
            await read_json(request), CLIENT_SCHEMA, state.tz, state.today()
        )
        # Searches without sortingCriteria come back in creation order (stable paging).
        creation = ClientOrder(
            state.bank.config.customers, [], by_modification=False, descending=False
        )
        return respond(page, criteria, [sort] if sort else [], default=creation)

    async def get_client(request: Request) -> Response:
        full = full_details(request.query_params)
        spec = state.client(request.path_params["id"])
        record = state.render_client(spec, details=True)
        return json_response(record if full else basic_client(record))

    return [
        api.route("/clients", list_clients, methods=["GET"], operation="list_clients"),
        api.route("/clients:search", search_clients, methods=["POST"], operation="search_clients"),
        api.route("/clients/{id}", get_client, methods=["GET"], operation="get_client"),
    ]
