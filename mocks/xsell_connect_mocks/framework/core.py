"""`MockCore`, the base class every vendor mock derives from.

The contract, once for all mocks:

- A mock renders the shared `SyntheticBank` in its vendor's wire format (`routes`) and
  its vendor's business-error shape (`vendor_error`). Everything else is here.
- Writes go to `store` (an overlay on the bank), idempotency keys to `idempotency`.
- Every vendor request is journalled; routes annotate their entry through
  ``request.state`` (see `xsell_connect_mocks.framework.journal`).
- Faults are injected by `faults` (see `xsell_connect_mocks.framework.faults`); the app
  is wrapped as Journal(Faults(vendor app)) so the journal records the faults that fired.
- Control routes under ``/_mock/`` let a test or an operator read and clear the
  journal and arm faults over HTTP; subclasses add theirs by extending `control_routes`.

Example:
    >>> class TinyMock(MockCore):
    ...     platform = "tiny"
    ...     def routes(self): return [Route("/ping", ping)]
    ...     def vendor_error(self, rule): return 400, {}, b'{"error": "no"}'
    >>> mock = TinyMock(SyntheticBank(BankConfig(customers=10)))  # doctest: +SKIP
    >>> httpx.AsyncClient(transport=mock.transport(), base_url=mock.base_url)  # doctest: +SKIP

The same `app` is what `xsell_connect_mocks.framework.server` serves on a socket.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from xsell_connect_mocks.framework.control import control_routes
from xsell_connect_mocks.framework.faults import FaultInjector, FaultRule
from xsell_connect_mocks.framework.journal import Journal, JournalMiddleware
from xsell_connect_mocks.framework.store import IdempotencyCache, MockStore

if TYPE_CHECKING:
    from xsell_connect_mocks.bank import SyntheticBank

__all__ = ["MockCore"]


class MockCore(ABC):
    """A mock core-banking platform serving the synthetic bank.

    Args:
        bank: The bank to render.
        faults: Fault rules armed from the start.
        fault_seed: Seed of the fault injector's random draws.

    Attributes:
        platform: Vendor name, lower case ("mambu"); also the in-process host name.
        bank: The synthetic bank.
        journal: Every vendor request received.
        store: Records written by clients.
        idempotency: Idempotency keys seen and their answers.
        faults: The fault injector (arm rules with ``faults.add``).
    """

    platform: ClassVar[str]

    def __init__(
        self,
        bank: SyntheticBank,
        *,
        faults: Sequence[FaultRule] = (),
        fault_seed: int = 0,
    ) -> None:
        self.bank = bank
        self.journal = Journal()
        self.store = MockStore()
        self.idempotency = IdempotencyCache()
        # The injector wraps a trampoline, not the app: routes() may depend on
        # attributes a subclass sets after calling this __init__.
        self.faults = FaultInjector(
            self._vendor_app, rules=faults, seed=fault_seed, vendor_error=self.vendor_error
        )

    @abstractmethod
    def routes(self) -> list[BaseRoute]:
        """The vendor's API routes."""

    @abstractmethod
    def vendor_error(self, rule: FaultRule) -> tuple[int, dict[str, str], bytes]:
        """The vendor's business-error answer for an injected fault.

        Returns:
            Status, headers and body. For RATE_LIMIT, SERVER_ERROR and UNAVAILABLE the
            status is replaced by the fault's own; VENDOR_ERROR uses it as is.
        """

    def control_routes(self) -> list[BaseRoute]:
        """Routes under ``/_mock/``; extend (``super().control_routes() + [...]``)."""
        return control_routes(self)

    @cached_property
    def starlette(self) -> Starlette:
        """The bare Starlette app: vendor routes and control routes, no middleware."""
        return Starlette(routes=[*self.control_routes(), *self.routes()])

    @cached_property
    def app(self) -> ASGIApp:
        """The full ASGI app: Journal(Faults(vendor and control routes))."""
        return JournalMiddleware(self.faults, journal=self.journal)

    async def _vendor_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.starlette(scope, receive, send)

    def transport(self) -> httpx.ASGITransport:
        """An in-process transport to this mock, for ``httpx.AsyncClient(transport=...)``."""
        return httpx.ASGITransport(app=self.app)

    @property
    def base_url(self) -> str:
        """Base URL for in-process clients, e.g. ``http://mambu.mock``."""
        return f"http://{self.platform}.mock"

    def reset(self) -> None:
        """Back to the pristine bank: no writes, keys, journal entries or faults."""
        self.store.clear()
        self.idempotency.clear()
        self.journal.clear()
        self.faults.clear()
