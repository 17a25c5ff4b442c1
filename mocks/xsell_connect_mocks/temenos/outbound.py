"""Business events as Transact emits them: CloudEvents 1.0, T24 formats inside ``data``.

Types (reference §3): ``accounts.credit.transactionExecuted``,
``accounts.debit.transactionExecuted``,
``financialAccounting.updateAccountingJournalEntries.accountingJournalEntriesUpdated``
(raised with every credit and debit), ``accounts.createAccount.accountCreated`` and
``party.updateCustomer.customerUpdated``. Dates are ``YYYYMMDD``, stamps
``YYYYMMDDHHmmssSSS``, amounts signed strings (``"-1000.00"``). The payload of the
transaction and customer events beyond the sample journal entry is inferred.

Sinks: a RabbitMQ topic exchange (standing in for the bank's event stream; routing key =
the event type, publisher confirms on) and, when configured, a webhook URL that gets each
event POSTed (structured mode: as ``application/cloudevents+json``). Control routes: ``POST
/_mock/events/sinks`` (``{"amqp_url", "exchange", "webhook_url", "mode"}``, ``mode``
``structured`` or ``binary``: the CloudEvents content mode of both sinks), ``POST
/_mock/events/emit`` (``{"days": N, "duplicates": 0..1, "shuffle": bool, "seed": n}``:
the events of the postings of the last N days, with duplicates and out-of-order delivery
on demand) and ``GET /_mock/events`` (every event emitted).
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from xsell_connect_mocks.bank import AccountSpec, CustomerSpec, PostingSpec
from xsell_connect_mocks.temenos.render import (
    COMPANY,
    GROUPS,
    arrangement_id,
    signed_amount,
    transaction_reference,
    txn_code,
)

if TYPE_CHECKING:
    from xsell_connect_mocks.temenos.app import TemenosMock

__all__ = [
    "EventSinks",
    "account_created",
    "binary_amqp",
    "binary_http",
    "control_routes",
    "customer_updated",
    "posting_events",
]

_STRUCTURED = "application/cloudevents+json"
SOURCE = f"https://temenos.mock/microservice/cloudevents/{COMPANY}"
_NS = uuid.UUID("0b8a3c52-1f7e-4d2a-9c61-5e0f7a9b2d14")


def _envelope(kind: str, key: str, time: datetime, data: dict[str, Any]) -> dict[str, Any]:
    stamp = time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{time.microsecond // 1000:03d}Z"
    return {"specversion": "1.0", "id": str(uuid.uuid5(_NS, f"{kind}:{key}")), "source": SOURCE,
            "type": kind, "datacontenttype": "application/json", "subject": "event",
            "time": stamp, "data": data}  # fmt: skip


def _t24_stamp(time: datetime) -> str:
    return time.strftime("%Y%m%d%H%M%S") + f"{time.microsecond // 1000:03d}"


def posting_events(p: PostingSpec, a: AccountSpec, c: CustomerSpec) -> list[dict[str, Any]]:
    """The transaction event and its accounting-journal event for one posting."""
    credit = p.direction == "CRDT"
    amount = f"{signed_amount(p):.2f}"
    common = {"transactionAmount": amount, "currency": a.currency, "customerId": c.number,
              "entryReference": p.id, "transactionCode": txn_code(p),
              "bookingDate": p.booked_at.strftime("%Y%m%d"),
              "narratives": [{"narrative": p.description}], "companyId": COMPANY}  # fmt: skip
    executed = _envelope(
        f"accounts.{'credit' if credit else 'debit'}.transactionExecuted", p.id, p.booked_at,
        {"accountId": a.number, "arrangementId": arrangement_id(a),
         "transactionReference": transaction_reference(p),
         "valueDate": p.value_date.strftime("%Y%m%d"), **common},
    )  # fmt: skip
    journal = _envelope(
        "financialAccounting.updateAccountingJournalEntries.accountingJournalEntriesUpdated",
        p.id, p.booked_at,
        {"sourceSystem": "ACMS", "accountingCompany": COMPANY, "journalEntries": [{
            "arrangementId": arrangement_id(a), "accountId": a.number, "journalEntryType": "STMT",
            "creditDebitIndicator": "CREDIT" if credit else "DEBIT",
            "balanceType": "CURBALANCE", "processingDate": p.booked_at.strftime("%Y%m%d"),
            "entryDateTime": _t24_stamp(p.booked_at), "categoryId": "1001",
            "parentTransactionId": transaction_reference(p), "systemId": "ACCCSM", **common}]},
    )  # fmt: skip
    return [executed, journal]


def account_created(a: AccountSpec, c: CustomerSpec, product_name: str) -> dict[str, Any]:
    line, group = GROUPS[a.family]
    opened = datetime.combine(a.opened_on, datetime.min.time(), tzinfo=UTC)
    return _envelope("accounts.createAccount.accountCreated", a.number, opened, {
        "accountId": a.number, "arrangementId": arrangement_id(a), "customerId": c.number,
        "productName": product_name, "productLine": line, "productGroup": group,
        "accountOpeningDate": a.opened_on.strftime("%Y%m%d"), "currency": a.currency,
        "companyId": COMPANY})  # fmt: skip


def customer_updated(number: str, version: int, now: datetime) -> dict[str, Any]:
    return _envelope("party.updateCustomer.customerUpdated", f"{number}:{version}", now,
                     {"customerId": number, "companyId": COMPANY,
                      "versionNumber": str(version)})  # fmt: skip


#: CloudEvents HTTP binding §3.1.3.2: printable ASCII but space, ``"`` and ``%`` go as is.
_HEADER_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in ' "%')


def binary_http(event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """An event in HTTP binary mode: ``ce-*`` headers (percent-encoded) and ``data``."""
    headers = {f"ce-{k}": quote(str(v), safe=_HEADER_SAFE)
               for k, v in event.items() if k not in ("data", "datacontenttype")}  # fmt: skip
    headers["content-type"] = event.get("datacontenttype", "application/json")
    return headers, json.dumps(event["data"]).encode()


def binary_amqp(event: dict[str, Any]) -> tuple[dict[str, str], str, bytes]:
    """An event in AMQP binary mode: ``cloudEvents_*`` application properties (the JMS-safe
    separator the AMQP binding prefers, canonical string values), content type, ``data``."""
    headers = {f"cloudEvents_{k}": str(v)
               for k, v in event.items() if k not in ("data", "datacontenttype")}  # fmt: skip
    return (
        headers,
        event.get("datacontenttype", "application/json"),
        json.dumps(event["data"]).encode(),
    )


class EventSinks:
    """Where the mock's events go: its own log, RabbitMQ, a webhook URL.

    ``mode`` is the CloudEvents content mode of both sinks: ``structured`` (the event as
    JSON, what Transact sends) or ``binary`` (attributes in headers, ``data`` as the body).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.log: list[dict[str, Any]] = []
        self.amqp_url: str | None = None
        self.exchange = "temenos.business-events"
        self.webhook_url: str | None = None
        self.webhook_transport: httpx.BaseTransport | None = None
        self.mode: Literal["structured", "binary"] = "structured"

    def emit(self, events: Iterable[dict[str, Any]]) -> int:
        """Log, publish (confirmed) and POST each event; returns how many were sent."""
        batch = list(events)
        with self._lock:
            self.log.extend(batch)
        if self.amqp_url:
            self._publish(batch)
        if self.webhook_url:
            with httpx.Client(timeout=10, transport=self.webhook_transport) as client:
                for event in batch:
                    headers, body = (
                        binary_http(event) if self.mode == "binary"
                        else ({"content-type": _STRUCTURED}, json.dumps(event).encode())
                    )  # fmt: skip
                    client.post(self.webhook_url, content=body, headers=headers)
        return len(batch)

    def customer_updated(self, number: str, version: int) -> None:
        self.emit([customer_updated(number, version, datetime.now(UTC))])

    def _publish(self, batch: list[dict[str, Any]]) -> None:
        import pika  # the mocks' dependency; imported here so reads never need a broker

        assert self.amqp_url is not None
        params = pika.URLParameters(self.amqp_url)
        params.blocked_connection_timeout = 10
        connection = pika.BlockingConnection(params)
        try:
            channel = connection.channel()
            channel.exchange_declare(self.exchange, exchange_type="topic", durable=True)
            channel.confirm_delivery()
            for event in batch:
                headers, content_type, body = (
                    binary_amqp(event) if self.mode == "binary"
                    else (None, _STRUCTURED, json.dumps(event).encode())
                )  # fmt: skip
                channel.basic_publish(
                    self.exchange, event["type"], body,
                    pika.BasicProperties(content_type=content_type, headers=headers,
                                         delivery_mode=2, message_id=event["id"]),
                    mandatory=False,
                )  # fmt: skip
        finally:
            connection.close()


def replay(mock: TemenosMock, days: int, duplicates: float, shuffle: bool, seed: int) -> list[Any]:
    """Events of the postings booked in the last ``days`` days, as asked."""
    bank = mock.bank
    end = datetime.combine(bank.config.as_of + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    out: list[dict[str, Any]] = []
    for p in bank.postings_between(end - timedelta(days=days), end):
        a = bank.account(p.account_number)
        assert a is not None
        out.extend(posting_events(p, a, bank.customer(a.customer_index)))
    rng = random.Random(seed)
    out.extend([e for e in out if rng.random() < duplicates])
    if shuffle:
        rng.shuffle(out)
    return out


def control_routes(mock: TemenosMock) -> list[BaseRoute]:
    async def sinks(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        mock.sinks.amqp_url = body.get("amqp_url", mock.sinks.amqp_url)
        mock.sinks.exchange = body.get("exchange", mock.sinks.exchange)
        mock.sinks.webhook_url = body.get("webhook_url", mock.sinks.webhook_url)
        mode = body.get("mode", mock.sinks.mode)
        if mode not in ("structured", "binary"):
            return JSONResponse({"error": f"mode {mode!r} is not structured or binary"}, 400)
        mock.sinks.mode = mode
        return JSONResponse({"amqp_url": bool(mock.sinks.amqp_url), "exchange": mock.sinks.exchange,
                             "webhook_url": mock.sinks.webhook_url, "mode": mode})  # fmt: skip

    async def emit(request: Request) -> Response:
        q = json.loads(await request.body() or b"{}")
        events = replay(mock, int(q.get("days", 1)), float(q.get("duplicates", 0)),
                        bool(q.get("shuffle", False)), int(q.get("seed", 0)))  # fmt: skip
        sent = await anyio.to_thread.run_sync(mock.sinks.emit, events)
        return JSONResponse({"emitted": sent}, status_code=201)

    async def log(request: Request) -> Response:
        return JSONResponse(mock.sinks.log)

    return [
        Route("/_mock/events/sinks", sinks, methods=["POST"]),
        Route("/_mock/events/emit", emit, methods=["POST"]),
        Route("/_mock/events", log, methods=["GET"]),
    ]
