"""``xsell-connect mock finacle --port N`` is a real server the adapter reads over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from _finacle_support import adapter_for
from xsell_connect_finacle import FinacleAdapter
from xsell_connect_mocks.bank import BankConfig
from xsell_connect_mocks.finacle.harness import FinacleHarness

from xsell_connect.adapter import PageRequest

SEED, CUSTOMERS = 5, 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "xsell_connect.cli", "mock", "finacle", "--port", str(port),
         "--customers", str(CUSTOMERS), "--seed", str(SEED)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/_mock/finacle/schemes", timeout=2).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_the_adapter_reads_the_served_mock_as_it_reads_the_in_process_one(
    server: str,
) -> None:
    local = FinacleHarness(BankConfig(seed=SEED, customers=CUSTOMERS))
    async with httpx.AsyncClient(timeout=5) as client:
        table = (await client.get(f"{server}/_mock/finacle/schemes")).json()
    settings = {**local.settings(), "base_url": server, "scheme_table": table}
    remote = FinacleAdapter.from_settings(settings)  # real HTTP over loopback
    async with remote, adapter_for(local) as reference:
        parties = await remote.list_parties(PageRequest(size=CUSTOMERS))
        assert len(parties.items) == CUSTOMERS
        assert parties.items == (await reference.list_parties(PageRequest(size=CUSTOMERS))).items
        party = parties.items[0].id
        accounts = await remote.list_accounts(party)
        assert accounts == await reference.list_accounts(party)
        entries = await remote.list_ledger_entries(accounts[0].id, page=PageRequest(size=20))
        expected = await reference.list_ledger_entries(accounts[0].id, page=PageRequest(size=20))
        assert entries.items == expected.items
        assert len(entries.items) > 0
