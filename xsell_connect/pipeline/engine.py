"""The decision brain's one entry point: detect, then decide (filters, scoring, governance).

The runner (Act/Learn side) calls it like this::

    engine = DecisionEngine.from_config(
        products,                       # the catalog read from the core (Product models)
        platform="mambu",
        pseudonym_key=b"...",           # HMAC key of the party pseudonym (DESIGN §8)
        policy_path=None,               # TOML; None = the embedded default policy
        signals_path=None,              # TOML signal thresholds; None = embedded defaults
        templates_path=None,            # TOML approved message templates; None = embedded
        scorer=None,                    # a Scorer; None = the deterministic default scorer
    )                                   # an invalid file raises PolicyError naming the field
    c360 = await enricher.customer_360(party_id, key=event.id)       # enrich.Enricher
    signals = engine.detect([event], c360, now=now)                  # tuple[Signal, ...]
    if signals:
        decision = await engine.decide(signals, c360, state, now=now, mode=Mode.LIVE)

``decide`` takes the signals of ONE party (from one event, or one batch pass over the
customer); the strongest signal (highest context weight, then id) is the decision's
``pattern`` and its first event is the triggering event. It is pure apart from the scorer
call (which never raises: failures fall back to the default scorer and are recorded) and
fills the whole decision file except ``approver``:

- ``decision_id`` ``DEC-<16 hex>`` and ``idempotency_key`` derive deterministically from
  (party, pattern, triggering event); the offer id is ``Offer.make_id`` of the same triple;
- ``party_ref`` is ``HMAC-SHA256(pseudonym_key, party_id)`` (``v1:<32 hex>``);
- ``inputs_digest`` is the SHA-256 of the signals and the Customer 360 (+ events if given);
- ``outcome`` is one of OFFERED (automatic: trusted, or guarded below thresholds — then
  ``timestamps["recall_until"]`` ends the recall window), PENDING_APPROVAL (observe, or
  guarded above thresholds), SUPPRESSED, NO_CANDIDATE, HOLDOUT, PAUSED;
- ``extra`` carries ``age_band`` and ``segment`` (for the fairness tallies the store keeps),
  ``contacts`` (contact history per channel in the policy's windows) and, when relevant,
  ``recall_window_hours`` and ``alarms`` (fairness / breaker messages).

The engine never writes: the runner stores the decision, queues effects for OFFERED /
APPROVED decisions in LIVE mode, and records fairness tallies from ``extra``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from xsell_connect.models import (
    Account,
    CanonicalEvent,
    LedgerEntry,
    Offer,
    OfferStatus,
    Product,
)
from xsell_connect.policy import Policy
from xsell_connect.sync import Customer360

from .decide import Context, Filters, arbitrate, candidates
from .detect import Detector
from .enrich import contact_history
from .govern import Supervisor, Verdict
from .holdout import holdout_point
from .profile import Profile, age_band
from .scoring import Scored, Scorer, ScoreRequest, score_with_fallback
from .signals import SignalCatalogue
from .state import Catalog, GovernanceState
from .templates import TemplateSet, compose_offer, pricing_of
from .types import Decision, DecisionOutcome, Mode, PolicyCheck, Signal

__all__ = ["DecisionEngine", "decision_keys", "pseudonym"]

_AUTOMATIC = (DecisionOutcome.OFFERED, DecisionOutcome.PENDING_APPROVAL)


def pseudonym(key: bytes, party_id: str) -> str:
    """The keyed pseudonym of a party (HMAC-SHA256, versioned for key rotation)."""
    return "v1:" + hmac.new(key, party_id.encode(), hashlib.sha256).hexdigest()[:32]


def decision_keys(party_id: str, pattern: str, triggering_event: str) -> tuple[str, str]:
    """``(decision_id, idempotency_key)``, both deterministic in (party, pattern, event)."""
    digest = hashlib.sha256(f"{party_id}\x1f{pattern}\x1f{triggering_event}".encode())
    hexed = digest.hexdigest()
    return "DEC-" + hexed[:16].upper(), "xsell-" + hexed[:32]


_ENTRIES = TypeAdapter(tuple[LedgerEntry, ...])
_ACCOUNTS = TypeAdapter(tuple[Account, ...])
_SIGNALS = TypeAdapter(tuple[Signal, ...])
_EVENTS = TypeAdapter(tuple[CanonicalEvent, ...])


def _digest(signals: Sequence[Signal], c360: Customer360, events: Sequence[CanonicalEvent]) -> str:
    """SHA-256 over the canonical JSON of the signals, events, party, holdings and postings."""
    h = hashlib.sha256()
    h.update(_SIGNALS.dump_json(tuple(signals)))
    h.update(_EVENTS.dump_json(tuple(events)))
    h.update(c360.party.model_dump_json().encode())
    h.update(_ACCOUNTS.dump_json(c360.accounts))
    for account_id in sorted(c360.entries):
        h.update(_ENTRIES.dump_json(c360.entries[account_id]))
    return h.hexdigest()


class DecisionEngine:
    """Detect + Decide + Govern over one catalog, one policy, one scorer (see module doc)."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        policy: Policy,
        platform: str,
        pseudonym_key: bytes,
        templates: TemplateSet | None = None,
        detector: Detector | None = None,
        scorer: Scorer | None = None,
        scorer_deadline: float = 1.0,
    ) -> None:
        if not pseudonym_key:
            raise ValueError("pseudonym_key must not be empty")
        self.catalog, self.policy, self.platform = catalog, policy, platform
        self.templates = templates or TemplateSet.load()
        self.detector = detector or Detector()
        self.scorer, self.scorer_deadline = scorer, scorer_deadline
        self.supervisor = Supervisor(policy, self.templates)
        self.filters = Filters()
        self._key = pseudonym_key

    @classmethod
    def from_config(
        cls,
        products: Iterable[Product],
        *,
        platform: str,
        pseudonym_key: bytes,
        policy_path: Path | str | None = None,
        signals_path: Path | str | None = None,
        templates_path: Path | str | None = None,
        scorer: Scorer | None = None,
        scorer_deadline: float = 1.0,
    ) -> DecisionEngine:
        """Load and validate every file first: an invalid one raises ``PolicyError``."""
        return cls(
            catalog=Catalog.of(products),
            policy=Policy.load(policy_path),
            platform=platform,
            pseudonym_key=pseudonym_key,
            templates=TemplateSet.load(templates_path),
            detector=Detector(SignalCatalogue.load(signals_path)),
            scorer=scorer,
            scorer_deadline=scorer_deadline,
        )

    def detect(
        self, events: Sequence[CanonicalEvent], c360: Customer360, *, now: datetime
    ) -> tuple[Signal, ...]:
        return self.detector.detect(events, c360, now=now)

    def scan(self, c360: Customer360, *, now: datetime) -> tuple[Signal, ...]:
        return self.detector.scan(c360, now=now, platform=self.platform)

    def pseudonym(self, party_id: str) -> str:
        return pseudonym(self._key, party_id)

    async def decide(
        self,
        signals: Sequence[Signal],
        c360: Customer360,
        state: GovernanceState,
        *,
        now: datetime,
        mode: Mode = Mode.LIVE,
        events: Sequence[CanonicalEvent] = (),
    ) -> Decision:
        """One decision file for the party of ``c360`` (see the module docstring)."""
        if not signals:
            raise ValueError("decide() needs at least one signal")
        party = c360.party
        primary = min(signals, key=lambda s: (-s.context_weight, s.id))
        pattern, trigger = primary.id, primary.event_ids[0]
        decision_id, idem = decision_keys(party.id, pattern, trigger)
        profile = Profile.of(c360, now)
        products, verdicts = candidates(self.catalog, signals)
        ctx = Context(profile, self.policy, state, party.id, now.date())
        alive, filtered = self.filters.run(products, ctx)
        verdicts.extend(filtered)
        pointed = tuple(p for s in signals for p in s.products)
        scored = Scored({}, "none")
        if alive:
            request = ScoreRequest(profile.features(), tuple(alive), pointed)
            scored = await score_with_fallback(self.scorer, request, deadline=self.scorer_deadline)
        ranked = arbitrate(alive, signals, scored, self.policy)
        verdict = self.supervisor.govern(
            ranked, catalog=self.catalog, party=party, pattern=pattern, state=state, now=now
        )
        extra: dict[str, Any] = {
            "age_band": age_band(profile.age, self.policy.fairness.age_bands),
            "segment": profile.segment,
            "contacts": contact_history(state, party.id, self.policy, now),
            "policy_version": self.policy.version,
        }
        self._holdout(verdict, party.id, pattern, extra)
        if verdict.alarms:
            extra["alarms"] = list(verdict.alarms)
        if scored.fallback:
            extra["scorer_fallback"] = scored.fallback_reason
        timestamps = {"detected": min(s.detected_at for s in signals), "decided": now}
        if verdict.recall_until is not None:
            timestamps["recall_until"] = verdict.recall_until
            extra["recall_window_hours"] = self.policy.approval.recall_window_hours
        chosen, product, template = verdict.chosen, verdict.product, verdict.template
        terms_version = None
        offer = None
        if chosen and product and template:
            terms_version = product.version or self.catalog.version
            if verdict.outcome in _AUTOMATIC and verdict.channel is not None:
                subject, body = template.render(product, pricing_of(product))
                extra["message"] = {"subject": subject, "body": body}
                offer = compose_offer(
                    offer_id=Offer.make_id(party.id, pattern, trigger),
                    party_id=party.id,
                    product=product,
                    template=template,
                    terms_version=terms_version,
                    channel=verdict.channel,
                    score=next(f.value for f in chosen.factors if f.name == "propensity"),
                    reason_codes=tuple(s.id.upper() for s in signals),
                    now=now,
                    validity_days=self.policy.offer_validity_days,
                    status=OfferStatus.APPROVED
                    if verdict.outcome is DecisionOutcome.OFFERED
                    else OfferStatus.PENDING_APPROVAL,
                )
        return Decision(
            decision_id=decision_id,
            party_ref=self.pseudonym(party.id),
            party_id=party.id,
            platform=self.platform,
            pattern=pattern,
            mode=mode,
            event_ids=tuple(dict.fromkeys(e for s in signals for e in s.event_ids)),
            signals=tuple(signals),
            inputs_digest=_digest(signals, c360, events),
            catalog_version=self.catalog.version,
            candidates=tuple(p.code for p in products),
            verdicts=tuple(verdicts),
            scored=tuple(ranked),
            chosen=chosen.product_code if chosen else None,
            offer=offer,
            template_id=template.id if template and chosen else None,
            template_version=template.version if template and chosen else None,
            terms_version=terms_version,
            channel=verdict.channel,
            disclosures=verdict.disclosures,
            policy=tuple(verdict.checks),
            tier=verdict.tier,
            outcome=verdict.outcome,
            idempotency_key=idem,
            decided_at=now,
            timestamps=timestamps,
            extra=json.loads(json.dumps(extra, default=str)),
        )

    def _holdout(
        self, verdict: Verdict, party_id: str, pattern: str, extra: dict[str, Any]
    ) -> None:
        if verdict.outcome not in _AUTOMATIC:
            return
        share = self.policy.holdout.share_of(pattern)
        point = holdout_point(party_id, pattern, self.policy.holdout.salt)
        held = point < share
        verdict.checks.append(
            PolicyCheck(
                rule_id="holdout",
                passed=not held,
                reason=f"control group of {pattern} (share {share})"
                if held
                else f"not in the control group of {pattern} (share {share})",
            )
        )
        if held:
            verdict.outcome = DecisionOutcome.HOLDOUT
            verdict.recall_until = None
            extra["holdout_share"] = str(share)
