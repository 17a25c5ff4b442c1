"""RabbitMQ for the Temenos event tests: missing broker = skip locally, FAIL under CI=true."""

from __future__ import annotations

import os
import socket

import pytest

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


@pytest.fixture
def rabbitmq_url() -> str:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"RabbitMQ is required under CI and is not reachable: {exc}")
        pytest.skip(f"RabbitMQ not reachable on 127.0.0.1:5672: {exc}")
    return AMQP_URL
