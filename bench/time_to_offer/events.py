"""The bench's customers and events: salary credits that each lead to exactly one offer.

The mock core and this module build the same synthetic bank (same seed, size, months), so
the customers picked here are the customers the core serves. An event is the
``accounts.credit.transactionExecuted`` CloudEvent the Transact mock itself publishes
(``posting_events``), for a salary credit on the customer's current account: the
``salary_credit`` rule fires, and under the bench policy (trusted, no holdout, no consent
requirement — Transact's customer API carries no marketing consents) every verified person
gets an offer of a savings product or a card. Organisations (no product is for them) and
customers whose KYC is not verified (never eligible) are skipped. Each event has a party of
its own, so contact limits and open offers never block one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from xsell_connect_mocks.bank import (
    AccountState,
    BankConfig,
    Family,
    PostingKind,
    PostingSpec,
    SyntheticBank,
)
from xsell_connect_mocks.temenos.outbound import posting_events

__all__ = [
    "BENCH_POLICY",
    "MONTHS",
    "PRODUCT_HEADER",
    "SEED",
    "Party",
    "bank",
    "body",
    "parties",
    "salary_event",
    "wall",
]

SEED = 7
#: Months of history per customer: the Customer 360 read on the path stays one page each.
MONTHS = 1
#: The product the floor offers, chosen by the bench from a family the customer lacks (so
#: the core raises no override, as a floor should not).
PRODUCT_HEADER = "x-bench-product"
BENCH_POLICY = """\
# time_to_offer: every salary credit of a verified person is offered at once.
version = "bench-time-to-offer"
default_tier = "trusted"
[holdout]
share = "0"
# Transact's customer API carries no marketing consents: nobody would be offered anything.
[consent]
required = false
"""


@dataclass(frozen=True)
class Party:
    """A customer who gets one offer from one salary credit on ``account``."""

    index: int
    number: str
    account: str


def bank(customers: int) -> SyntheticBank:
    """The bank the mock core serves (``xsell-connect mock temenos --months 1``)."""
    return SyntheticBank(BankConfig(seed=SEED, customers=customers, months=MONTHS))


def parties(source: SyntheticBank) -> Iterator[Party]:
    """Verified persons with an open current account, in bank order."""
    for index in range(source.config.customers):
        customer = source.customer(index)
        if customer.kind != "PERSON" or customer.kyc_status != "VERIFIED":
            continue
        current = next(
            (
                a
                for a in source.accounts_of(index)
                if a.family is Family.CURRENT and a.state is not AccountState.CLOSED
            ),
            None,
        )
        if current is not None:
            yield Party(index, customer.number, current.number)


def salary_event(source: SyntheticBank, party: Party, run: str) -> dict[str, object]:
    """The Transact ``transactionExecuted`` CloudEvent of a 3,000 salary credit, now.

    The posting id (and so the event id) is unique to the party and the ``run``.
    """
    now = datetime.now(UTC)
    account = source.account(party.account)
    assert account is not None
    posting = PostingSpec(
        id=f"TTO-{run}-{party.index}",
        account_number=account.number,
        booked_at=now,
        value_date=now.date(),
        amount=Decimal("3000.00"),
        direction="CRDT",
        kind=PostingKind.SALARY,
        description="SALARY BENCH EMPLOYER",
        channel="SEPA",
        balance_after=Decimal("4000.00"),
    )
    event: dict[str, object] = posting_events(posting, account, source.customer(party.index))[0]
    return event


def body(event: dict[str, object]) -> bytes:
    """The event as the Transact mock publishes it (structured mode)."""
    return json.dumps(event).encode()


def wall(at: str) -> float:
    """Seconds since the epoch of an ISO timestamp (the mock journal's ``at``)."""
    return datetime.fromisoformat(at).timestamp()
