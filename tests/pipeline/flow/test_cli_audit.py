"""`xsell-connect audit` and `approvals` on a store the runner filled."""

from __future__ import annotations

import json
from pathlib import Path

from _flow_support import FakeClock, offered
from click.testing import CliRunner
from sqlalchemy import update

from xsell_connect.cli import main
from xsell_connect.pipeline.runner import Runner
from xsell_connect.pipeline.types import DecisionOutcome, Tier
from xsell_connect.store import Store
from xsell_connect.store.schema import decisions


def _filled(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store.open(url)
    runner = Runner(store.engine, None, None, clock=FakeClock())  # type: ignore[arg-type]
    with store.engine.begin() as connection:
        runner._commit_in(connection, offered("100000001"))
        pending = offered("100000002", tier=Tier.OBSERVE, outcome=DecisionOutcome.PENDING_APPROVAL)
        runner._commit_in(connection, pending)
        runner._commit_in(connection, offered("100000003"))
    store.close()
    return url


def test_verify_passes_then_names_the_edited_record(tmp_path: Path) -> None:
    url = _filled(tmp_path)
    ok = CliRunner().invoke(main, ["audit", "verify", "--store", url])
    assert ok.exit_code == 0
    assert ok.output.startswith("audit chain verified: 3 records")
    store = Store.open(url)
    with store.engine.begin() as connection:
        connection.execute(
            update(decisions).where(decisions.c.seq == 2).values(outcome="offered", record="{}")
        )
    store.close()
    broken = CliRunner().invoke(main, ["audit", "verify", "--store", url])
    assert broken.exit_code == 1
    assert (
        "broken link at seq 2 (decision DEC-100000002-1): hash does not match the record: edited"
        in broken.output
    )


def test_show_explains_in_text_and_json(tmp_path: Path) -> None:
    url = _filled(tmp_path)
    text = CliRunner().invoke(main, ["audit", "show", "DEC-100000001-1", "--store", url])
    assert text.exit_code == 0
    assert "why SAV01: highest priority" in text.output
    raw = CliRunner().invoke(main, ["audit", "show", "DEC-100000001-1", "--json", "--store", url])
    info = json.loads(raw.output)
    assert (info["chosen"], info["outcome"], info["tier"]) == ("SAV01", "offered", "trusted")
    assert [c["product_code"] for c in info["ranked"]] == ["SAV01", "CARD01"]
    missing = CliRunner().invoke(main, ["audit", "show", "DEC-NOPE", "--store", url])
    assert missing.exit_code == 1
    assert "no decision DEC-NOPE" in missing.output


def test_approvals_list_approve_and_reject(tmp_path: Path) -> None:
    url = _filled(tmp_path)
    listed = CliRunner().invoke(main, ["approvals", "list", "--store", url])
    assert listed.output.splitlines()[0].startswith("DEC-100000002-1  pending")
    assert listed.output.splitlines()[-1] == "1 approval(s)"
    no_reason = CliRunner().invoke(main, ["approvals", "reject", "DEC-100000002-1", "--store", url])
    assert no_reason.exit_code == 2
    approved = CliRunner().invoke(
        main, ["approvals", "approve", "DEC-100000002-1", "--by", "alice", "--store", url]
    )
    assert approved.output == "DEC-100000002-1: approved by alice\n"
    again = CliRunner().invoke(
        main, ["approvals", "reject", "DEC-100000002-1", "--reason", "x", "--store", url]
    )
    assert again.exit_code == 1
    assert "is not pending approval" in again.output
    verified = CliRunner().invoke(main, ["audit", "verify", "--store", url])
    assert verified.output.startswith("audit chain verified: 4 records")
