"""State a mock core keeps on top of the synthetic bank: writes and idempotency keys.

The bank is generated lazily and never changes; `MockStore` holds only what clients
wrote, so a mock reads a record as "the store's version if there is one, else the
bank's". `IdempotencyCache` follows Stripe's semantics
(https://docs.stripe.com/api/idempotent_requests): the first request with a key runs,
the same key with the same request replays the first answer, the same key with a
different request is a mismatch, and a key whose first request is still running is
in flight. Which status codes those outcomes get is the vendor mock's business.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "IdempotencyCache",
    "IdempotencyOutcome",
    "MockStore",
    "StoredResponse",
    "request_fingerprint",
]


class MockStore:
    """Thread-safe collections of written records, and per-name id counters.

    Single dict operations on a collection are atomic under the GIL; hold `lock` for
    read-modify-write sequences that must not interleave with another request.

    A collection may be indexed on a field (`index`), so that `find` answers "the records
    whose field is this value" without reading the whole collection: a mock that lists a
    customer's records on every write would otherwise slow down with every record written.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._collections: dict[str, dict[str, dict[str, Any]]] = {}
        self._counters: dict[str, int] = {}
        # collection → field → value → record ids (a dict: kept in order of writing)
        self._indexes: dict[str, dict[str, dict[Any, dict[str, None]]]] = {}

    def index(self, name: str, field: str) -> None:
        """Index collection `name` on `field` (its records so far included)."""
        with self.lock:
            buckets = self._indexes.setdefault(name, {}).setdefault(field, {})
            buckets.clear()
            for key, record in self.collection(name).items():
                buckets.setdefault(record.get(field), {})[key] = None

    def find(self, name: str, field: str, value: Any) -> list[dict[str, Any]]:
        """The records of `name` whose `field` equals `value`, in the order first written.

        Raises:
            KeyError: `name` is not indexed on `field`.
        """
        with self.lock:
            keys = list(self._indexes[name][field].get(value, ()))
            records = self.collection(name)
            return [records[k] for k in keys]

    def collection(self, name: str) -> dict[str, dict[str, Any]]:
        """The named collection (record id -> record), created empty on first use."""
        with self.lock:
            return self._collections.setdefault(name, {})

    def next_id(self, name: str, *, start: int = 1) -> int:
        """Next id for `name`: `start` (default 1) the first time, then +1 each call.

        Args:
            name: Counter name, usually the collection's.
            start: First value; only read on the first call for `name`, so a mock can
                number its own records above the bank's.
        """
        with self.lock:
            value = self._counters.get(name, start - 1) + 1
            self._counters[name] = value
            return value

    def get(self, name: str, key: str) -> dict[str, Any] | None:
        """The stored record, or None when nothing was written under `key`."""
        return self.collection(name).get(key)

    def put(self, name: str, key: str, record: dict[str, Any]) -> None:
        """Store (or replace) a record."""
        with self.lock:
            records = self.collection(name)
            old = records.get(key)
            records[key] = record
            for field, buckets in self._indexes.get(name, {}).items():
                value = record.get(field)
                if old is not None and (was := old.get(field)) != value:
                    buckets.get(was, {}).pop(key, None)
                buckets.setdefault(value, {})[key] = None

    def clear(self) -> None:
        """Forget all writes and counters: back to the pristine bank (indexes stay declared)."""
        with self.lock:
            self._collections.clear()
            self._counters.clear()
            for fields in self._indexes.values():
                for buckets in fields.values():
                    buckets.clear()


@dataclass(frozen=True)
class StoredResponse:
    """An answer kept for replay: status, headers and body as first sent."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class IdempotencyOutcome:
    """What `IdempotencyCache.begin` decided.

    Attributes:
        kind: "new" (run the request), "replay" (send `response` again), "in_flight"
            (the first request with this key has not finished) or "mismatch" (the key
            was used for a different request).
        response: The stored answer, for "replay" only.
    """

    kind: Literal["new", "replay", "in_flight", "mismatch"]
    response: StoredResponse | None = None


@dataclass
class _Slot:
    fingerprint: str
    response: StoredResponse | None = None


class IdempotencyCache:
    """Thread-safe idempotency keys with Stripe semantics.

    Example:
        >>> cache = IdempotencyCache()
        >>> cache.begin("k1", "fp").kind
        'new'
        >>> cache.complete("k1", StoredResponse(201, (), b"{}"))
        >>> cache.begin("k1", "fp").kind
        'replay'
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, _Slot] = {}

    def begin(self, key: str, fingerprint: str) -> IdempotencyOutcome:
        """Claim `key` for a request identified by `fingerprint`."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                self._slots[key] = _Slot(fingerprint)
                return IdempotencyOutcome("new")
            if slot.fingerprint != fingerprint:
                return IdempotencyOutcome("mismatch")
            if slot.response is None:
                return IdempotencyOutcome("in_flight")
            return IdempotencyOutcome("replay", slot.response)

    def complete(self, key: str, response: StoredResponse) -> None:
        """Keep the answer to the request that began `key`, for replays."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is not None:
                slot.response = response

    def abandon(self, key: str) -> None:
        """Release a key whose request failed, so a retry runs as new."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is not None and slot.response is None:
                del self._slots[key]

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._slots.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._slots)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """A stable fingerprint of a request, for `IdempotencyCache.begin`."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
