"""A tiny run of the time_to_offer benchmark on the real services, so it cannot rot.

Figures are not asserted (no timing in the test suite): only that every event published
led to exactly one offer record in the mock core, and that each ratio is what it says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.services


def test_time_to_offer_smoke_run_lands_one_offer_per_event(
    rabbitmq: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``rabbitmq`` and ``postgres_url`` only check the services: the run makes its own."""
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.time_to_offer import run

    p50, p99, landed = run(smoke=True)

    assert [f.metric for f in (p50, p99, landed)] == ["ms p50", "ms p99", "offers / events"]
    assert {f.benchmark for f in (p50, p99, landed)} == {"time_to_offer"}
    # The smoke run's two listener processes share the store and the queue: still one
    # offer record per event in the core, none twice.
    assert {f.case for f in (p50, p99, landed)} == {
        "temenos amqp, 2 listener processes, 10 ev/s × 2 s"
    }
    assert p50.detail["listeners"] == 2
    assert landed.value == landed.baseline == landed.detail["offer_records"] == 20
    assert landed.ratio == 1.0
    assert landed.met is True
    path, floor = p50.detail["path"], p50.detail["floor"]
    assert path["events"] == path["offers"] == path["offer_records"] == 20
    assert floor["events"] == floor["offers"] == floor["offer_records"] == 20
    for figure, quantile in ((p50, "p50_ms"), (p99, "p99_ms")):
        assert figure.value == path[quantile] > 0
        assert figure.baseline == floor[quantile] > 0
        assert figure.ratio == pytest.approx(figure.baseline / figure.value, abs=0.001)
        assert figure.target == f"{quantile[:3]} <= {20 if quantile == 'p50_ms' else 100} ms"
    assert set(p50.detail["stages_ms"]) == {
        "broker_to_inbox",
        "inbox_to_worker",
        "decide",
        "outbox_to_core",
    }
    assert p50.detail["store"]["decisions"] == {"offered": 23}  # 3 warm-up events, then 20
    # Only Transact's business answers: empty listings ("No records found") and overrides.
    assert set(p50.detail["core_requests_refused"]) <= {
        "GET list_adverts 400",
        "GET list_contacts 400",
        "GET search_transactions 400",
        "POST create_advert 400",
    }


def test_refused_requests_are_counted_by_operation_and_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.time_to_offer import refused_requests

    def entry(method: str, operation: str, status: int) -> dict[str, object]:
        return {"method": method, "operation": operation, "status": status}

    entries = [
        entry("GET", "list_adverts", 400),
        entry("GET", "list_adverts", 200),
        entry("POST", "create_advert", 400),
        entry("GET", "list_adverts", 400),
        entry("POST", "create_advert", 201),
        entry("PUT", "update_customer", 409),
    ]
    assert refused_requests(entries) == {
        "GET list_adverts 400": 2,
        "POST create_advert 400": 1,
        "PUT update_customer 409": 1,
    }


@pytest.mark.parametrize(
    ("listeners", "case"),
    [
        (1, "temenos amqp, 1 listener process, 100 ev/s × 60 s"),
        (2, "temenos amqp, 2 listener processes, 100 ev/s × 60 s"),
    ],
)
def test_the_case_names_how_many_listener_processes_ran(
    listeners: int, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.time_to_offer import figures

    phase = {"events": 10, "offers": 10, "offer_records": 10, "p50_ms": 9.0, "p99_ms": 30.0}
    result = {
        "rate": 100.0,
        "seconds": 60.0,
        "listeners": listeners,
        "customers": 100,
        "path": phase,
        "floor": phase,
        "stages_ms": {},
        "core_requests_per_event": {},
        "core_requests_refused": {},
        "store": {},
        "load_average": [0.0, 0.0, 0.0],
    }
    found = figures(result)
    assert [f.case for f in found] == [case] * 3
    assert [f.detail.get("listeners") for f in found] == [listeners, listeners, None]
