"""Fixtures of the Finacle adapter tests: a RabbitMQ channel on loopback.

With ``CI=true`` a broker that cannot be reached FAILS the test; elsewhere it is a skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def rabbit_queue() -> Iterator[tuple[Any, str]]:
    """A pika channel and a fresh ``finacle-test-*`` queue, deleted afterwards."""
    import pika

    params = pika.ConnectionParameters(
        "127.0.0.1",
        5672,
        credentials=pika.PlainCredentials("guest", "guest"),
        socket_timeout=5,
        blocked_connection_timeout=5,
        connection_attempts=1,
    )
    try:
        connection = pika.BlockingConnection(params)
    except Exception as exc:  # the broker is a service of the test machine
        if os.environ.get("CI") == "true":
            pytest.fail(f"RabbitMQ on 127.0.0.1:5672 is required under CI: {exc}")
        pytest.skip(f"RabbitMQ on 127.0.0.1:5672 not reachable: {exc}")
    channel = connection.channel()
    queue = f"finacle-test-{secrets.token_hex(6)}"
    channel.queue_declare(queue, durable=False, auto_delete=False)
    try:
        yield channel, queue
    finally:
        channel.queue_delete(queue)
        connection.close()
