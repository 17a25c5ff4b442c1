"""The real parts of the journey, each in its own process, on loopback.

- a fresh PostgreSQL database (the store), dropped at the end;
- on RabbitMQ, per phase a topic exchange standing in for Transact's business-event
  exchange, bound to a quorum queue declared with the listener's own topology; all deleted
  at the end;
- the Transact mock core (``xsell-connect mock temenos``), serving the bench's bank;
- the listener (``xsell-connect listen``) consuming the path's queue, with the decision
  pipeline bound to the mock core and writing offers back to it: one process, or several
  replicas of it (``listeners``), each its own ``xsell-connect listen`` with the same
  settings but for its HTTP port and its AMQP connection name, sharing the store and the
  queue as competing consumers (the scale-out the listener supports: README, "The store").

Every port is picked free; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pika

from bench.time_to_offer.events import BENCH_POLICY, MONTHS, SEED
from xsell_connect.listener.amqp import declare_topology
from xsell_connect.listener.settings import AmqpSettings

__all__ = ["AMQP_URL", "POSTGRES", "Stack", "free_port", "listeners", "stack", "wait_listeners"]

logger = logging.getLogger("bench.time_to_offer")

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=test"
API_KEY = "bench-api-key"
COMPANY = "GB0010001"
PSEUDONYM_KEY = "bench-time-to-offer-pseudonym-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Stack:
    """Names and addresses of one run's parts."""

    name: str  # prefix of every queue, exchange and database of the run
    directory: Path
    customers: int
    mock_port: int = 0
    listener_ports: list[int] = field(default_factory=list)  # one per listener process
    mock_pid: int = 0

    @property
    def database(self) -> str:
        return self.name.replace("-", "_")

    @property
    def store_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:5432/{self.database}"

    @property
    def mock_url(self) -> str:
        return f"http://127.0.0.1:{self.mock_port}"

    def queue(self, phase: str) -> str:
        return f"{self.name}.{phase}"

    def exchange(self, phase: str) -> str:
        """The exchange a phase's events are published to (routing key: the event type)."""
        return f"{self.name}.{phase}.events"

    def amqp(self, phase: str) -> AmqpSettings:
        return AmqpSettings.model_validate(
            {
                "url": AMQP_URL,
                "source": "temenos",
                "queue": self.queue(phase),
                "dead_letter_exchange": f"{self.queue(phase)}.dlx",
                "connection_name": self.queue(phase),
            }
        )

    def core_env(self) -> dict[str, str]:
        """What the listener and the floor consumer need to reach the mock core."""
        return {
            "XSELL_TEMENOS_BASE_URL": f"{self.mock_url}/api",
            "XSELL_TEMENOS_API_KEY": API_KEY,
            "XSELL_TEMENOS_COMPANY_ID": COMPANY,
            "XSELL_PIPELINE__PSEUDONYM_KEY": PSEUDONYM_KEY,
        }

    def listener_config(self, replica: int = 0) -> Path:
        """A listener's settings: the shipped defaults but for what the bench must set.

        Replicas differ only in their HTTP port and their AMQP connection's name.
        """
        policy = self.directory / "policy.toml"
        policy.write_text(BENCH_POLICY)
        amqp = self.amqp("path")
        path = self.directory / f"bench-{replica}.toml"
        path.write_text(
            f"""
store_url = "{self.store_url}"
[http]
host = "127.0.0.1"
port = {self.listener_ports[replica]}
[[sources]]
name = "temenos"
format = "temenos"
verification = "none"
allow_ips = ["127.0.0.0/8"]
[amqp]
url = "{AMQP_URL}"
source = "temenos"
queue = "{amqp.queue}"
dead_letter_exchange = "{amqp.dead_letter_exchange}"
connection_name = "{amqp.connection_name}-{replica}"
[pipeline]
platform = "temenos"
policy = "{policy}"
"""
        )
        return path


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "xsell_connect.cli", *args]


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{url} did not answer; log tail:\n{tail}")
        time.sleep(0.1)


@contextlib.contextmanager
def _process(
    command: list[str], log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process; SIGTERM (then SIGKILL) on exit."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def database(stack: Stack) -> Iterator[None]:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{stack.database}"')
    try:
        yield
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{stack.database}" WITH (FORCE)')


@contextlib.contextmanager
def topology(stack: Stack, phases: tuple[str, ...]) -> Iterator[None]:
    """Per phase: its exchange, bound to its queue (declared as the listener declares it).

    Each side has a connection of its own: a blocking connection left idle through a run
    of minutes misses its heartbeats and is dropped by the broker.
    """
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        channel = connection.channel()
        for phase in phases:
            settings = stack.amqp(phase)
            declare_topology(channel, settings)
            channel.exchange_declare(stack.exchange(phase), "topic", durable=True)
            channel.queue_bind(settings.queue, stack.exchange(phase), routing_key="#")
    finally:
        connection.close()
    try:
        yield
    finally:
        connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        channel = connection.channel()
        for phase in phases:
            settings = stack.amqp(phase)
            for queue in (settings.queue, f"{settings.queue}.dead"):
                channel.queue_delete(queue)
            for exchange in (settings.dead_letter_exchange, stack.exchange(phase)):
                channel.exchange_delete(exchange)
        connection.close()


@contextlib.contextmanager
def mock_core(stack: Stack) -> Iterator[subprocess.Popen[bytes]]:
    stack.mock_port = free_port()
    command = _cli(
        "mock", "temenos", "--port", str(stack.mock_port), "--customers", str(stack.customers),
        "--seed", str(SEED), "--months", str(MONTHS),
    )  # fmt: skip
    log = stack.directory / "mock.log"
    with _process(command, log) as process:
        _wait_http(f"{stack.mock_url}/_mock/health", process, log, 60)
        stack.mock_pid = process.pid
        yield process


def _listener_log(stack: Stack, replica: int) -> Path:
    return stack.directory / f"listener-{replica}.log"


@contextlib.contextmanager
def listeners(stack: Stack, count: int = 1) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` listener processes, starting (``wait_listeners`` waits until they are ready)."""
    stack.listener_ports = [free_port() for _ in range(count)]
    with contextlib.ExitStack() as running:
        processes = []
        for replica in range(count):
            config = stack.listener_config(replica)
            command = _cli("listen", "--config", str(config), "--log-level", "warning")
            log = _listener_log(stack, replica)
            processes.append(running.enter_context(_process(command, log, stack.core_env())))
        yield processes
    logger.info("%d listener process(es) stopped", count)


def wait_listeners(stack: Stack, processes: list[subprocess.Popen[bytes]]) -> None:
    for replica, (port, process) in enumerate(zip(stack.listener_ports, processes, strict=True)):
        _wait_http(f"http://127.0.0.1:{port}/readyz", process, _listener_log(stack, replica), 120)
    logger.info("listener(s) up on port(s) %s", stack.listener_ports)


@contextlib.contextmanager
def stack(directory: Path, customers: int, phases: tuple[str, ...]) -> Iterator[Stack]:
    """The store, the broker's topology and the mock core (the listener is started apart)."""
    parts = Stack(f"tto-{uuid.uuid4().hex[:10]}", directory, customers)
    with database(parts), topology(parts, phases), mock_core(parts):
        logger.info("mock core up: %s, %d customers", parts.mock_url, customers)
        yield parts


def journal(stack: Stack, operation: str | None = None) -> list[dict[str, Any]]:
    """The mock core's journal entries (of one operation, or all), read after the run."""
    params = {} if operation is None else {"operation": operation}
    response = httpx.get(f"{stack.mock_url}/_mock/journal", params=params, timeout=120)
    response.raise_for_status()
    entries: list[dict[str, Any]] = response.json()
    return entries
