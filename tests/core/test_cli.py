"""The command line: adapters, schema, mock (a real server process) and sync over loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import ServerThread
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect import registry
from xsell_connect.cli import main
from xsell_connect.models import CanonicalEvent, EventType

ACME = registry.BuiltinAdapter("xsell_connect_acme.adapter:AcmeAdapter", "xsell-connect-acme")


def test_adapters_json_lists_mambu_with_all_ten_capabilities(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(registry.BUILTIN_ADAPTERS, "acme", ACME)
    result = CliRunner().invoke(main, ["adapters", "--json"])
    assert result.exit_code == 0
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert len(rows["mambu"]["capabilities"]) == 10
    assert rows["acme"]["installed"] is False
    assert rows["acme"]["install_hint"] == "pip install xsell-connect-acme"


def test_adapters_table_names_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.BUILTIN_ADAPTERS, "acme", ACME)
    result = CliRunner().invoke(main, ["adapters"])
    (line,) = [line for line in result.output.splitlines() if line.startswith("acme ")]
    assert line.split(None, 1) == ["acme", "not installed: pip install xsell-connect-acme"]


def test_schema_write_produces_one_file_per_model(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "--write", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / "Party.schema.json").exists()
    assert len(list(tmp_path.glob("*.schema.json"))) == 9


def test_sync_against_a_mock_server_writes_canonical_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = SyntheticBank(BankConfig(seed=7, customers=6))
    out = tmp_path / "events.jsonl"
    monkeypatch.setenv("XSELL_MAMBU_API_KEY", "test-api-key")
    with ServerThread(MambuMock(bank)) as server:
        result = CliRunner().invoke(
            main,
            ["sync", "mambu", "--base-url", f"{server.url}/api", "--since", "2026-10-01",
             "--limit", "3", "-o", str(out)],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    events = [CanonicalEvent.model_validate_json(line) for line in out.read_text().splitlines()]
    parties = [e.subject for e in events if e.type == EventType.PARTY_SYNCED]
    assert parties == [bank.customer(i).number for i in range(3)]
    assert sum(e.type == EventType.PRODUCT_SYNCED for e in events) == len(bank.products)
    assert "events (" in result.output  # the plain progress line when not on a terminal


def test_sync_with_a_bad_key_fails_with_the_error_class() -> None:
    bank = SyntheticBank(BankConfig(seed=7, customers=2))
    with ServerThread(MambuMock(bank)) as server:
        result = CliRunner(env={"XSELL_MAMBU_API_KEY": "wrong"}).invoke(
            main, ["sync", "mambu", "--base-url", f"{server.url}/api"]
        )
    assert result.exit_code == 1
    assert "AuthenticationError" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_mock_command_serves_the_mambu_mock_over_http() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "xsell_connect.cli", "mock", "mambu", "--port", str(port),
         "--customers", "25", "--seed", "7"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/api/clients",
                    params={"limit": 1000},
                    headers={"Accept": "application/vnd.mambu.v2+json", "apiKey": "test-api-key"},
                    timeout=2,
                )
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert response.status_code == 200
        assert len(response.json()) == 25
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_mock_command_builds_the_bank_with_the_months_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import xsell_connect_mocks.framework as framework

    served: list[Any] = []
    monkeypatch.setattr(framework, "serve", lambda core, **_: served.append(core))
    result = CliRunner().invoke(
        main, ["mock", "temenos", "--customers", "5", "--seed", "3", "--months", "2"]
    )
    assert result.exit_code == 0, result.output
    (core,) = served
    assert core.platform == "temenos"
    assert core.bank.config == BankConfig(seed=3, customers=5, months=2)


def test_mock_command_takes_the_history_length_and_a_journal_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from xsell_connect_mocks import framework
    from xsell_connect_mocks.framework import MockCore

    served: list[MockCore] = []
    monkeypatch.setattr(framework, "serve", lambda core, **_: served.append(core))
    result = CliRunner().invoke(
        main, ["mock", "mambu", "--customers", "3", "--months", "1", "--journal-limit", "50"]
    )
    assert result.exit_code == 0, result.output
    [core] = served
    assert core.bank.config.months == 1
    assert core.journal.limit == 50


def test_the_command_line_loads_the_store_only_for_the_commands_that_use_it() -> None:
    probe = (
        "import sys; from click.testing import CliRunner; from xsell_connect.cli import main; "
        "CliRunner().invoke(main, ['sync', '--help']); before = 'sqlalchemy' in sys.modules; "
        "CliRunner().invoke(main, ['audit', '--help']); print(before, 'sqlalchemy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("name", ["audit", "approvals", "batch", "listen"])
def test_lazily_loaded_commands_are_listed_and_run(name: str) -> None:
    listing = CliRunner().invoke(main, ["--help"])
    result = CliRunner().invoke(main, [name, "--help"])

    assert f"  {name} " in listing.output
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {name} ")


def test_demo_runs_the_pipeline_and_ends_with_a_verified_summary(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    result = CliRunner().invoke(
        main,
        ["demo", "--customers", "12", "--days", "10", "--store", str(tmp_path / "demo.db"),
         "--report", str(report)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = dict(
        line.strip().split("  ", 1) for line in result.output.splitlines() if line.startswith("  ")
    )
    assert lines["audit chain"].strip().startswith("verified, ")
    assert "parked 0" in lines["write-backs done"]
    assert report.read_text().startswith("# xsell-connect decision report")
    check = CliRunner().invoke(
        main, ["audit", "verify", "--store", f"sqlite:///{tmp_path / 'demo.db'}"]
    )
    assert check.exit_code == 0
