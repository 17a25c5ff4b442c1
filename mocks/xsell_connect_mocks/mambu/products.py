"""The product catalogue: ``/api/depositproducts`` and ``/api/loanproducts``.

Mambu has no eligibility object; each product's rules ride in ``notes`` as one
``xsell-eligibility: key=value;...`` line (project convention, see `eligibility_note`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from xsell_connect_mocks.bank.specs import ProductSpec
from xsell_connect_mocks.mambu.paging import Page
from xsell_connect_mocks.mambu.render import (
    DEPOSIT_FAMILIES,
    LOAN_FAMILIES,
    RenderContext,
    drop_none,
)
from xsell_connect_mocks.mambu.routing import Api
from xsell_connect_mocks.mambu.wire import format_date, json_response

__all__ = ["deposit_product", "eligibility_note", "loan_product", "routes"]


def eligibility_note(product: ProductSpec) -> str:
    """The product's eligibility rules as one ``notes`` line (project convention)."""

    def text(value: object) -> str:
        return "" if value is None else str(value)

    parts = {
        "family": product.family.value,
        "version": product.version,
        "min_age": text(product.min_age),
        "max_age": text(product.max_age),
        "segments": ",".join(product.segments),
        "residency": ",".join(product.residency),
        "requires": ",".join(f.value for f in product.requires_families),
        "excludes": ",".join(f.value for f in product.excludes_families),
        "min_balance": text(product.min_balance),
        "channels": ",".join(c.value for c in product.channels),
        "organisations": "true" if product.for_organisations else "false",
        "active_from": format_date(product.active_from),
        "active_to": format_date(product.active_to) if product.active_to else "",
    }
    return "xsell-eligibility: " + ";".join(f"{k}={v}" for k, v in parts.items())


def _product_common(product: ProductSpec, ctx: RenderContext) -> dict[str, Any]:
    active = product.active_from <= ctx.as_of and (
        product.active_to is None or product.active_to >= ctx.as_of
    )
    return {
        "encodedKey": ctx.key("product", product.code),
        "id": product.code,
        "name": product.name,
        "notes": eligibility_note(product),
        "state": "ACTIVE" if active else "INACTIVE",
        "creationDate": ctx.stamp(product.active_from),
        "lastModifiedDate": ctx.stamp(product.active_from),
        "availabilitySettings": {
            "availableFor": ["INDIVIDUALS"],
            "branchSettings": {"forAllBranches": True, "availableProductBranches": []},
        },
    }


def _range(
    low: Decimal | int | None, high: Decimal | int | None, default: Decimal | int | None = None
) -> dict[str, Any] | None:
    values = drop_none({"minValue": low, "maxValue": high, "defaultValue": default})
    return values or None


def deposit_product(product: ProductSpec, ctx: RenderContext) -> dict[str, Any]:
    """A deposit product."""
    record = _product_common(product, ctx)
    record.update(
        type=DEPOSIT_FAMILIES[product.family],
        currencySettings={"currencies": [{"code": product.currency}]},
        interestSettings={
            "interestRateSettings": {
                "interestRate": _range(product.rate_min, product.rate_max, product.rate_default),
                "interestRateSource": "FIXED_INTEREST_RATE",
                "interestRateTerms": "FIXED",
                "interestChargeFrequency": "ANNUALIZED",
            },
            "daysInYear": "ACTUAL_365_FIXED",
            "interestCalculationBalance": "MINIMUM",
        },
        newAccountSettings={"idGeneratorType": "INCREMENTAL_NUMBER", "idPattern": "#########"},
        internalControls=drop_none(
            {
                "openingBalance": _range(product.amount_min, product.amount_max),
                "recommendedDepositAmount": product.min_balance,
            }
        ),
    )
    if product.term_min_months is not None or product.term_max_months is not None:
        record["maturitySettings"] = {
            "maturityPeriod": _range(product.term_min_months, product.term_max_months),
            "maturityPeriodUnit": "MONTHS",
        }
    return record


def loan_product(product: ProductSpec, ctx: RenderContext) -> dict[str, Any]:
    """A loan product."""
    kind, category = LOAN_FAMILIES[product.family]
    record = _product_common(product, ctx)
    record.update(
        type=kind,
        category=category,
        currency={"code": product.currency},
        loanAmountSettings={"loanAmount": _range(product.amount_min, product.amount_max)},
        scheduleSettings=drop_none(
            {
                "numInstallments": _range(product.term_min_months, product.term_max_months),
                "repaymentPeriodUnit": "MONTHS",
            }
        ),
        interestSettings={
            "interestCalculationMethod": "DECLINING_BALANCE",
            "indexRateSettings": {
                "interestRate": _range(product.rate_min, product.rate_max, product.rate_default),
                "interestRateSource": "FIXED_INTEREST_RATE",
                "interestRateTerms": "FIXED",
            },
        },
    )
    return record


_Builder = Callable[[ProductSpec, RenderContext], dict[str, Any]]


def routes(api: Api) -> list[Route]:
    """Deposit and loan product routes."""
    return [
        *_collection(api, "depositproducts", False, deposit_product),
        *_collection(api, "loanproducts", True, loan_product),
    ]


def _collection(api: Api, collection: str, loans: bool, build: _Builder) -> list[Route]:
    state = api.state

    async def list_products(request: Request) -> Response:
        page = Page.from_query(request.query_params)
        rows = [build(p, state.ctx) for p in state.products(loans=loans)]
        items, total = page.take(rows)
        return json_response(items, headers=page.headers(total))

    async def get_product(request: Request) -> Response:
        return json_response(
            build(state.product(request.path_params["id"], loans=loans), state.ctx)
        )

    return [
        api.route(f"/{collection}", list_products, methods=["GET"], operation=f"list_{collection}"),
        api.route(
            f"/{collection}/{{id}}",
            get_product,
            methods=["GET"],
            operation=f"get_{collection.removesuffix('s')}",
        ),
    ]
