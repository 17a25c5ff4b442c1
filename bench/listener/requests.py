"""The benchmark's requests: signed Standard Webhooks deliveries, as raw HTTP/1.1 bytes.

Each request carries a canonical event (CloudEvents JSON, ~1 KB: a ledger posting) and a
unique ``webhook-id`` (``{prefix}-{n}``), so that every request the listener answers is a
new inbox row, never a duplicate. They are signed with the key in
:data:`SECRET_VARIABLE` (``whsec_...``, shared with the server through the environment)
exactly as :func:`xsell_connect.listener.webhooks.sign` does, and built before any clock
starts. The bare endpoint gets the very same bytes.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from xsell_connect.listener.webhooks import decode_secret, sign
from xsell_connect.models import EventType
from xsell_connect.models.events import event_id

__all__ = ["PATH", "SECRET_VARIABLE", "SOURCE", "build", "event_body", "posting"]

#: The webhook source the benchmark's listener is configured with.
SOURCE = "bench"
PATH = f"/webhooks/{SOURCE}"
#: The listener reads a source's secrets from this variable (``settings.secrets_variable``).
SECRET_VARIABLE = "XSELL_SOURCE_BENCH_SECRETS"
_EPOCH = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
_PLATFORM = "bench"


def event_body(n: int) -> bytes:
    """The ``n``-th ledger posting as a canonical event, ~1 KB of JSON (synthetic, no PII).

    Written as ``CanonicalEvent.wrap(...).to_json()`` writes it (a test holds the two
    equal), without the model: a listener phase needs tens of thousands of them.
    """
    party = f"P-{n % 5000:06d}"
    booked = _EPOCH + timedelta(seconds=n)
    entry = f"LE-{n:09d}"
    event = {
        "specversion": "1.0",
        "id": event_id(_PLATFORM, EventType.LEDGER_ENTRY_POSTED.value, entry),
        "source": "https://core.bank.example",
        "type": EventType.LEDGER_ENTRY_POSTED.value,
        "time": booked.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subject": party,
        "datacontenttype": "application/json",
        "platform": _PLATFORM,
        "partitionkey": party,
        "data": posting(n, entry, party, booked),
    }
    return json.dumps(event, separators=(",", ":")).encode()


def posting(n: int, entry: str, party: str, booked: datetime) -> dict[str, Any]:
    """The event's ``data``: a card payment with the fields a core's posting carries."""
    return {
        "id": entry,
        "account_id": f"ACC-{n % 9000:08d}",
        "party_id": party,
        "amount": str(Decimal(1000 + n % 90000) / 100),
        "currency": "EUR",
        "credit_debit": "DBIT" if n % 3 else "CRDT",
        "status": "BOOK",
        "booked_at": booked.isoformat(),
        "value_date": booked.date().isoformat(),
        "bank_transaction_code": {"domain": "PMNT", "family": "CCRD", "sub_family": "POSD"},
        "core_code": "POS",
        "description": f"Card payment {n % 977:03d} grocery store",
        "counterparty": {"name": f"Merchant {n % 311:03d}", "country": "FR"},
        "merchant_category_code": "5411",
        "channel": "CARD",
        "balance_after": str(Decimal(500000 - n % 400000) / 100),
        "reversal": False,
    }


def build(count: int, prefix: str, host: str = "127.0.0.1", repeat: bool = False) -> list[bytes]:
    """``count`` signed POSTs of distinct events to :data:`PATH`, ids ``{prefix}-{n}``.

    ``repeat`` only tells the load generator that the pool may be cycled (the bare endpoint
    does not look at ids); the requests are the same either way.
    """
    del repeat
    key = decode_secret(os.environ[SECRET_VARIABLE].split()[0])
    stamp = int(time.time())
    requests = []
    for n in range(count):
        body = event_body(n)
        webhook_id = f"{prefix}-{n}"
        head = (
            f"POST {PATH} HTTP/1.1\r\n"
            f"host: {host}\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            f"webhook-id: {webhook_id}\r\n"
            f"webhook-timestamp: {stamp}\r\n"
            f"webhook-signature: {sign(key, webhook_id, stamp, body)}\r\n"
            "\r\n"
        )
        requests.append(head.encode() + body)
    return requests
