"""Batch mode: every customer of the core, resumable after a crash, each exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from xsell_connect_mambu import MambuAdapter, MambuSettings
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.pipeline.batch import run_batch
from xsell_connect.pipeline.factory import build_runner
from xsell_connect.pipeline.runner import Runner
from xsell_connect.store import Store
from xsell_connect.store.schema import batch_checkpoints, batch_items

CUSTOMERS = 10


class Crash(Exception):
    pass


async def test_a_crashed_job_resumes_with_the_rest_exactly_once(tmp_path: Path) -> None:
    bank = SyntheticBank(BankConfig(seed=7, customers=CUSTOMERS))
    mock = MambuMock(bank)
    now = datetime.combine(bank.config.as_of, dtime(20), tzinfo=UTC)
    store = Store.open(f"sqlite:///{tmp_path / 'batch.db'}")
    settings = MambuSettings(base_url=f"{mock.base_url}/api", api_key="test-api-key")
    seen: list[str] = []
    try:
        async with MambuAdapter.from_settings(settings, transport=mock.transport()) as adapter:
            runner = await build_runner(adapter, store.engine, key=b"k", concurrency=2)
            real = runner.handle_party

            async def crashing(party_id: str, **kw: object) -> object:
                if len(seen) == 4:
                    raise Crash
                seen.append(party_id)
                return await real(party_id, **kw)  # type: ignore[arg-type]

            runner.handle_party = crashing  # type: ignore[method-assign]
            with pytest.raises(Crash):
                await run_batch(adapter, runner, job="nightly", now=now, concurrency=1)
            fresh: Runner = await build_runner(adapter, store.engine, key=b"k")
            done_before = len(seen)
            report = await run_batch(adapter, fresh, job="nightly", now=now, concurrency=3)
        with store.engine.connect() as connection:
            items = connection.execute(
                select(batch_items.c.party_id, func.count()).group_by(batch_items.c.party_id)
            ).all()
            status = connection.execute(select(batch_checkpoints.c.status)).scalar()
        parties = {bank.customer(i).number for i in range(CUSTOMERS)}
        assert (report.skipped, report.processed) == (done_before, CUSTOMERS - done_before)
        assert {p for p, _ in items} == parties
        assert {n for _, n in items} == {1}
        assert status == "done"
        assert runner.log.head()[0] == runner.stats.decisions + fresh.stats.decisions > 0
    finally:
        store.close()
