"""Listener fixtures: settings, services on a SQLite store, and an in-process HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from listener_helpers import make_settings

from xsell_connect.listener.app import create_app
from xsell_connect.listener.ports import InMemoryApprovalQueue, InMemoryNextBestActions, MemorySink
from xsell_connect.listener.services import Services


@pytest.fixture(autouse=True)
def _mambu_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XSELL_MAMBU_BASE_URL", "https://bank.example/api")
    monkeypatch.setenv("XSELL_MAMBU_API_KEY", "not-a-real-key")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'listener.db'}"


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
def approvals() -> InMemoryApprovalQueue:
    return InMemoryApprovalQueue()


@pytest.fixture
def services(
    sqlite_url: str, sink: MemorySink, approvals: InMemoryApprovalQueue
) -> Iterator[Services]:
    built = Services.build(
        make_settings(sqlite_url), sink=sink, approvals=approvals, nba=InMemoryNextBestActions()
    )
    yield built
    built.store.close()


ClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(services), client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://listener") as http:
        yield http
