"""The listener SIGKILLed under webhook load and started again: every 2xx is processed once."""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from reliability_helpers import SECRET, free_port, listener, write_config
from standardwebhooks import Webhook

from xsell_connect.store import InboxStatus, Store

pytestmark = pytest.mark.services

SENDERS, PER_SENDER, KILL_AFTER = 4, 150, 200


def event(n: int) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"evt-{n}",
            "source": "https://core.bank.example",
            "type": "xsell.party.activity",
            "time": "2026-11-21T09:00:00Z",
            "platform": "bank",
            "subject": f"P-{n}",
            "data": {"party_id": f"P-{n}"},
        }
    ).encode()


def test_every_acknowledged_webhook_is_processed_exactly_once(
    postgres_url: str, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.jsonl"
    config = write_config(tmp_path, postgres_url, journal=journal)
    port = free_port()
    acked: set[str] = set()
    lock = threading.Lock()
    webhook = Webhook(SECRET)

    def send(sender: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for k in range(PER_SENDER):
                n = sender * PER_SENDER + k
                body, msg_id = event(n), f"msg-{n}"
                stamp = datetime.now(UTC)
                headers = {
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(int(stamp.timestamp())),
                    "webhook-signature": webhook.sign(msg_id, stamp, body.decode()),
                }
                try:
                    response = http.post("/webhooks/bank", content=body, headers=headers)
                except httpx.TransportError:
                    return  # the listener is dead: nothing more to send
                if 200 <= response.status_code < 300:
                    with lock:
                        acked.add(f"evt-{n}")

    with listener(config, port, tmp_path / "first.log") as process:
        senders = [threading.Thread(target=send, args=(s,)) for s in range(SENDERS)]
        for thread in senders:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acked) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for thread in senders:
            thread.join(30)
    assert len(acked) >= KILL_AFTER

    store = Store.open(postgres_url, migrate=False)
    with listener(config, port, tmp_path / "second.log"):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            depth = store.inbox.depth()
            if depth[InboxStatus.PENDING] + depth[InboxStatus.CLAIMED] == 0:
                break
            time.sleep(0.2)
    depth = store.inbox.depth()
    store.close()
    handed = [json.loads(line)["id"] for line in journal.read_text().splitlines()]
    assert depth[InboxStatus.PENDING] + depth[InboxStatus.CLAIMED] + depth[InboxStatus.FAILED] == 0
    assert acked <= set(handed)  # none lost
    assert depth[InboxStatus.DONE] == len(set(handed))  # each stored once, effects once per id
