"""Scorers: the propensity factor of the arbitration priority, pluggable.

A scorer answers "how likely is this customer to take each of these products" from
features that carry no personal data (age in years, segment, tenure, holdings, signals,
average monthly inflow, deposits). Three kinds:

- ``DefaultScorer``: deterministic and explainable; each propensity says how it was built.
- ``CallableScorer``: a bank's model as a Python callable
  ``fn(features: dict, products: list[str]) -> {code: probability}`` (sync or async).
- ``HttpScorer``: POSTs ``{"features": {...}, "products": [codes]}`` to an endpoint and
  reads ``{"scores": {code: probability}}``.

``score_with_fallback`` runs any of them under a timeout; when the scorer raises, times out
or answers out of range, the default scorer answers instead and the fallback is recorded.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import httpx

from xsell_connect.models import Product, ProductFamily

__all__ = [
    "CallableScorer",
    "DefaultScorer",
    "HttpScorer",
    "Propensity",
    "ScoreRequest",
    "Scored",
    "Scorer",
    "score_with_fallback",
]

log = logging.getLogger(__name__)

Features = Mapping[str, Any]


@dataclass(frozen=True)
class ScoreRequest:
    features: Features
    products: tuple[Product, ...]
    signal_products: tuple[str, ...] = ()  # families or codes the signals point to


@dataclass(frozen=True)
class Propensity:
    value: Decimal
    explanation: str


class Scorer(Protocol):
    """Anything with a ``name`` (with its version) and an async ``score``."""

    name: str

    async def score(self, request: ScoreRequest) -> Mapping[str, Propensity]: ...


_BASE: dict[ProductFamily, Decimal] = {
    ProductFamily.SAVINGS: Decimal("0.30"),
    ProductFamily.TERM_DEPOSIT: Decimal("0.22"),
    ProductFamily.CARD: Decimal("0.20"),
    ProductFamily.LOAN: Decimal("0.12"),
    ProductFamily.MORTGAGE: Decimal("0.05"),
    ProductFamily.CURRENT: Decimal("0.15"),
    ProductFamily.INVESTMENT: Decimal("0.10"),
    ProductFamily.INSURANCE: Decimal("0.10"),
}


class DefaultScorer:
    """Base rate per family, + 0.25 when a signal points to the product, + tenure, + segment."""

    name = "default-v1"

    async def score(self, request: ScoreRequest) -> dict[str, Propensity]:
        return {p.code: self.propensity(p, request) for p in request.products}

    @staticmethod
    def propensity(product: Product, request: ScoreRequest) -> Propensity:
        base = _BASE.get(product.family, Decimal("0.10"))
        parts = [f"base {base} for {product.family}"]
        value = base
        if product.code in request.signal_products or product.family in request.signal_products:
            value += Decimal("0.25")
            parts.append("+0.25 the signal points to it")
        tenure = int(request.features.get("tenure_months") or 0)
        if tenure >= 24:
            value += Decimal("0.05")
            parts.append("+0.05 customer for 2+ years")
        if request.features.get("segment") in ("AFFLUENT", "PRIVATE"):
            value += Decimal("0.05")
            parts.append("+0.05 affluent or private segment")
        value = min(value, Decimal("0.95"))
        return Propensity(value, "; ".join(parts))


def _checked(
    raw: Mapping[str, Any], products: Sequence[Product], who: str
) -> dict[str, Propensity]:
    out: dict[str, Propensity] = {}
    for product in products:
        if product.code not in raw:
            raise ValueError(f"no score for {product.code}")
        try:
            value = Decimal(str(raw[product.code]))
        except InvalidOperation as exc:
            raise ValueError(f"score for {product.code} is not a number") from exc
        if not Decimal(0) <= value <= Decimal(1):
            raise ValueError(f"score for {product.code} is outside [0, 1]")
        out[product.code] = Propensity(value, f"{who} score")
    return out


class CallableScorer:
    """A bank's model as a callable; its answer must cover every product, in [0, 1]."""

    def __init__(
        self,
        fn: Callable[[dict[str, Any], list[str]], Mapping[str, Any] | Awaitable[Mapping[str, Any]]],
        *,
        name: str = "callable",
    ) -> None:
        self.fn, self.name = fn, name

    async def score(self, request: ScoreRequest) -> dict[str, Propensity]:
        answer = self.fn(dict(request.features), [p.code for p in request.products])
        raw = await answer if inspect.isawaitable(answer) else answer
        return _checked(raw, request.products, self.name)


class HttpScorer:
    """A scoring endpoint over HTTP (JSON). The client is injectable for tests."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "http",
        timeout: float = 0.5,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url, self.name, self.timeout = url, name, timeout
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def score(self, request: ScoreRequest) -> dict[str, Propensity]:
        body = {"features": dict(request.features), "products": [p.code for p in request.products]}
        response = await self._client.post(self.url, json=body, timeout=self.timeout)
        response.raise_for_status()
        scores = response.json().get("scores")
        if not isinstance(scores, dict):
            raise ValueError("response has no 'scores' object")
        return _checked(scores, request.products, self.name)

    async def aclose(self) -> None:
        await self._client.aclose()


@dataclass(frozen=True)
class Scored:
    propensities: Mapping[str, Propensity]
    scorer: str
    fallback: bool = False
    fallback_reason: str | None = None


async def score_with_fallback(
    scorer: Scorer | None,
    request: ScoreRequest,
    *,
    deadline: float = 1.0,
    fallback: DefaultScorer | None = None,
) -> Scored:
    """Score with ``scorer``; on any failure score with the default scorer and say why."""
    default = fallback or DefaultScorer()
    if scorer is None or isinstance(scorer, DefaultScorer):
        return Scored(await default.score(request), default.name)
    try:
        answer = await asyncio.wait_for(scorer.score(request), deadline)
        return Scored(answer, scorer.name)
    except (TimeoutError, httpx.TimeoutException):
        reason = f"{scorer.name} timed out after {deadline}s"
    except Exception as exc:  # any failure of a bank's model must not stop the pipeline
        reason = f"{scorer.name} failed: {type(exc).__name__}: {exc}"[:300]
    log.warning("scorer fallback: %s", reason)
    return Scored(await default.score(request), default.name, True, reason)
