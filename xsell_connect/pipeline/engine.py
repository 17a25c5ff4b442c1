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
