"""Audit: verify the decision chain, and explain one decision in plain words.

``verify`` walks the chain from the genesis link and stops at the first broken link:

- a record edited in place: its hash no longer matches ``sha256(prev_hash || record)``;
- a record deleted: a gap in ``seq``, or (at the tail) the head names a later link;
- records reordered: a row's ``prev_hash`` is not the hash of the row before it.

``explain`` answers "why this offer, why not the others" from the decision file alone:
the signals, every filter verdict, the factors of each scored candidate and the policy
checks, as text or as a JSON-ready dict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from xsell_connect.pipeline.types import Decision, FilterStage
from xsell_connect.store.decisions import GENESIS, DecisionLog, link_hash

__all__ = ["BrokenLink", "ChainReport", "explain", "explain_text", "verify"]


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    decision_id: str
    reason: str

    def __str__(self) -> str:
        return f"broken link at seq {self.seq} (decision {self.decision_id}): {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(log: DecisionLog) -> ChainReport:
    """Recompute the chain; the report names the first broken link, if any."""
    prev_seq, prev_hash, checked = 0, GENESIS, 0
    prev_id = "(genesis)"
    for row in log.rows():
        broken: str | None = None
        if row.seq != prev_seq + 1:
            broken = f"seq {prev_seq + 1}..{row.seq - 1} missing after {prev_id}: deleted"
        elif row.prev_hash != prev_hash:
            broken = "prev_hash is not the hash of the record before it: reordered or replaced"
        elif link_hash(row.prev_hash, row.record) != row.hash:
            broken = "hash does not match the record: edited"
        elif _recorded_id(row.record) != row.decision_id:
            broken = "decision_id column differs from the record: edited"
        if broken is not None:
            return ChainReport(checked, prev_hash, BrokenLink(row.seq, row.decision_id, broken))
        prev_seq, prev_hash, prev_id = row.seq, row.hash, row.decision_id
        checked += 1
    head_seq, head_hash = log.head()
    if (head_seq, head_hash) != (prev_seq, prev_hash):
        reason = f"the head names seq {head_seq} but the chain ends at seq {prev_seq}: deleted"
        return ChainReport(checked, prev_hash, BrokenLink(prev_seq + 1, "(tail)", reason))
    return ChainReport(checked, prev_hash, None)


def _recorded_id(record: str) -> str | None:
    try:
        value = json.loads(record).get("decision_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def explain(decision: Decision) -> dict[str, Any]:
    """Why this offer and why not the others, as a JSON-ready dict."""
    removed: dict[str, dict[str, str]] = {}
    for verdict in decision.verdicts:
        if not verdict.passed and verdict.product_code not in removed:
            removed[verdict.product_code] = {
                "stage": verdict.stage.value,
                "rule_id": verdict.rule_id,
                "reason": verdict.reason,
            }
    ranked = sorted(decision.scored, key=lambda s: (-s.priority, s.product_code))
    return {
        "decision_id": decision.decision_id,
        "party_ref": decision.party_ref,
        "pattern": decision.pattern,
        "mode": decision.mode.value,
        "outcome": decision.outcome.value,
        "tier": decision.tier.value if decision.tier else None,
        "approver": decision.approver,
        "decided_at": decision.decided_at.isoformat(),
        "catalog_version": decision.catalog_version,
        "inputs_digest": decision.inputs_digest,
        "event_ids": list(decision.event_ids),
        "signals": [
            {"id": s.id, "version": s.version, "reason": s.reason} for s in decision.signals
        ],
        "chosen": decision.chosen,
        "offer_id": decision.offer.id if decision.offer else None,
        "channel": decision.channel.value if decision.channel else None,
        "template": {"id": decision.template_id, "version": decision.template_version},
        "terms_version": decision.terms_version,
        "removed": removed,
        "ranked": [
            {
                "product_code": s.product_code,
                "priority": str(s.priority),
                "scorer": s.scorer,
                "fallback": s.fallback_reason if s.fallback else None,
                "factors": {f.name: [str(f.value), f.explanation] for f in s.factors},
            }
            for s in ranked
        ],
        "policy": [
            {"rule_id": p.rule_id, "passed": p.passed, "reason": p.reason} for p in decision.policy
        ],
    }


def explain_text(decision: Decision) -> str:
    """The same explanation, as plain text an analyst reads top to bottom."""
    info = explain(decision)
    lines = [
        f"decision {info['decision_id']} ({info['mode']}) at {info['decided_at']}",
        f"  party      {info['party_ref']}",
        f"  pattern    {info['pattern']}; outcome {info['outcome']}"
        + (f", tier {info['tier']}" if info["tier"] else "")
        + (f", approved by {info['approver']}" if info["approver"] else ""),
        f"  catalog    {info['catalog_version']}; inputs {info['inputs_digest']}",
        "  signals:",
        *(f"    {s['id']} v{s['version']}: {s['reason']}" for s in info["signals"]),
    ]
    if decision.chosen:
        lines.append(
            f"why {decision.chosen}: highest priority among the candidates that passed every "
            f"filter, offered on {info['channel']} with template {info['template']['id']} "
            f"v{info['template']['version']} and terms {info['terms_version']}"
        )
    else:
        lines.append("no offer was made")
    lines.append("ranked candidates (priority = propensity × context weight × value × levers):")
    for cand in info["ranked"]:
        factors = ", ".join(f"{n}={v[0]} ({v[1]})" for n, v in cand["factors"].items())
        marker = "*" if cand["product_code"] == decision.chosen else "-"
        lines.append(f"  {marker} {cand['product_code']} {cand['priority']}: {factors}")
        if cand["fallback"]:
            lines.append(f"      scorer fell back: {cand['fallback']}")
    lines.append("why not the others (the first filter that removed each):")
    order = {stage.value: i for i, stage in enumerate(FilterStage)}
    removed = sorted(info["removed"].items(), key=lambda kv: (order[kv[1]["stage"]], kv[0]))
    lines.extend(
        f"  - {code}: {v['stage']} rule {v['rule_id']}: {v['reason']}" for code, v in removed
    )
    if not removed:
        lines.append("  (no candidate was filtered out)")
    lines.append("policy checks:")
    lines.extend(
        f"  {'pass' if p['passed'] else 'FAIL'} {p['rule_id']}: {p['reason']}"
        for p in info["policy"]
    )
    return "\n".join(lines)
