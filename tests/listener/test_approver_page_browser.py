"""The approver page in headless Chromium: approving an offer writes it into the mock core."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from listener_helpers import ListenerThread, make_settings, wait_for
from pipeline_support import bound_listener, mambu_webhook, write_policy
from xsell_connect_mambu import MambuAdapter
from xsell_connect_mambu.settings import MambuSettings
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import ServerThread
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.listener.ports import Approval, InMemoryApprovalQueue
from xsell_connect.listener.services import Services
from xsell_connect.models import Channel, Offer, OfferPricing

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def chromium() -> str:
    """Debian's chromium; CI (which installs it in .ci/run) fails without it, a laptop skips."""
    if CHROMIUM is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true" or os.environ.get("XSELL_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}; CI needs it")
        pytest.skip(reason)
    return CHROMIUM


def offer_for(approval: Approval) -> Offer:
    return Offer(
        id=approval.id,
        party_id=approval.party_id,
        product_code=approval.product_code,
        product_name="Savings Plus",
        nba_code="OFFER_SAVINGS_PLUS",
        pricing=OfferPricing(currency="EUR", rate=Decimal("2.25")),
        channel=Channel.EMAIL,
        score=Decimal("0.82"),
        created_at=NOW,
        expires_at=NOW + timedelta(days=30),
    )


@pytest.fixture
def mock() -> Iterator[tuple[MambuMock, str]]:
    core = MambuMock(SyntheticBank(BankConfig(customers=5)))
    with ServerThread(core) as server:
        yield core, server.url


def test_approving_on_the_page_lands_the_offer_in_the_core(
    mock: tuple[MambuMock, str], tmp_path: Path, chromium: str
) -> None:
    from playwright.sync_api import sync_playwright

    core, url = mock
    party = core.bank.customer(1).number
    adapter = MambuAdapter.from_settings(
        MambuSettings(base_url=f"{url}/api", api_key="test-api-key")  # type: ignore[arg-type]
    )

    async def write_back(approval: Approval) -> None:
        await adapter.write_offer(offer_for(approval), idempotency_key=f"{approval.id}:offer")

    approval_id = Offer.make_id(party, "salary_credit", "evt-1")
    queue = InMemoryApprovalQueue(
        [
            Approval(
                id=approval_id,
                party_id=party,
                pattern="salary_credit",
                product_code="SAVINGS_PLUS",
                explanation=("salary credited three months running",),
                created_at=NOW,
            )
        ],
        on_approve=write_back,
    )
    services = Services.build(make_settings(f"sqlite:///{tmp_path / 'page.db'}"), approvals=queue)
    with ListenerThread(services) as listener, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page()
            page.goto(f"{listener}/approvals")
            item = page.locator(f"#approval-{approval_id}")
            assert item.locator(".explanation li").inner_text() == (
                "salary credited three months running"
            )
            item.get_by_role("button", name="Approve").click()
            page.wait_for_url(f"{listener}/approvals")
            assert page.locator("li.empty").inner_text() == "Nothing is waiting."
        finally:
            browser.close()
    posts = core.journal.entries(method="POST", path_prefix="/api/tasks")
    assert [p.status for p in posts] == [201]
    assert approval_id.encode() in posts[0].body


def test_approving_on_the_page_against_the_store_lands_the_held_offer_in_the_core(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chromium: str
) -> None:
    """The real binding: an observe-tier decision waits; approving it releases its effects."""
    from playwright.sync_api import sync_playwright

    policy = write_policy(tmp_path, "observe")
    with bound_listener(monkeypatch, postgres_url, policy) as bound:
        with httpx.Client(base_url=bound.listener) as http:
            assert mambu_webhook(http, "10000000401", "100000004", "bind-test-page") == 202
            assert wait_for(lambda: len(http.get("/v1/approvals").json()["items"]) == 1)
            (item,) = http.get("/v1/approvals").json()["items"]
        assert bound.tasks() == []  # held until a human approves
        decision_id = item["id"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True)
            try:
                page = browser.new_page()
                page.goto(f"{bound.listener}/approvals")
                shown = page.locator(f"#approval-{decision_id}")
                lines = shown.locator(".explanation li").all_inner_texts()
                assert lines[0].startswith(f"decision {decision_id} (live)")
                assert any(line.startswith("persistent_surplus v1:") for line in lines)
                shown.get_by_role("button", name="Approve").click()
                page.wait_for_url(f"{bound.listener}/approvals")
                assert page.locator("li.empty").inner_text() == "Nothing is waiting."
            finally:
                browser.close()
        assert wait_for(lambda: len(bound.tasks()) == 1 and bound.settled(), 60)
        (offer_id,) = bound.offered()
        assert bound.tasks() == [offer_id]
