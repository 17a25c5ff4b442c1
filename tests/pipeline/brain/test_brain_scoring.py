"""Scorers: a bank's callable or HTTP endpoint; failures fall back, are recorded, and the
pipeline goes on."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from _brain_support import CURRENT, NOW, PARTY, account, c360, engine, policy, salaried

from xsell_connect.models import ProductFamily
from xsell_connect.pipeline.scoring import CallableScorer, HttpScorer, Scorer
from xsell_connect.pipeline.state import MemoryGovernanceState
from xsell_connect.pipeline.types import Decision, DecisionOutcome, Signal

CUR = account(CURRENT, ProductFamily.CURRENT, "EVERYDAY_CURRENT", "6000")


def _signal() -> Signal:
    return Signal(
        id="persistent_surplus",
        version="1",
        party_id=PARTY,
        reason="surplus",
        event_ids=("evt-1",),
        detected_at=NOW,
        products=("TERM_DEPOSIT", "SAVINGS"),
    )


async def _decide(scorer: Scorer, deadline: float = 1.0) -> Decision:
    pol = policy(tiers={"persistent_surplus": "trusted"}, holdout={"share": "0"})
    eng = engine(pol, scorer=scorer, scorer_deadline=deadline)
    return await eng.decide([_signal()], c360((CUR,), salaried()), MemoryGovernanceState(),
                            now=NOW)  # fmt: skip


async def test_a_callable_scorer_sets_the_propensity() -> None:
    seen: dict[str, Any] = {}

    def model(features: dict[str, Any], products: list[str]) -> dict[str, float]:
        seen.update(features=features, products=products)
        return {"SAVINGS_PLUS": 0.9, "FIXED_DEPOSIT_12M": 0.1}

    decision = await _decide(CallableScorer(model, name="bank-model-v7"))
    assert decision.chosen == "SAVINGS_PLUS"
    top = decision.scored[0]
    assert (top.scorer, top.fallback) == ("bank-model-v7", False)
    assert top.factors[0].value == Decimal("0.9")
    assert sorted(seen["products"]) == ["FIXED_DEPOSIT_12M", "SAVINGS_PLUS"]
    assert "birth_date" not in seen["features"]
    assert "given_name" not in seen["features"]


def _boom(features: dict[str, Any], products: list[str]) -> dict[str, float]:
    raise RuntimeError("model server unreachable")


async def _slow(features: dict[str, Any], products: list[str]) -> dict[str, float]:
    await asyncio.sleep(5)
    return {}


def _out_of_range(features: dict[str, Any], products: list[str]) -> dict[str, float]:
    return {p: 1.5 for p in products}


def _missing(features: dict[str, Any], products: list[str]) -> dict[str, float]:
    return {}


@pytest.mark.parametrize(
    ("fn", "reason"),
    [
        (_boom, "bank failed: RuntimeError: model server unreachable"),
        (_slow, "bank timed out after 0.05s"),
        (_out_of_range, "bank failed: ValueError: score for "),
        (_missing, "bank failed: ValueError: no score for "),
    ],
    ids=["raises", "times out", "out of range", "missing product"],
)
async def test_a_failing_callable_falls_back_and_the_pipeline_goes_on(fn: Any, reason: str) -> None:
    decision = await _decide(CallableScorer(fn, name="bank"), deadline=0.05)
    assert decision.outcome is DecisionOutcome.OFFERED
    assert all(s.fallback and s.scorer == "default-v1" for s in decision.scored)
    assert decision.scored[0].fallback_reason is not None
    assert decision.scored[0].fallback_reason.startswith(reason)
    assert decision.extra["scorer_fallback"] == decision.scored[0].fallback_reason


def _http(handler: Any) -> HttpScorer:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpScorer("http://scoring.test/score", name="http-model", timeout=0.05, client=client)


async def test_an_http_scorer_posts_features_and_reads_scores() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert body["features"]["segment"] == "MASS"
        return httpx.Response(200, json={"scores": {p: 0.5 for p in body["products"]}})

    decision = await _decide(_http(handler))
    assert {s.scorer for s in decision.scored} == {"http-model"}
    assert not any(s.fallback for s in decision.scored)


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("read timed out", request=request)


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (_timeout, "http-model timed out after"),
        (lambda r: httpx.Response(503), "http-model failed: HTTPStatusError"),
        (lambda r: httpx.Response(200, json={"nope": 1}), "http-model failed: ValueError"),
        (lambda r: httpx.Response(200, text="<html>"), "http-model failed: JSONDecodeError"),
    ],
    ids=["timeout", "5xx", "no scores", "not json"],
)
async def test_a_failing_http_scorer_falls_back(handler: Any, reason: str) -> None:
    decision = await _decide(_http(handler))
    assert decision.outcome is DecisionOutcome.OFFERED
    assert decision.scored[0].fallback
    assert (decision.scored[0].fallback_reason or "").startswith(reason)


async def test_the_default_scorer_is_deterministic_and_explained() -> None:
    first = await _decide(CallableScorer(_boom))
    second = await _decide(CallableScorer(_boom))
    assert first.scored == second.scored
    names = [f.name for f in first.scored[0].factors]
    assert names == ["propensity", "context_weight", "value", "levers"]
    factors = first.scored[0].factors
    product = factors[0].value * factors[1].value * factors[2].value * factors[3].value
    assert first.scored[0].priority == product.quantize(Decimal("0.000001"))
    assert "base 0.22 for TERM_DEPOSIT" in factors[0].explanation
