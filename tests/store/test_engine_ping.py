"""PostgreSQL pool connections are pinged before use only after sitting idle in the pool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from _store_support import Monotonic
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from xsell_connect.store import engine as engine_module
from xsell_connect.store import make_engine


@pytest.fixture
def engine(postgres_url: str, monotonic: Monotonic) -> Iterator[Engine]:
    made = make_engine(postgres_url, pool_size=1, max_overflow=0)
    yield made
    made.dispose()


@pytest.fixture
def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    seen: list[object] = []
    real = engine.dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        seen.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", do_ping)
    return seen


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        pid: int = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return pid


def terminate(postgres_url: str, pid: int) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_checked_in_a_moment_ago_is_used_without_a_ping(
    engine: Engine, pings: list[object], monotonic: Monotonic
) -> None:
    first = backend_pid(engine)
    monotonic.now += engine_module.PING_AFTER_IDLE_SECONDS
    assert backend_pid(engine) == first
    assert pings == []


def test_a_connection_idle_past_the_limit_is_pinged_then_used(
    engine: Engine, pings: list[object], monotonic: Monotonic
) -> None:
    first = backend_pid(engine)
    monotonic.now += engine_module.PING_AFTER_IDLE_SECONDS + 0.5
    assert backend_pid(engine) == first
    assert len(pings) == 1


def test_a_dead_idle_connection_is_replaced_before_use(
    engine: Engine, pings: list[object], monotonic: Monotonic, postgres_url: str
) -> None:
    first = backend_pid(engine)
    terminate(postgres_url, first)
    monotonic.now += engine_module.PING_AFTER_IDLE_SECONDS + 0.5
    second = backend_pid(engine)
    assert second != first
    assert len(pings) == 1  # the dead one; the new connection is fresh


def test_a_dead_connection_used_a_moment_ago_fails_once_then_the_pool_reconnects(
    engine: Engine, pings: list[object], postgres_url: str
) -> None:
    first = backend_pid(engine)
    terminate(postgres_url, first)
    with pytest.raises(OperationalError) as failed:
        backend_pid(engine)
    assert failed.value.connection_invalidated
    assert backend_pid(engine) != first
    assert pings == []


def test_an_explicit_pool_pre_ping_is_sqlalchemys_own(
    postgres_url: str, monotonic: Monotonic
) -> None:
    made = make_engine(postgres_url, pool_pre_ping=True)
    try:
        assert made.pool._pre_ping is True
        assert not made.pool.dispatch.checkout
    finally:
        made.dispose()
