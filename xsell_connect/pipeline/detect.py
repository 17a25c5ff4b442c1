"""Detect: classify canonical events, read against the Customer 360, into signals (DESIGN §6).

Posting rules look at one ledger entry (``xsell.ledger.entry.posted``) and the history
around it; standing rules look at the customer as a whole and run on state events
(balance changed, deposit matured, loan repaid, synced records) and on batch scans
(``Detector.scan``). Engagement CloudEvents from digital channels (``signals.
ENGAGEMENT_TYPES``) are signals of their own. Thresholds come from the ``SignalCatalogue``;
reasons and facts carry amounts and counts, never names or account numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from xsell_connect.models import (
    Account,
    AccountStatus,
    CanonicalEvent,
    CreditDebit,
    EventType,
    LedgerEntry,
    ProductFamily,
    event_id,
)
from xsell_connect.sync import Customer360

from .signals import APPLICATION_ABANDONED, PRODUCT_VIEWED, SignalCatalogue
from .types import Signal

__all__ = ["SCAN_EVENT_TYPE", "Detector"]

#: The type named in the deterministic event id of a batch scan (one per party per day).
SCAN_EVENT_TYPE = "xsell.batch.scan"
_STANDING_TRIGGERS = frozenset(
    {
        EventType.BALANCE_CHANGED,
        EventType.DEPOSIT_MATURED,
        EventType.PARTY_SYNCED,
        EventType.ACCOUNT_SYNCED,
        EventType.PARTY_ACTIVITY,
        EventType.ACCOUNT_ACTIVITY,
        EventType.LOAN_REPAID,
    }
)
_CREDIT = (ProductFamily.LOAN, ProductFamily.MORTGAGE)


@dataclass(frozen=True)
class Hit:
    """A rule fired: its reason and the facts (thresholds met), as text."""

    reason: str
    facts: dict[str, str]


@dataclass(frozen=True)
class _Posting:
    entry: LedgerEntry
    account: Account
    c360: Customer360
    now: datetime


def _history(c360: Customer360, families: Iterable[ProductFamily]) -> list[LedgerEntry]:
    wanted = set(families)
    return [e for a in c360.accounts if a.family in wanted for e in c360.entries_of(a.id)]


def _since(days: int, now: datetime) -> date:
    return (now - timedelta(days=days)).date()


class Detector:
    """Turns events (and a Customer 360) into signals, one per rule per call."""

    def __init__(self, catalogue: SignalCatalogue | None = None) -> None:
        self.catalogue = catalogue or SignalCatalogue.load()
        c = self.catalogue
        self._posting_rules: tuple[tuple[str, Callable[[_Posting], Hit | None]], ...] = (
            ("salary_credit", self._salary),
            ("large_deposit_no_savings", self._large_deposit),
            ("high_card_utilisation", self._card_utilisation),
            ("repeated_overdraft", self._overdraft),
            ("loan_repaid", self._loan_repaid_entry),
            ("large_purchase", self._large_purchase),
            ("first_international_transaction", self._first_international),
        )
        self._standing_rules: tuple[tuple[str, Callable[[Customer360, datetime], Hit | None]], ...]
        self._standing_rules = (
            ("persistent_surplus", self._surplus),
            ("term_deposit_maturing", self._maturing),
            ("dormancy_drift", self._dormancy),
        )
        self._enabled = {n for n in type(c).model_fields if c.rule(n).enabled}

    # --- entry points ---
    def detect(
        self, events: Sequence[CanonicalEvent], c360: Customer360, *, now: datetime
    ) -> tuple[Signal, ...]:
        """Signals of the party of ``c360`` from ``events`` (events of other parties ignored)."""
        hits: dict[str, tuple[Hit, list[str]]] = {}

        def fire(rule_id: str, hit: Hit | None, ev_id: str) -> None:
            if hit is None or rule_id not in self._enabled:
                return
            if rule_id in hits:
                hits[rule_id][1].append(ev_id)
            else:
                hits[rule_id] = (hit, [ev_id])

        party = c360.party.id
        for event in events:
            if event.subject not in (None, party):
                continue
            if event.type == EventType.LEDGER_ENTRY_POSTED:
                posting = self._posting(event, c360, now)
                for rule_id, rule in self._posting_rules:
                    fire(rule_id, rule(posting) if posting else None, event.id)
            elif event.type in (PRODUCT_VIEWED, APPLICATION_ABANDONED):
                rule_id, hit = self._engagement(event)
                fire(rule_id, hit, event.id)
            if event.type == EventType.LOAN_REPAID:
                fire("loan_repaid", Hit("the core reported a loan repaid in full", {}), event.id)
            if event.type in _STANDING_TRIGGERS:
                for rule_id, standing in self._standing_rules:
                    fire(rule_id, standing(c360, now), event.id)
        return self._signals(hits, c360, now)

    def scan(self, c360: Customer360, *, now: datetime, platform: str) -> tuple[Signal, ...]:
        """Standing rules over the whole customer (batch mode); one scan id per party per day."""
        scan_id = event_id(platform, SCAN_EVENT_TYPE, f"{c360.party.id}:{now.date()}")
        hits = {
            rule_id: (hit, [scan_id])
            for rule_id, standing in self._standing_rules
            if rule_id in self._enabled and (hit := standing(c360, now)) is not None
        }
        return self._signals(hits, c360, now)

    def _signals(
        self, hits: dict[str, tuple[Hit, list[str]]], c360: Customer360, now: datetime
    ) -> tuple[Signal, ...]:
        out = []
        for rule_id, (hit, ids) in sorted(hits.items()):
            rule = self.catalogue.rule(rule_id)
            products = rule.products or tuple(hit.facts.get("product", "").split()) or ()
            out.append(
                Signal(
                    id=rule_id,
                    version=rule.version,
                    party_id=c360.party.id,
                    reason=hit.reason,
                    event_ids=tuple(dict.fromkeys(ids)),
                    detected_at=now,
                    context_weight=rule.context_weight,
                    products=products,
                    facts=hit.facts,
                )
            )
        return tuple(out)

    @staticmethod
    def _posting(event: CanonicalEvent, c360: Customer360, now: datetime) -> _Posting | None:
        entry = LedgerEntry.model_validate(event.data)
        account = next((a for a in c360.accounts if a.id == entry.account_id), None)
        if account is None or entry.reversal:
            return None
        return _Posting(entry, account, c360, now)

    # --- posting rules ---
    def _salary(self, p: _Posting) -> Hit | None:
        r, e = self.catalogue.salary_credit, p.entry
        if e.credit_debit is not CreditDebit.CRDT or p.account.family is not ProductFamily.CURRENT:
            return None
        text = (e.description or "").upper()
        coded = e.bank_transaction_code.sub_family in r.sub_families
        if e.amount < r.min_amount or not (coded or any(k in text for k in r.keywords)):
            return None
        return Hit(
            f"a salary credit of at least {r.min_amount} {e.currency} was received",
            {"amount": str(e.amount), "min_amount": str(r.min_amount)},
        )

    def _large_deposit(self, p: _Posting) -> Hit | None:
        r, e = self.catalogue.large_deposit_no_savings, p.entry
        if e.credit_debit is not CreditDebit.CRDT or e.amount < r.min_amount:
            return None
        if p.account.family in _CREDIT or p.account.family is ProductFamily.CARD:
            return None
        held = {str(a.family) for a in p.c360.accounts if a.status is AccountStatus.ENAB}
        if held & set(r.savings_families):
            return None
        return Hit(
            f"a deposit of at least {r.min_amount} {e.currency} with no savings product held",
            {"amount": str(e.amount), "min_amount": str(r.min_amount)},
        )

    def _card_utilisation(self, p: _Posting) -> Hit | None:
        r, e, acct = self.catalogue.high_card_utilisation, p.entry, p.account
        if acct.family is not ProductFamily.CARD or e.credit_debit is not CreditDebit.DBIT:
            return None
        owed = -(e.balance_after if e.balance_after is not None else acct.booked or Decimal(0))
        if not acct.limit or owed <= 0:
            return None
        utilisation = owed / acct.limit
        since = _since(r.lookback_days, p.now)
        repayments = sum(
            1
            for x in p.c360.entries_of(acct.id)
            if x.credit_debit is CreditDebit.CRDT and x.booking_date >= since and not x.reversal
        )
        if utilisation < r.min_utilisation or repayments < r.min_repayments:
            return None
        return Hit(
            f"card utilisation at or above {r.min_utilisation:.0%} with {repayments} repayments "
            f"in {r.lookback_days} days",
            {"utilisation": f"{utilisation:.2f}", "repayments": str(repayments)},
        )

    def _overdraft(self, p: _Posting) -> Hit | None:
        r, e = self.catalogue.repeated_overdraft, p.entry
        if p.account.family is not ProductFamily.CURRENT or e.credit_debit is not CreditDebit.DBIT:
            return None
        if e.balance_after is None or e.balance_after >= 0:
            return None
        since = _since(r.lookback_days, p.now)
        history = sorted(
            (x for x in p.c360.entries_of(p.account.id) if x.balance_after is not None),
            key=lambda x: (x.booked_at or datetime.min.replace(tzinfo=p.now.tzinfo), x.id),
        )
        episodes, below = 0, False
        for x in history:
            now_below = x.balance_after is not None and x.balance_after < 0
            if now_below and not below and x.booking_date >= since:
                episodes += 1
            below = now_below
        if episodes < r.min_episodes:
            return None
        return Hit(
            f"{episodes} overdraft episodes in {r.lookback_days} days",
            {"episodes": str(episodes), "min_episodes": str(r.min_episodes)},
        )

    def _loan_repaid_entry(self, p: _Posting) -> Hit | None:
        e = p.entry
        if p.account.family not in _CREDIT or e.credit_debit is not CreditDebit.CRDT:
            return None
        if e.balance_after is None or e.balance_after < 0:
            return None
        return Hit("the last repayment brought a loan balance to zero", {})

    def _large_purchase(self, p: _Posting) -> Hit | None:
        r, e = self.catalogue.large_purchase, p.entry
        if e.credit_debit is not CreditDebit.DBIT or e.merchant_category_code not in r.mccs:
            return None
        if e.amount < r.min_amount:
            return None
        return Hit(
            f"a {r.category} purchase of at least {r.min_amount} {e.currency}",
            {"amount": str(e.amount), "mcc": str(e.merchant_category_code), "category": r.category},
        )

    def _first_international(self, p: _Posting) -> Hit | None:
        r, e = self.catalogue.first_international_transaction, p.entry
        home = p.c360.party.residency or p.c360.party.nationality
        if e.credit_debit is not CreditDebit.DBIT or not e.merchant_country or home is None:
            return None
        if e.merchant_country == home:
            return None
        since = _since(r.lookback_days, p.now)
        before = [
            x
            for x in _history(p.c360, ProductFamily)
            if x.id != e.id and x.merchant_country not in (None, home)
            and since <= x.booking_date <= e.booking_date
        ]  # fmt: skip
        if before:
            return None
        return Hit(
            f"first card transaction abroad in {r.lookback_days} days",
            {"country": e.merchant_country},
        )

    # --- standing rules ---
    def _surplus(self, c360: Customer360, now: datetime) -> Hit | None:
        r = self.catalogue.persistent_surplus
        since = _since(r.days, now)
        for account in c360.accounts:
            if account.family is not ProductFamily.CURRENT:
                continue
            seen = [
                x.balance_after
                for x in c360.entries_of(account.id)
                if x.balance_after is not None and x.booking_date >= since
            ]
            if len(seen) >= r.min_entries and min(seen) >= r.min_balance:
                return Hit(
                    f"current account balance stayed above {r.min_balance} for {r.days} days",
                    {"lowest_balance": str(min(seen)), "min_balance": str(r.min_balance)},
                )
        return None

    def _maturing(self, c360: Customer360, now: datetime) -> Hit | None:
        r = self.catalogue.term_deposit_maturing
        until = now.date() + timedelta(days=r.within_days)
        for account in c360.accounts:
            due = account.matures_on
            if account.family is ProductFamily.TERM_DEPOSIT and due and now.date() <= due <= until:
                return Hit(
                    f"a term deposit matures within {r.within_days} days",
                    {"matures_in_days": str((due - now.date()).days)},
                )
        return None

    def _dormancy(self, c360: Customer360, now: datetime) -> Hit | None:
        r = self.catalogue.dormancy_drift
        recent_from = _since(r.recent_days, now)
        prior_from = _since(r.recent_days + r.prior_days, now)
        debits = [
            x.booking_date
            for x in _history(c360, (ProductFamily.CURRENT, ProductFamily.CARD))
            if x.credit_debit is CreditDebit.DBIT and not x.reversal
        ]
        recent = sum(1 for d in debits if d >= recent_from)
        prior = sum(1 for d in debits if prior_from <= d < recent_from)
        if prior < r.min_prior_entries:
            return None
        ratio = Decimal(recent * r.prior_days) / Decimal(prior * r.recent_days)
        if ratio > r.max_ratio:
            return None
        return Hit(
            f"activity fell to {ratio:.0%} of its earlier rate over {r.recent_days} days",
            {"ratio": f"{ratio:.2f}", "recent": str(recent), "prior": str(prior)},
        )

    # --- engagement ---
    def _engagement(self, event: CanonicalEvent) -> tuple[str, Hit | None]:
        product = str(event.data.get("product") or "")
        if not product:
            return "product_viewed", None
        if event.type == APPLICATION_ABANDONED:
            hit = Hit(f"an application for {product} was abandoned", {"product": product})
            return "application_abandoned", hit
        views = int(event.data.get("views") or 1)
        need = self.catalogue.product_viewed.min_views
        if views < need:
            return "product_viewed", None
        return "product_viewed", Hit(
            f"the {product} page was viewed {views} times", {"product": product}
        )
