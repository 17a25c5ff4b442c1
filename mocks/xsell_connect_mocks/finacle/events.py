"""ESB-style alert messages for the bank's postings, and their publication on RabbitMQ.

Finacle has no public event or alert schema (reference §3). Project convention: the bank's
ESB publishes one JSON object per alert, ``eventType`` ``TXN_POSTED`` for a posting
(also ``CUST_MODIFIED``, ``ACCT_OPENED``, ``ACCT_CLOSED``, ``BAL_THRESHOLD``), as a
persistent ``application/json`` message whose ``message_id`` is the ``eventId``. The same
body may also arrive over HTTPS (the listener checks the shared-secret HMAC header).
Ids and times are the ones the FIXML services show (``acid``, ``tranId`` and serial,
``pstdDate`` as ``occurredAt``), so the adapter derives the same ledger entry id.

``POST /_mock/finacle/alerts/replay`` (`replay_alerts`) renders the alerts of the bank's
postings in a window as an ESB would deliver them at least once: some repeated (same
``eventId``) and, if asked, out of order; the listener must de-duplicate and not rely on
order.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from xsell_connect_mocks.bank import AccountSpec, PostingSpec, SyntheticBank
from xsell_connect_mocks.finacle.accounts import tran_id
from xsell_connect_mocks.finacle.schemes import acid_of, sol_of
from xsell_connect_mocks.finacle.wire import fdatetime

__all__ = ["alert_for", "publish_alerts", "replay_alerts"]

_NAMESPACE = uuid.UUID("9b7c1f4e-2a6d-5c3b-8e0f-4d1a7b2c6e95")


def alert_for(bank: SyntheticBank, account: AccountSpec, posting: PostingSpec) -> dict[str, Any]:
    """The ``TXN_POSTED`` alert of one posting (deterministic ``eventId``)."""
    customer = bank.customer(account.customer_index)
    return {
        "eventId": str(uuid.uuid5(_NAMESPACE, posting.id)),
        "eventType": "TXN_POSTED",
        "occurredAt": fdatetime(posting.booked_at),
        "bankId": "01",
        "solId": sol_of(customer.branch),
        "custId": customer.number,
        "acid": acid_of(account.number),
        "tranId": tran_id(posting),
        "partTranSrlNum": "1",
        "tranType": "C" if posting.direction == "CRDT" else "D",
        "amount": f"{posting.amount:.2f}",
        "currency": account.currency,
    }


def replay_alerts(
    bank: SyntheticBank,
    since: datetime,
    until: datetime,
    *,
    duplicates: float = 0.0,
    shuffle: bool = False,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """``TXN_POSTED`` alerts of the postings booked in ``[since, until)``, as delivered.

    Args:
        duplicates: The share of alerts delivered twice (0 to 1), drawn with ``seed``.
        shuffle: Deliver in a seeded random order instead of booking order.
    """
    if not 0.0 <= duplicates <= 1.0:
        raise ValueError(f"duplicates must be within [0, 1], not {duplicates}")
    draw = random.Random(seed)
    accounts: dict[str, AccountSpec] = {}
    out: list[dict[str, Any]] = []
    for posting in bank.postings_between(since, until):
        account = accounts.get(posting.account_number) or bank.account(posting.account_number)
        assert account is not None  # the bank's own posting
        accounts[posting.account_number] = account
        alert = alert_for(bank, account, posting)
        out.append(alert)
        if draw.random() < duplicates:
            out.append(dict(alert))
    if shuffle:
        draw.shuffle(out)
    return out


def publish_alerts(
    channel: Any, routing_key: str, alerts: Iterable[dict[str, Any]], exchange: str = ""
) -> int:
    """Publish alerts on a pika channel (persistent, JSON); returns how many were sent."""
    import pika

    sent = 0
    for alert in alerts:
        properties = pika.BasicProperties(
            content_type="application/json",
            delivery_mode=2,
            message_id=alert["eventId"],
            type=alert["eventType"],
            app_id="finacle-esb",
        )
        channel.basic_publish(exchange, routing_key, json.dumps(alert).encode(), properties)
        sent += 1
    return sent
