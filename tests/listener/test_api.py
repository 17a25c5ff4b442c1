"""Health, readiness, metrics, the next-best-action API, the approval queue and its page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from xsell_connect.listener.ports import (
    Approval,
    ApprovalStatus,
    InMemoryApprovalQueue,
    InMemoryNextBestActions,
)
from xsell_connect.listener.services import Services
from xsell_connect.models import NextBestAction

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def approvals(clock: Clock) -> InMemoryApprovalQueue:
    pending = [
        Approval(
            id=f"OFR-{n}",
            party_id=f"P-{n}",
            pattern="salary_credit",
            product_code="SAVINGS-PLUS",
            explanation=("salary credited three months running", "no savings product"),
            created_at=NOW - timedelta(minutes=n),
        )
        for n in (1, 2)
    ]
    return InMemoryApprovalQueue(pending, recall_window=timedelta(minutes=15), clock=clock)


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_checks_the_store(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready", "store": "ok"})


async def test_readyz_is_503_when_the_broker_is_down(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.broker_ready = lambda: False
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unready", "store": "ok", "broker": "down"}


async def test_metrics_are_prometheus_text_with_inbox_depth(
    client: httpx.AsyncClient, services: Services
) -> None:
    services.store.inbox.put("bank", "m1", b"{}", {})
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'xsell_inbox_depth{status="pending"} 1.0' in response.text


async def test_metrics_carry_writeback_outcomes_and_breakers_from_the_port(
    sqlite_url: str,
) -> None:
    from listener_helpers import make_settings

    from xsell_connect.listener.app import create_app
    from xsell_connect.listener.ports import InMemoryPipelineStats

    stats = InMemoryPipelineStats()
    stats.outcomes[("offer", "written")] = 3
    stats.breakers["salary_credit"] = 2
    services = Services.build(make_settings(sqlite_url), stats=stats)
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://l") as http:
        text = (await http.get("/metrics")).text
    services.store.close()
    assert 'xsell_writeback_total{operation="offer",outcome="written"} 3.0' in text
    assert 'xsell_circuit_breaker_state{pattern="salary_credit"} 2.0' in text


async def test_next_best_action_of_a_party(client: httpx.AsyncClient, services: Services) -> None:
    assert isinstance(services.nba, InMemoryNextBestActions)
    services.nba.actions["P-1"] = NextBestAction(
        party_id="P-1", action_code="SAVINGS_PLUS", score=Decimal("0.8")
    )
    response = await client.get("/v1/parties/P-1/next-best-action")
    assert response.status_code == 200
    assert response.json()["action_code"] == "SAVINGS_PLUS"


async def test_no_next_best_action_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/parties/P-9/next-best-action")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_pending_approvals_are_listed_oldest_first(client: httpx.AsyncClient) -> None:
    items = (await client.get("/v1/approvals")).json()["items"]
    assert [i["id"] for i in items] == ["OFR-2", "OFR-1"]
    assert items[0]["explanation"] == [
        "salary credited three months running",
        "no savings product",
    ]


async def test_approve_then_recall_within_the_window(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    approved = await client.post("/v1/approvals/OFR-1/approve", json={"approver": "ana"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["recall_until"] == "2026-11-21T09:15:00Z"
    clock.now += timedelta(minutes=10)
    recalled = await client.post(
        "/v1/approvals/OFR-1/recall", json={"approver": "ana", "reason": "wrong segment"}
    )
    assert recalled.status_code == 200
    assert (recalled.json()["status"], recalled.json()["reason"]) == ("recalled", "wrong segment")


async def test_recall_after_the_window_is_409(client: httpx.AsyncClient, clock: Clock) -> None:
    await client.post("/v1/approvals/OFR-1/approve", json={"approver": "ana"})
    clock.now += timedelta(minutes=16)
    response = await client.post(
        "/v1/approvals/OFR-1/recall", json={"approver": "ana", "reason": "late"}
    )
    assert response.status_code == 409


async def test_reject_needs_a_reason(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/approvals/OFR-1/reject", json={"approver": "ana"})
    assert response.status_code == 400
    assert response.json()["detail"] == "reason: Field required"


async def test_reject_with_a_reason(
    client: httpx.AsyncClient, approvals: InMemoryApprovalQueue
) -> None:
    response = await client.post(
        "/v1/approvals/OFR-2/reject", json={"approver": "ana", "reason": "customer complained"}
    )
    assert response.status_code == 200
    assert approvals.approvals["OFR-2"].status is ApprovalStatus.REJECTED
    assert approvals.approvals["OFR-2"].reason == "customer complained"


async def test_deciding_twice_is_409_and_an_unknown_id_404(client: httpx.AsyncClient) -> None:
    await client.post("/v1/approvals/OFR-1/approve", json={"approver": "ana"})
    again = await client.post("/v1/approvals/OFR-1/approve", json={"approver": "ana"})
    unknown = await client.post("/v1/approvals/OFR-9/approve", json={"approver": "ana"})
    assert (again.status_code, unknown.status_code) == (409, 404)


async def test_a_body_that_is_not_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/approvals/OFR-1/approve", content=b"approver=ana")
    assert response.status_code == 400


async def test_the_page_lists_pending_offers_escaped(
    client: httpx.AsyncClient, approvals: InMemoryApprovalQueue
) -> None:
    approvals.approvals["OFR-1"] = approvals.approvals["OFR-1"].model_copy(
        update={"explanation": ("<script>alert(1)</script>",)}
    )
    page = await client.get("/approvals")
    assert page.status_code == 200
    assert 'id="approval-OFR-2"' in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text


async def test_the_page_form_approves_and_redirects(
    client: httpx.AsyncClient, approvals: InMemoryApprovalQueue
) -> None:
    response = await client.post(
        "/approvals/OFR-1/approve", data={"approver": "approver-page", "action": "approve"}
    )
    assert (response.status_code, response.headers["location"]) == (303, "/approvals")
    assert approvals.approvals["OFR-1"].status is ApprovalStatus.APPROVED


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
