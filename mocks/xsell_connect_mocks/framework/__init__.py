"""The mock-core framework: journal, store, faults, the `MockCore` base and its server.

A vendor mock subclasses `MockCore`, implements `routes` and `vendor_error`, and gets
journalling, fault injection, idempotency, control routes and serving for free.
"""

from xsell_connect_mocks.framework.core import MockCore
from xsell_connect_mocks.framework.faults import (
    SERVED_EXTENSION,
    FaultInjector,
    FaultKind,
    FaultRule,
)
from xsell_connect_mocks.framework.journal import Journal, JournalEntry, JournalMiddleware
from xsell_connect_mocks.framework.server import ServerThread, serve
from xsell_connect_mocks.framework.store import (
    IdempotencyCache,
    IdempotencyOutcome,
    MockStore,
    StoredResponse,
    request_fingerprint,
)

__all__ = [
    "SERVED_EXTENSION",
    "FaultInjector",
    "FaultKind",
    "FaultRule",
    "IdempotencyCache",
    "IdempotencyOutcome",
    "Journal",
    "JournalEntry",
    "JournalMiddleware",
    "MockCore",
    "MockStore",
    "ServerThread",
    "StoredResponse",
    "request_fingerprint",
    "serve",
]
