"""Helpers shared by the listener tests: settings, secrets, canonical event bodies."""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pika
import uvicorn

from xsell_connect.listener.app import create_app
from xsell_connect.listener.services import Services
from xsell_connect.listener.settings import AmqpSettings, ListenerSettings
from xsell_connect.models import CanonicalEvent, EventType

SECRET = "whsec_" + base64.b64encode(b"listener-test-key-0123456789abcd").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"listener-test-key-rotated-987654").decode()
MAMBU_SECRET = "mambu-shared-secret-for-tests"


def make_settings(store_url: str, **changes: Any) -> ListenerSettings:
    values: dict[str, Any] = {
        "store_url": store_url,
        "sources": [
            {"name": "bank", "secrets": [SECRET], "max_body_bytes": 4096},
            {
                "name": "mambu",
                "format": "mambu",
                "verification": "shared-secret",
                "secrets": [MAMBU_SECRET],
                "id_header": "x-notifications-idempotency-key",
            },
            {
                "name": "branch",
                "verification": "none",
                "allow_ips": ["10.1.0.0/16"],
            },
        ],
        "workers": {"count": 0, "retry_seconds": 0},
    }
    values.update(changes)
    return ListenerSettings(**values)


def event_body(key: str, party: str = "P-1") -> bytes:
    """A canonical event (CloudEvents JSON) with a deterministic id from ``key``."""
    event = CanonicalEvent.wrap(
        type=EventType.PARTY_ACTIVITY,
        platform="bank",
        source="https://core.bank.example",
        key=key,
        time=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        subject=party,
        data={"party_id": party},
    )
    return event.to_json().encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ListenerThread:
    """The listener app under uvicorn on a loopback port, in a background thread."""

    def __init__(self, services: Services, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(
            create_app(services), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> bool:
    """Poll until ``condition`` holds (a bound on waiting, not an assertion on speed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@contextlib.contextmanager
def scratch_queue(url: str, prefix: str, **options: Any) -> Iterator[AmqpSettings]:
    """AMQP settings for a queue of this test's own; its queues and exchange deleted after."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    yield AmqpSettings(
        url=url,
        source="bank",
        queue=name,
        dead_letter_exchange=f"{name}.dlx",
        connection_name=name,
        **options,
    )
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for queue in (name, f"{name}.dead"):
        channel.queue_delete(queue)
    channel.exchange_delete(f"{name}.dlx")
    connection.close()
