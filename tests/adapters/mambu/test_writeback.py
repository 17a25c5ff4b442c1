"""Write-back request builders: the exact bodies Mambu receives."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from _support import fixture
from xsell_connect_mambu.settings import MambuConventions
from xsell_connect_mambu.writeback import (
    COMMENT_LIMIT,
    audit_comment,
    close_task_ops,
    format_score,
    nba_patch,
    offer_task,
    parse_audit_comment,
)

from xsell_connect.models import (
    AuditOutcome,
    AuditRecord,
    Channel,
    NextBestAction,
    Offer,
    OfferPricing,
)

CONVENTIONS = MambuConventions()
PREFIX = CONVENTIONS.audit_prefix
KEY = "8a19b7057471f4af017472dc0fd80472"


def nba(**changes: object) -> NextBestAction:
    values: dict[str, object] = {
        "party_id": "417023981",
        "action_code": "OFFER_GOLD_CARD",
        "score": Decimal("0.5"),
        "expires_on": date(2025, 1, 31),
        "offer_ref": "OFR-0123456789ABCDEF",
    }
    return NextBestAction.model_validate(values | changes)


def audit(**changes: object) -> AuditRecord:
    values: dict[str, object] = {
        "audit_id": "6f1d2c1e-0b8e-4d2a-9a51-0d6c3f2e9a10",
        "party_id": "417023981",
        "customer_ref": "pseudo-v1-0f3a9c",
        "nba_code": "OFFER_SAVINGS_PLUS",
        "offer_ref": "OFR-0123456789ABCDEF",
        "score": Decimal("0.82"),
        "model_version": "nba-2024.10",
        "reason_codes": ("SIG_SALARY_CREDIT", "SIG_SURPLUS_BALANCE"),
        "channel": Channel.EMAIL,
        "decided_at": datetime(2024, 11, 4, 8, 30, tzinfo=UTC),
        "outcome": AuditOutcome.PRESENTED,
    }
    return AuditRecord.model_validate(values | changes)


# -- Next_Best_Action ---------------------------------------------------------------------


def test_fields_absent_from_the_client_are_added() -> None:
    client = {"id": "417023981", "_profile": {"Segment": "MASS"}}

    assert nba_patch(nba(), client, CONVENTIONS) == [
        {"op": "ADD", "path": "/_xsell/Next_Best_Action", "value": "OFFER_GOLD_CARD"},
        {"op": "ADD", "path": "/_xsell/NBA_Score", "value": "0.5"},
        {"op": "ADD", "path": "/_xsell/NBA_Expiry", "value": "2025-01-31"},
        {"op": "ADD", "path": "/_xsell/NBA_Offer_Ref", "value": "OFR-0123456789ABCDEF"},
    ]


def test_fields_the_client_shows_are_replaced_and_cleared_ones_removed() -> None:
    client = fixture("get_client")  # has Next_Best_Action, NBA_Score, NBA_Expiry

    ops = nba_patch(nba(expires_on=None, offer_ref=None), client, CONVENTIONS)

    assert ops == [
        {"op": "REPLACE", "path": "/_xsell/Next_Best_Action", "value": "OFFER_GOLD_CARD"},
        {"op": "REPLACE", "path": "/_xsell/NBA_Score", "value": "0.5"},
        {"op": "REMOVE", "path": "/_xsell/NBA_Expiry"},
    ]


def test_the_banks_own_set_and_field_ids_are_used() -> None:
    conventions = MambuConventions(nba_field_set="_nba", nba_field="Action", score_field="Score")
    client = {"_nba": {"Action": "OLD"}}

    ops = nba_patch(nba(expires_on=None, offer_ref=None), client, conventions)

    assert ops == [
        {"op": "REPLACE", "path": "/_nba/Action", "value": "OFFER_GOLD_CARD"},
        {"op": "ADD", "path": "/_nba/Score", "value": "0.5"},
    ]


@pytest.mark.parametrize(
    ("score", "text"),
    [("0.82", "0.82"), ("0.123456", "0.1235"), ("1", "1"), ("0.50", "0.5"), ("0", "0")],
)
def test_scores_are_strings_with_at_most_four_decimals(score: str, text: str) -> None:
    assert format_score(Decimal(score)) == text


# -- offers -------------------------------------------------------------------------------


def test_offer_becomes_an_open_task_on_the_client() -> None:
    offer = Offer(
        id="OFR-0123456789ABCDEF",
        party_id="417023981",
        product_code="SAVPLUS",
        product_name="Savings Plus",
        nba_code="OFFER_SAVINGS_PLUS",
        pricing=OfferPricing(currency="EUR", rate=Decimal("3.1")),
        channel=Channel.EMAIL,
        score=Decimal("0.82"),
        reason_codes=("SIG_SALARY_CREDIT", "SIG_SURPLUS_BALANCE"),
        created_at=datetime(2024, 11, 4, 9, 30, tzinfo=UTC),
        # 00:30 in Paris on 1 January is still 31 December in UTC, as Mambu reads dueDate
        expires_at=datetime(2025, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
    )

    assert offer_task(offer, KEY) == {
        "title": "xsell offer OFR-0123456789ABCDEF: Savings Plus",
        "description": "NBA=OFFER_SAVINGS_PLUS score=0.82 product=SAVPLUS channel=EMAIL "
        "reasons=SIG_SALARY_CREDIT,SIG_SURPLUS_BALANCE",
        "dueDate": "2024-12-31",
        "status": "OPEN",
        "taskLinkType": "CLIENT",
        "taskLinkKey": KEY,
    }


def test_closing_a_task_replaces_its_status() -> None:
    assert close_task_ops() == [{"op": "REPLACE", "path": "/status", "value": "COMPLETED"}]


# -- audit --------------------------------------------------------------------------------


def test_audit_record_becomes_a_client_comment_with_prefix_and_compact_json() -> None:
    record = audit()

    body = audit_comment(record, KEY, PREFIX)

    assert body == {
        "ownerType": "CLIENT",
        "ownerKey": KEY,
        "text": f"AI_Interaction_Audit/v1 {record.compact_json()}",
    }
    assert len(body["text"]) < COMMENT_LIMIT
    assert parse_audit_comment(body["text"], PREFIX) == record.row()


def test_long_audit_text_drops_reason_codes_first_and_keeps_the_ids() -> None:
    codes = tuple(f"SIG_REASON_NUMBER_{i:03d}" for i in range(80))
    record = audit(reason_codes=codes, correlation_id="corr-42")

    text = audit_comment(record, KEY, PREFIX)["text"]
    row = parse_audit_comment(text, PREFIX)

    assert len(text) < COMMENT_LIMIT
    assert row is not None
    assert row["truncated"] is True
    assert 0 < len(row["reason_codes"]) < len(codes)
    assert list(codes[: len(row["reason_codes"])]) == row["reason_codes"]
    for name in ("audit_id", "customer_ref", "offer_ref", "correlation_id", "nba_code", "score"):
        assert row[name] == record.row()[name]


def test_when_ids_are_long_optional_fields_go_too() -> None:
    record = audit(model_version="m" * 300, customer_ref="c" * 500, reason_codes=("A",) * 5)

    text = audit_comment(record, KEY, PREFIX)["text"]
    row = parse_audit_comment(text, PREFIX)

    assert len(text) < COMMENT_LIMIT
    assert row is not None
    assert "model_version" not in row
    assert row["reason_codes"] == []
    assert row["customer_ref"] == "c" * 500


def test_other_comments_are_not_audit_rows() -> None:
    assert parse_audit_comment("Called the customer about the card.", PREFIX) is None
    assert parse_audit_comment(f"{PREFIX} not json", PREFIX) is None
    assert parse_audit_comment(f"{PREFIX} {json.dumps([1])}", PREFIX) is None
