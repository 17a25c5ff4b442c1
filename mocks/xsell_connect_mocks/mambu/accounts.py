"""Deposit and loan accounts: ``/api/deposits`` and ``/api/loans`` (list, search, single)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from xsell_connect_mocks.bank.specs import AccountSpec
from xsell_connect_mocks.mambu.errors import MambuError
from xsell_connect_mocks.mambu.listing import run_listing
from xsell_connect_mocks.mambu.paging import Page
from xsell_connect_mocks.mambu.routing import Api, read_json
from xsell_connect_mocks.mambu.search import Criterion, Schema, parse_search, parse_sort_by
from xsell_connect_mocks.mambu.state import MambuState
from xsell_connect_mocks.mambu.wire import json_response

__all__ = ["DEPOSIT_SCHEMA", "LOAN_SCHEMA", "routes"]

_COMMON: dict[str, tuple[str, str]] = {
    "encodedKey": ("encodedKey", "string"),
    "id": ("id", "string"),
    "accountHolderKey": ("accountHolderKey", "string"),
    "accountHolderType": ("accountHolderType", "string"),
    "accountState": ("accountState", "string"),
    "productTypeKey": ("productTypeKey", "string"),
    "currencyCode": ("currencyCode", "string"),
    "assignedBranchKey": ("assignedBranchKey", "string"),
    "creationDate": ("creationDate", "datetime"),
    "activationDate": ("activationDate", "datetime"),
    "approvedDate": ("approvedDate", "datetime"),
    "closedDate": ("closedDate", "datetime"),
    "lastModifiedDate": ("lastModifiedDate", "datetime"),
    "maturityDate": ("maturityDate", "datetime"),
}
_SORTABLE = frozenset(
    {
        "id",
        "encodedKey",
        "creationDate",
        "lastModifiedDate",
        "activationDate",
        "closedDate",
        "maturityDate",
    }
)
DEPOSIT_SCHEMA = Schema(
    fields={
        **_COMMON,
        "name": ("name", "string"),
        "accountType": ("accountType", "string"),
        "balances.totalBalance": ("balances.totalBalance", "number"),
        "balances.availableBalance": ("balances.availableBalance", "number"),
        "totalBalance": ("balances.totalBalance", "number"),
        "interestSettings.interestRateSettings.interestRate": (
            "interestSettings.interestRateSettings.interestRate",
            "number",
        ),
        "overdraftSettings.overdraftLimit": ("overdraftSettings.overdraftLimit", "number"),
    },
    sortable=_SORTABLE | {"name", "balances.totalBalance"},
)
LOAN_SCHEMA = Schema(
    fields={
        **_COMMON,
        "loanName": ("loanName", "string"),
        "accountSubState": ("accountSubState", "string"),
        "loanAmount": ("loanAmount", "number"),
        "balances.principalBalance": ("balances.principalBalance", "number"),
        "principalBalance": ("balances.principalBalance", "number"),
        "interestSettings.interestRate": ("interestSettings.interestRate", "number"),
    },
    sortable=_SORTABLE | {"loanName", "loanAmount", "balances.principalBalance"},
)
#: GET list parameter -> search field (EQUALS).
_GET_FILTERS: dict[str, str] = {
    "accountState": "accountState",
    "branchId": "assignedBranchKey",
    "accountHolderType": "accountHolderType",
}


def _holder_filter(criteria: list[Criterion]) -> list[str] | None:
    """Client ids/keys an ``accountHolderKey`` EQUALS / IN criterion narrows to."""
    for criterion in criteria:
        if criterion.field == "accountHolderKey" and criterion.operator in {"EQUALS", "IN"}:
            return (
                [str(criterion.value)]
                if criterion.operator == "EQUALS"
                else [str(v) for v in criterion.values]
            )
    return None


def routes(api: Api) -> list[Route]:
    """Deposit and loan account routes."""
    state = api.state
    routes_: list[Route] = []
    for collection, loans, schema in (
        ("deposits", False, DEPOSIT_SCHEMA),
        ("loans", True, LOAN_SCHEMA),
    ):
        routes_ += _collection_routes(api, state, collection, loans, schema)
    return routes_


def _collection_routes(
    api: Api, state: MambuState, collection: str, loans: bool, schema: Schema
) -> list[Route]:

    def candidates(holders: list[str] | None) -> Iterator[AccountSpec]:
        if holders is None:
            source: Iterator[AccountSpec] = state.all_accounts()
        else:
            source = (a for h in holders for a in _accounts_of(state, h))
        return (a for a in source if state.rendered(a) and state.is_loan(a) == loans)

    def render(spec: AccountSpec) -> dict[str, Any]:
        return state.render_account(spec)

    async def list_accounts(request: Request) -> Response:
        query = request.query_params
        page = Page.from_query(query)
        sorting = parse_sort_by(query.get("sortBy"), schema)
        filters = []
        for param, field in _GET_FILTERS.items():
            value = query.get(param)
            if value is not None:
                if param == "branchId" and len(value) != 32:
                    value = state.keys.key("branch", value)
                filters.append({"field": field, "operator": "EQUALS", "value": value})
        criteria, _ = parse_search({"filterCriteria": filters}, schema, state.tz, state.today())
        holder = query.get("accountHolderId")
        return run_listing(
            candidates([holder] if holder else None),
            render,
            page,
            state.tz,
            criteria=criteria,
            sorting=sorting,
        )

    async def search_accounts(request: Request) -> Response:
        request.state.changed = False
        page = Page.from_query(request.query_params)
        criteria, sort = parse_search(await read_json(request), schema, state.tz, state.today())
        return run_listing(
            candidates(_holder_filter(criteria)),
            render,
            page,
            state.tz,
            criteria=criteria,
            sorting=[sort] if sort else [],
        )

    async def get_account(request: Request) -> Response:
        return json_response(render(state.account(request.path_params["id"], loans=loans)))

    singular = "loan" if loans else "deposit"
    return [
        api.route(f"/{collection}", list_accounts, methods=["GET"], operation=f"list_{collection}"),
        api.route(
            f"/{collection}:search",
            search_accounts,
            methods=["POST"],
            operation=f"search_{collection}",
        ),
        api.route(
            f"/{collection}/{{id}}", get_account, methods=["GET"], operation=f"get_{singular}"
        ),
    ]


def _accounts_of(state: MambuState, holder: str) -> tuple[AccountSpec, ...]:
    try:
        spec = state.client(holder)
    except MambuError:
        return ()  # an unknown holder lists nothing, as a filter matching nothing would
    return state.bank.accounts_of(spec.index)
