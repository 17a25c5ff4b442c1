"""`MambuMock`: the Mambu v2 mock core (see the package docstring for its conventions)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any, ClassVar

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from xsell_connect_mocks.bank import SyntheticBank
from xsell_connect_mocks.bank.specs import AccountSpec, PostingSpec
from xsell_connect_mocks.framework import FaultInjector, FaultKind, FaultRule, MockCore
from xsell_connect_mocks.mambu import accounts, clients, products, transactions, writes
from xsell_connect_mocks.mambu.errors import error_body
from xsell_connect_mocks.mambu.events import Event, EventLog, EventSource
from xsell_connect_mocks.mambu.routing import Api
from xsell_connect_mocks.mambu.state import MambuState
from xsell_connect_mocks.mambu.streaming import Streams
from xsell_connect_mocks.mambu.webhooks import WebhookEmitter
from xsell_connect_mocks.mambu.wire import MEDIA_TYPE, parse_datetime

__all__ = ["MambuMock"]


class _MambuFaults(FaultInjector):
    """Mambu documents no ``Retry-After``: every rule is armed without one."""

    def add(self, rule: FaultRule | str) -> None:
        if isinstance(rule, str):
            rule = FaultRule.parse(rule)
        super().add(replace(rule, retry_after=None))


class MambuMock(MockCore):
    """A Mambu v2 tenant serving the synthetic bank under ``/api``.

    Example:
        >>> mock = MambuMock(SyntheticBank(BankConfig(customers=100)))  # doctest: +SKIP
        >>> async with httpx.AsyncClient(transport=mock.transport(),
        ...                              base_url=mock.base_url) as http:  # doctest: +SKIP
        ...     r = await http.get("/api/clients", headers={
        ...         "apiKey": "test-api-key", "Accept": "application/vnd.mambu.v2+json"})

    Args:
        bank: The synthetic bank.
        faults: Fault rules armed from the start (armed without ``Retry-After``).
        fault_seed: Seed of the fault injector.
        tenant: Tenant name, used in streaming topic names.
        tenant_timezone: IANA zone of the tenant; defaults to the bank's.
        api_keys: Accepted ``apiKey`` values.
        users: Accepted HTTP Basic users, name -> password.
        webhook_url: Where events are POSTed; None for no webhook.
        webhook_secret: Static ``X-Xsell-Webhook-Secret`` header value; None for none.
        webhook_transport: httpx transport for webhook sends (tests); None for the network.
        webhook_backoff: First retry delay of a failed webhook send, seconds.
        default_stream_timeout: Stream length when a consumer sets no ``stream_timeout``.
        event_capacity: Events kept in the log.
        write_latency: Seconds each idempotent write takes after claiming its
            ``Idempotency-Key``, to test in-flight duplicates (102).

    Attributes:
        state: Bank lookups and the write overlay.
        events: The event log.
        streams: Streaming API subscriptions.
        webhooks: The webhook emitter, None without ``webhook_url``.
    """

    platform: ClassVar[str] = "mambu"
    #: VENDOR_ERROR status -> Mambu errorReason.
    VENDOR_REASONS: ClassVar[dict[int, str]] = {
        400: "INVALID_PARAMETERS",
        401: "INVALID_API_KEY",
        403: "API_NOT_AUTHORIZED",
        404: "OBJECT_NOT_FOUND",
        409: "CONFLICT",
        429: "TOO_MANY_REQUESTS",
    }
    #: Fault kind -> (status, errorReason) when the rule sets no status.
    FAULT_ERRORS: ClassVar[dict[FaultKind, tuple[int, str]]] = {
        FaultKind.RATE_LIMIT: (429, "TOO_MANY_REQUESTS"),
        FaultKind.SERVER_ERROR: (500, "INTERNAL_ERROR"),
        FaultKind.UNAVAILABLE: (503, "INTERNAL_ERROR"),
    }
    UNKNOWN_REASON: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(
        self,
        bank: SyntheticBank,
        *,
        faults: Sequence[FaultRule] = (),
        fault_seed: int = 0,
        tenant: str = "xsellbank",
        tenant_timezone: str | None = None,
        api_keys: Iterable[str] = ("test-api-key",),
        users: Mapping[str, str] | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        webhook_backoff: float = 1.0,
        default_stream_timeout: float = 10.0,
        event_capacity: int = 100_000,
        write_latency: float = 0.0,
    ) -> None:
        super().__init__(bank, fault_seed=fault_seed)
        self.faults = _MambuFaults(
            self._vendor_app, seed=fault_seed, vendor_error=self.vendor_error
        )
        for rule in faults:
            self.faults.add(rule)
        self.state = MambuState(bank, self.store, tenant_timezone or bank.config.timezone)
        self.events = EventLog(event_capacity)
        self.source = EventSource(
            bank.config.seed, self.events, self._nba_of, self.state.holder_number
        )
        self.streams = Streams(self.events, tenant, default_stream_timeout)
        self.webhooks: WebhookEmitter | None = None
        if webhook_url is not None:
            self.webhooks = WebhookEmitter(
                webhook_url,
                secret=webhook_secret,
                transport=webhook_transport,
                backoff=webhook_backoff,
            )
            self.source.listeners.append(self.webhooks)
        self.api = Api(
            self.state,
            self.idempotency,
            frozenset(api_keys),
            dict(users if users is not None else {"xsell": "xsell-pass"}),
            self.source,
            write_latency,
        )

    def _nba_of(self, client_id: str) -> str:
        return self.state.xsell(client_id).get("Next_Best_Action", "")

    def routes(self) -> list[BaseRoute]:
        """Every ``/api`` route (see the package docstring for the list)."""
        api = self.api
        return [
            *clients.routes(api),
            *writes.routes(api),
            *accounts.routes(api),
            *transactions.routes(api),
            *products.routes(api),
            *self.streams.routes(api),
        ]

    def control_routes(self) -> list[BaseRoute]:
        """The framework's ``/_mock/`` routes, plus event replay and webhook history."""
        return [
            *super().control_routes(),
            Route("/_mock/events/replay", self._replay_route, methods=["POST"]),
            Route("/_mock/events", self._events_route, methods=["GET"]),
            Route("/_mock/webhooks", self._webhooks_route, methods=["GET"]),
        ]

    def vendor_error(self, rule: FaultRule) -> tuple[int, dict[str, str], bytes]:
        """A Mambu error body for an injected fault; VENDOR_ERROR defaults to 400."""
        status, reason = self.FAULT_ERRORS.get(rule.kind, (400, ""))
        status = rule.status or status
        reason = (
            reason
            if rule.kind in self.FAULT_ERRORS
            else self.VENDOR_REASONS.get(status, self.UNKNOWN_REASON)
        )
        return status, {"content-type": MEDIA_TYPE}, error_body(reason, "injected fault")

    def event_type(self, template_name: str) -> str:
        """The streaming topic of a template, e.g. ``event_type("savings_deposit")``."""
        return self.streams.event_type(template_name)

    def replay(
        self,
        *,
        days: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        duplicates: float = 0.0,
        shuffle: bool = False,
    ) -> list[Event]:
        """Turn the bank's postings of a window into events (both channels).

        Args:
            days: The last `days` days of history (ending at the bank's ``as_of``).
            since: Window start (with `until`), instead of `days`.
            until: Window end; defaults to the end of the history.
            duplicates: Share of events delivered twice, 0..1.
            shuffle: Deliver out of order.
        """
        end = until or datetime.combine(self.bank.config.as_of, time(23, 59, 59), self.state.tz)
        start = since or end - timedelta(days=days if days is not None else 1)
        return self.source.replay(
            self._posting_rows(start, end), duplicates=duplicates, shuffle=shuffle
        )

    def _posting_rows(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[PostingSpec, AccountSpec, bool]]:
        cache: dict[str, AccountSpec | None] = {}
        for posting in self.state.postings_between(start, end):
            if posting.account_number not in cache:
                spec = self.bank.account(posting.account_number)
                cache[posting.account_number] = spec if spec and self.state.rendered(spec) else None
            account = cache[posting.account_number]
            if account is not None:
                yield posting, account, self.state.is_loan(account)

    async def _replay_route(self, request: Request) -> Response:
        try:
            body: Any = await request.json() if await request.body() else {}
            tz = self.state.tz
            events = self.replay(
                days=int(body["days"]) if "days" in body else None,
                since=parse_datetime(body["since"], tz) if "since" in body else None,
                until=parse_datetime(body["until"], tz) if "until" in body else None,
                duplicates=float(body.get("duplicates", 0.0)),
                shuffle=bool(body.get("shuffle", False)),
            )
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(
            {
                "events": len(events),
                "first_seq": events[0].seq if events else None,
                "last_seq": events[-1].seq if events else None,
            }
        )

    async def _events_route(self, request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "seq": e.seq,
                    "eid": e.eid,
                    "event": e.name,
                    "occurred_at": e.occurred_at.isoformat(),
                    "accountId": e.account_id,
                    "clientId": e.client_id,
                    "body": e.body,
                }
                for e in self.events.all()
            ]
        )

    async def _webhooks_route(self, request: Request) -> Response:
        history = self.webhooks.history if self.webhooks is not None else []
        return JSONResponse(
            [
                {
                    "eid": d.eid,
                    "event": d.event,
                    "attempt": d.attempt,
                    "status": d.status,
                    "error": d.error,
                    "at": d.at.isoformat(),
                }
                for d in history
            ]
        )

    def reset(self) -> None:
        """Back to the pristine bank: no writes, keys, journal, faults, events or
        subscriptions (the webhook history is kept)."""
        super().reset()
        self.events.clear()
        self.streams.subscriptions.clear()
