"""Listener processes bound to the decision pipeline, the Mambu mock served by the test."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reliability_helpers import MAMBU_SECRET
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import ServerThread
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.store import InboxStatus, Store
from xsell_connect.store.decisions import DecisionLog
from xsell_connect.store.outbox import OutboxStatus, OutboxStore

CUSTOMERS = 24


def write_pipeline_config(
    directory: Path, store_url: str, *, amqp: str = "", queue: str = "", name: str = "a"
) -> Path:
    """Sources "mambu" (shared secret) and "bus" (canonical, loopback only), the pipeline bound
    to the Mambu mock with a trusted, holdout-free policy; the consumer when ``amqp`` is set."""
    policy = directory / "bind-test-policy.toml"
    policy.write_text('version = "bind-test"\ndefault_tier = "trusted"\n[holdout]\nshare = "0"\n')
    consumer = ""
    if amqp:
        consumer = f"""
[amqp]
url = "{amqp}"
source = "bus"
queue = "{queue}"
dead_letter_exchange = "{queue}.dlx"
prefetch = 20
connection_name = "{queue}-{name}"
"""
    path = directory / f"bank-{name}.toml"
    path.write_text(
        f"""
store_url = "{store_url}"
[[sources]]
name = "mambu"
format = "mambu"
verification = "shared-secret"
secrets = ["{MAMBU_SECRET}"]
id_header = "x-notifications-idempotency-key"
[[sources]]
name = "bus"
verification = "none"
allow_ips = ["127.0.0.0/8"]
{consumer}
[workers]
count = 2
retry_seconds = 0.2
lease_seconds = 5
idle_seconds = 0.05
[pipeline]
platform = "mambu"
policy = "{policy}"
drain_seconds = 0.1
writeback_backoff_seconds = 0.1
writeback_attempts = 30
writeback_lease_seconds = 3
"""
    )
    return path


@contextmanager
def mambu_core() -> Iterator[tuple[MambuMock, dict[str, str]]]:
    """The Mambu mock on loopback and the environment a listener needs to reach it."""
    core = MambuMock(SyntheticBank(BankConfig(customers=CUSTOMERS)))
    with ServerThread(core) as server:
        yield (
            core,
            {
                "XSELL_MAMBU_BASE_URL": f"{server.url}/api",
                "XSELL_MAMBU_API_KEY": "test-api-key",
                "XSELL_PIPELINE__PSEUDONYM_KEY": "bind-test-pseudonym-key",
            },
        )


def offers(store: Store) -> dict[str, str]:
    """Offer id → party of every OFFERED decision in the log."""
    log = DecisionLog(store.engine)
    return {d.offer.id: d.party_id for d in log.decisions() if d.offer is not None}


def tasks(core: MambuMock) -> list[str]:
    """The offer id of each task the core created, once per creation.

    A retried POST with the same Idempotency-Key is answered 201 again from the mock's
    idempotency cache (its journal entry has ``created == ()``): that is not a second task.
    """
    posts = core.journal.entries(method="POST", path_prefix="/api/tasks")
    titles = [json.loads(p.body)["title"] for p in posts if p.status == 201 and p.created]
    return [title.removeprefix("xsell offer ").partition(":")[0] for title in titles]


def settled(store: Store) -> bool:
    inbox = store.inbox.depth()
    outbox = OutboxStore(store.engine).depth()
    waiting = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.FAILED)
    return (
        inbox[InboxStatus.PENDING] + inbox[InboxStatus.CLAIMED] + inbox[InboxStatus.FAILED] == 0
        and sum(outbox[s] for s in waiting) == 0
    )


def wait_settled(store: Store, seconds: float = 120) -> bool:
    """Poll until inbox and outbox are drained (a bound on waiting, not on speed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if settled(store):
            return True
        time.sleep(0.2)
    return settled(store)
