"""The listener bound to the decision pipeline, end to end on loopback with real servers.

The Mambu mock posts its webhook (shared secret) to the listener; the inbox, the pipeline
(Customer 360 read from the mock, the engine, the runner) and the outbox drainer run in the
listener; the offer lands in the mock core's journal and the next-best-action API shows it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest
from listener_helpers import wait_for
from pipeline_support import bound_listener, mambu_webhook, write_policy, writeback_faults
from xsell_connect_mocks.framework import FaultKind

from xsell_connect.store import InboxStatus
from xsell_connect.store.decisions import DecisionLog
from xsell_connect.store.outbox import OutboxStatus, OutboxStore

pytestmark = pytest.mark.services

#: Customer 4 of the synthetic bank: a persistent surplus on its current account.
PARTY, ACCOUNT = "100000004", "10000000401"


def test_a_mambu_webhook_becomes_an_offer_in_the_core_and_the_nba_api(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = write_policy(tmp_path, "trusted")
    with bound_listener(monkeypatch, postgres_url, policy) as bound:
        with httpx.Client(base_url=bound.core_url) as core:
            answer = core.post(
                f"/api/deposits/{ACCOUNT}/deposit-transactions",
                json={"amount": "25"},
                headers={"apiKey": "test-api-key", "Accept": "application/vnd.mambu.v2+json"},
            )
            assert answer.status_code == 201
        assert wait_for(lambda: len(bound.tasks()) == 1 and bound.settled(), 60)
        (delivery,) = bound.core.webhooks.history if bound.core.webhooks else []
        assert delivery.status == 202
        offers = bound.offered()
        assert list(offers.values()) == [PARTY]
        (offer_id,) = offers
        assert bound.tasks() == [offer_id]
        nba_code = bound.core._nba_of(PARTY)
        with httpx.Client(base_url=bound.listener) as http:
            nba = http.get(f"/v1/parties/{PARTY}/next-best-action")
            assert nba.status_code == 200
            assert nba.json()["offer_ref"] == offer_id
            assert nba.json()["action_code"] == nba_code != ""
            assert http.get("/v1/parties/100000000/next-best-action").status_code == 404
            # The same delivery again: a duplicate, nothing decided or written twice.
            assert mambu_webhook(http, ACCOUNT, PARTY, bound.core.events.all()[0].eid) == 200
            metrics = http.get("/metrics").text
        assert 'xsell_writeback_total{operation="offer",outcome="written"} 1.0' in metrics
        assert 'xsell_circuit_breaker_state{pattern="persistent_surplus"} 0.0' in metrics
        assert bound.services.store.inbox.depth()[InboxStatus.DONE] == 1
    assert Counter(c.split(":")[0] for e in bound.core.journal.entries() for c in e.created) == {
        "task": 1,
        "comment": 1,
        "deposit_transaction": 1,
    }


def test_every_effect_lands_once_while_a_fifth_of_the_write_backs_fail(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = 40
    policy = write_policy(tmp_path, "trusted")
    with bound_listener(
        monkeypatch, postgres_url, policy, customers=customers, faults=writeback_faults()
    ) as bound:
        bank = bound.core.bank
        with httpx.Client(base_url=bound.listener) as http:
            for i in range(customers):
                account = bank.accounts_of(i)[0].number
                delivery = f"bind-test-{i}"
                assert mambu_webhook(http, account, bank.customer(i).number, delivery) == 202
        assert wait_for(bound.settled, 120)
        offers = bound.offered()
        outbox = OutboxStore(bound.services.store.engine)
        depth = outbox.depth()
        fired = bound.core.faults.fired
    assert len(offers) >= 5  # enough decisions to mean something
    assert sorted(bound.tasks()) == sorted(offers)  # each offer once, none lost
    comments = bound.core.journal.entries(method="POST", path_prefix="/api/comments")
    assert len([c for c in comments if c.status == 201 and c.created]) == len(offers)
    for offer_id, party in offers.items():
        assert bound.core._nba_of(party) != "", offer_id
    assert depth[OutboxStatus.DONE] == 3 * len(offers)
    assert depth[OutboxStatus.DEAD] == depth[OutboxStatus.FAILED] == 0
    assert fired[FaultKind.SERVER_ERROR] > 0
    assert fired[FaultKind.RATE_LIMIT] > 0
    assert fired[FaultKind.TIMEOUT] > 0


def test_the_approvals_api_on_the_store_approves_rejects_and_recalls(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = write_policy(tmp_path, "observe")
    policy.write_text(policy.read_text() + '[tiers]\nterm_deposit_maturing = "guarded"\n')
    parties = {"100000001": "10000000101", "100000004": "10000000401", "100000005": "10000000501"}
    with bound_listener(monkeypatch, postgres_url, policy) as bound:
        with httpx.Client(base_url=bound.listener) as http:
            for party, account in parties.items():
                assert mambu_webhook(http, account, party, f"bind-test-{party}") == 202
            assert wait_for(lambda: len(http.get("/v1/approvals").json()["items"]) == 2)
            pending = {a["party_id"]: a for a in http.get("/v1/approvals").json()["items"]}
            assert sorted(pending) == ["100000004", "100000005"]
            keep, drop = pending["100000004"]["id"], pending["100000005"]["id"]
            approved = http.post(f"/v1/approvals/{keep}/approve", json={"approver": "alice"})
            assert approved.status_code == 200
            assert approved.json()["status"] == "approved"
            assert approved.json()["decided_by"] == "alice"
            again = http.post(f"/v1/approvals/{keep}/approve", json={"approver": "bob"})
            assert again.status_code == 409
            rejected = http.post(
                f"/v1/approvals/{drop}/reject", json={"approver": "bob", "reason": "bind-test"}
            )
            assert rejected.json()["status"] == "rejected"
            assert rejected.json()["reason"] == "bind-test"
            unknown = http.post("/v1/approvals/DEC-NONE/approve", json={"approver": "alice"})
            assert unknown.status_code == 404
            # Customer 1's guarded offer was sent automatically with a recall window.
            (guarded,) = [
                d for d in DecisionLog(bound.services.store.engine).decisions()
                if d.party_id == "100000001"
            ]  # fmt: skip
            recalled = http.post(
                f"/v1/approvals/{guarded.decision_id}/recall",
                json={"approver": "carol", "reason": "wrong moment"},
            )
            assert recalled.status_code == 200
            assert recalled.json()["status"] == "recalled"
            assert http.get("/v1/approvals").json()["items"] == []
        assert wait_for(lambda: len(bound.tasks()) == 1 and bound.settled(), 60)
        outbox = OutboxStore(bound.services.store.engine)
        statuses = {
            d: sorted(i.status.value for i in outbox.items(decision_id=d))
            for d in (keep, drop, guarded.decision_id)
        }
        approved_decision = DecisionLog(bound.services.store.engine).get(keep)
    assert approved_decision is not None
    assert approved_decision.offer is not None
    assert bound.tasks() == [approved_decision.offer.id]
    assert statuses == {
        keep: ["done"] * 3,
        drop: ["cancelled"] * 3,
        guarded.decision_id: ["cancelled"] * 3,
    }


async def test_until_the_core_is_reached_the_sink_refuses_so_the_item_is_retried(
    sqlite_url: str, tmp_path: Path
) -> None:
    from listener_helpers import event_body

    from xsell_connect.listener.ingest import parse_canonical
    from xsell_connect.listener.pipeline import PipelineBinding
    from xsell_connect.listener.settings import PipelineSettings
    from xsell_connect.store import Store

    store = Store.open(sqlite_url)
    settings = PipelineSettings(platform="mambu", pseudonym_key="k")  # type: ignore[arg-type]
    binding = PipelineBinding(store.engine, settings)
    try:
        with pytest.raises(RuntimeError, match="not bound to mambu yet"):
            await binding.sink.handle(parse_canonical({}, event_body("bind-test-1")))
        assert binding.stats.breaker_states() == {}
    finally:
        store.close()


async def test_the_drainer_writes_back_as_many_effects_at_once_as_configured(
    sqlite_url: str,
) -> None:
    from xsell_connect_mambu import MambuAdapter, MambuSettings
    from xsell_connect_mocks.bank import BankConfig, SyntheticBank
    from xsell_connect_mocks.mambu import MambuMock

    from xsell_connect.listener.pipeline import PipelineBinding
    from xsell_connect.listener.settings import PipelineSettings
    from xsell_connect.store import Store

    mock = MambuMock(SyntheticBank(BankConfig(customers=3)))

    def adapter(_platform: str) -> MambuAdapter:
        settings = MambuSettings(base_url=f"{mock.base_url}/api", api_key="test-api-key")
        return MambuAdapter.from_settings(settings, transport=mock.transport())

    store = Store.open(sqlite_url)
    settings = PipelineSettings(platform="mambu", pseudonym_key="k", writeback_concurrency=12)  # type: ignore[arg-type]
    binding = PipelineBinding(store.engine, settings, adapter_factory=adapter)
    try:
        await binding.start()
        assert binding.drainer is not None
        assert binding.drainer.concurrency == 12
        assert PipelineSettings().writeback_concurrency == 16
    finally:
        await binding.stop()
        store.close()
