"""Webhook delivery the way Mambu does it: template body, no signature, retries.

Mambu counts only 2xx as delivered, retries with exponential back-off (5 tries in the
older docs), keeps each send in a "communication history", and can add
``x-notifications-idempotency-key`` (reference §3,
https://docs.mambu.com/docs/notifications-channels-webhooks-webhook-notifications/).
Mambu signs nothing; the xsell template carries a static shared-secret header instead.

`render_webhook_request` is pure, so tests can feed a listener without a network.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from xsell_connect_mocks.mambu.events import Event

__all__ = [
    "SECRET_HEADER",
    "Delivery",
    "WebhookEmitter",
    "WebhookRequest",
    "render_webhook_request",
]

SECRET_HEADER = "X-Xsell-Webhook-Secret"  # noqa: S105 - a header name, not a secret
IDEMPOTENCY_HEADER = "x-notifications-idempotency-key"


@dataclass(frozen=True)
class WebhookRequest:
    """One webhook request as Mambu would send it."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def render_webhook_request(
    event: Event, *, url: str = "", secret: str | None = None
) -> WebhookRequest:
    """The request Mambu sends for `event` (pure; no I/O).

    Args:
        event: The event.
        url: The template's target URL.
        secret: The static secret of the template's headers, if any.
    """
    headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: event.eid}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return WebhookRequest("POST", url, headers, event.body.encode())


@dataclass(frozen=True)
class Delivery:
    """One send in the communication history.

    Attributes:
        eid: The event's id.
        event: Event name.
        attempt: 1 for the first send.
        status: HTTP status received, None when the send failed without one.
        error: Transport error text, "" when a status came back.
        at: When the send was made (UTC).
    """

    eid: str
    event: str
    attempt: int
    status: int | None
    error: str
    at: datetime

    @property
    def delivered(self) -> bool:
        """Only a 2xx counts as delivered."""
        return self.status is not None and 200 <= self.status < 300


class WebhookEmitter:
    """Delivers events to one webhook URL in the background.

    Args:
        url: Target URL.
        secret: Value of the ``X-Xsell-Webhook-Secret`` header, None for no header.
        transport: httpx transport (a `httpx.MockTransport` in tests), None for the network.
        timeout: Per-send timeout, seconds.
        max_attempts: Sends per event before giving up (manual resend only after that).
        backoff: First retry delay, seconds; doubled on each further retry.
    """

    def __init__(
        self,
        url: str,
        *,
        secret: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
        max_attempts: int = 5,
        backoff: float = 1.0,
    ) -> None:
        self.url = url
        self.secret = secret
        self.transport = transport
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._lock = threading.Lock()
        self._history: list[Delivery] = []
        self._pending: list[Event] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def history(self) -> list[Delivery]:
        """Every send so far, in order (the communication history)."""
        with self._lock:
            return list(self._history)

    def __call__(self, event: Event) -> None:
        """Schedule delivery of `event`; outside an event loop it waits for `drain`."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            with self._lock:
                self._pending.append(event)
            return
        task = loop.create_task(self._deliver(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Send what is pending and wait for every delivery of this loop to finish."""
        with self._lock:
            pending, self._pending = self._pending, []
        for event in pending:
            self(event)
        loop = asyncio.get_running_loop()
        while tasks := [t for t in self._tasks if t.get_loop() is loop and not t.done()]:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver(self, event: Event) -> None:
        request = render_webhook_request(event, url=self.url, secret=self.secret)
        async with httpx.AsyncClient(transport=self.transport, timeout=self.timeout) as client:
            for attempt in range(1, self.max_attempts + 1):
                status: int | None = None
                error = ""
                try:
                    response = await client.post(
                        request.url, content=request.body, headers=request.headers
                    )
                    status = response.status_code
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                delivery = Delivery(
                    event.eid, event.name, attempt, status, error, datetime.now(UTC)
                )
                with self._lock:
                    self._history.append(delivery)
                if delivery.delivered:
                    return
                if attempt < self.max_attempts:
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
