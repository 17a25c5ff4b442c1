"""Build a runner for a core: the catalog read through its adapter, the engine, the store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from xsell_connect.adapter import CoreBankingAdapter
from xsell_connect.pipeline.engine import DecisionEngine
from xsell_connect.pipeline.enrich import Enricher
from xsell_connect.pipeline.runner import Runner
from xsell_connect.pipeline.types import Mode
from xsell_connect.sync import iter_products

__all__ = ["build_runner"]


async def build_runner(
    adapter: CoreBankingAdapter,
    engine: Engine,
    *,
    key: bytes,
    mode: Mode = Mode.LIVE,
    policy_path: Path | str | None = None,
    concurrency: int = 8,
    push: bool = False,
    aggregate_seconds: float = 0.0,
) -> Runner:
    """A runner over ``adapter`` and the store behind ``engine``; invalid policy stops here."""
    products = [p async for p in iter_products(adapter)]
    decisions = DecisionEngine.from_config(
        products, platform=adapter.platform, pseudonym_key=key, policy_path=policy_path
    )
    enricher = Enricher(adapter, concurrency=concurrency)
    return Runner(
        engine, decisions, enricher, mode=mode, push=push, aggregate_seconds=aggregate_seconds
    )
