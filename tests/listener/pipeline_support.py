"""The listener bound to the decision pipeline, against the Mambu mock served on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from listener_helpers import MAMBU_SECRET, ListenerThread, free_port, make_settings
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import FaultKind, FaultRule, ServerThread
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.listener.services import Services
from xsell_connect.store.decisions import DecisionLog
from xsell_connect.store.outbox import OutboxStatus, OutboxStore

KEY = "bind-test-pseudonym-key"


def write_policy(directory: Path, tier: str) -> Path:
    """Every pattern in ``tier``, no holdout: each qualifying event is decided the same way."""
    path = directory / f"bind-test-policy-{tier}.toml"
    path.write_text(
        f'version = "bind-test-{tier}"\ndefault_tier = "{tier}"\n[holdout]\nshare = "0"\n'
    )
    return path


def writeback_faults(probability: float = 0.072, latency: float = 3.0) -> list[FaultRule]:
    """5xx, 429 and timeouts, each ``probability``: 1 - 0.928**3 = 20% of write-backs fail."""
    rules = []
    for route, method in (
        ("/api/tasks", "POST"),
        ("/api/comments", "POST"),
        ("/api/clients/*", "PATCH"),
    ):
        for kind in (FaultKind.SERVER_ERROR, FaultKind.RATE_LIMIT, FaultKind.TIMEOUT):
            rules.append(
                FaultRule(
                    kind, probability, route=route, methods=frozenset({method}), latency=latency
                )
            )
    return rules


def mambu_env(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("XSELL_MAMBU_BASE_URL", f"{url}/api")
    monkeypatch.setenv("XSELL_MAMBU_API_KEY", "test-api-key")
    monkeypatch.setenv("XSELL_MAMBU_MAX_ATTEMPTS", "1")  # the outbox retries, not the client
    monkeypatch.setenv("XSELL_MAMBU_READ_TIMEOUT", "2")  # a TIMEOUT fault sleeps 3 s


def pipeline_settings(store_url: str, policy: Path, **changes: Any) -> Any:
    pipeline = {
        "platform": "mambu",
        "pseudonym_key": KEY,
        "policy": str(policy),
        "drain_seconds": 0.1,
        "writeback_backoff_seconds": 0.1,
        "writeback_attempts": 30,
    }
    workers = {"count": 2, "retry_seconds": 0.2, "idle_seconds": 0.05}
    return make_settings(store_url, pipeline=pipeline, workers=workers, **changes)


@dataclass
class Bound:
    core: MambuMock
    core_url: str
    listener: str
    services: Services

    def offered(self) -> dict[str, str]:
        """Offer id → party id of every OFFERED (or approved) decision in the log."""
        found = {}
        for decision in DecisionLog(self.services.store.engine).decisions():
            if decision.offer is not None and decision.outcome.value in ("offered", "approved"):
                found[decision.offer.id] = decision.party_id
        return found

    def tasks(self) -> list[str]:
        """The offer ids of the tasks the core created, one per creation (an
        Idempotency-Key replay answers 201 again with nothing created: not counted)."""
        posts = self.core.journal.entries(method="POST", path_prefix="/api/tasks")
        titles = [json.loads(p.body)["title"] for p in posts if p.status == 201 and p.created]
        return [title.removeprefix("xsell offer ").partition(":")[0] for title in titles]

    def settled(self) -> bool:
        depth = self.services.store.inbox.depth()
        out = OutboxStore(self.services.store.engine).depth()
        busy = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.FAILED)
        return sum(v for k, v in depth.items() if k.value in ("pending", "claimed")) == 0 and (
            sum(out[s] for s in busy) == 0
        )


@contextmanager
def bound_listener(
    monkeypatch: pytest.MonkeyPatch,
    store_url: str,
    policy: Path,
    *,
    customers: int = 12,
    faults: list[FaultRule] | None = None,
) -> Iterator[Bound]:
    """The Mambu mock (webhooks to the listener) and the listener bound to it, on loopback."""
    port = free_port()
    core = MambuMock(
        SyntheticBank(BankConfig(customers=customers)),
        faults=faults or [],
        fault_seed=11,
        webhook_url=f"http://127.0.0.1:{port}/webhooks/mambu",
        webhook_secret=MAMBU_SECRET,
        webhook_backoff=0.05,
    )
    with ServerThread(core) as server:
        mambu_env(monkeypatch, server.url)
        services = Services.build(pipeline_settings(store_url, policy))
        with ListenerThread(services, port) as listener:
            yield Bound(core, server.url, listener, services)


def mambu_webhook(http: httpx.Client, account: str, party: str, delivery: str) -> int:
    """POST the xsell Mambu template for ``account`` to the listener; the status."""
    body = {"source": "mambu", "event": "SAVINGS_DEPOSIT", "accountId": account}
    body["clientId"] = party
    headers = {
        "content-type": "application/json",
        "x-notifications-idempotency-key": delivery,
        "X-Xsell-Webhook-Secret": MAMBU_SECRET,
    }
    return http.post("/webhooks/mambu", content=json.dumps(body), headers=headers).status_code
