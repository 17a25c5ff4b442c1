"""The run's summary (text) and the decision report an analyst opens (Markdown)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from xsell_connect.pipeline.audit import ChainReport, explain_text
from xsell_connect.pipeline.runner import RunStats
from xsell_connect.pipeline.types import DecisionOutcome, FilterStage
from xsell_connect.store.decisions import DecisionLog

__all__ = ["DemoFacts", "write_report"]

#: Decisions explained in full in the report (the rest are counted).
EXPLAINED = 40


@dataclass(frozen=True)
class DemoFacts:
    customers: int
    seed: int
    days: int
    stats: RunStats
    pending: int
    writebacks: Counter[str]
    dead: int
    created: Counter[str]
    nba_patches: int
    responses: Counter[str]
    follow_ups: int
    chain: ChainReport
    store: str
    report: str

    def rows(self) -> list[tuple[str, str]]:
        s = self.stats
        removed = ", ".join(f"{stage.value} {s.removed[stage.value]}" for stage in FilterStage)
        policy = ", ".join(f"{k} {v}" for k, v in sorted(s.policy_failed.items())) or "none"
        offers = ", ".join(f"{p}/{t} {n}" for (p, t), n in sorted(s.offers.items())) or "none"
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(s.outcomes.items()))
        done = ", ".join(f"{k} {v}" for k, v in sorted(self.writebacks.items())) or "none"
        created = ", ".join(f"{k} {v}" for k, v in sorted(self.created.items())) or "none"
        chain = (
            f"verified, {self.chain.checked} records"
            if self.chain.ok
            else f"BROKEN: {self.chain.broken}"
        )
        responses = ", ".join(f"{k} {v}" for k, v in sorted(self.responses.items())) or "none"
        return [
            ("events in", str(s.events)),
            ("signals", f"{sum(s.signals.values())} ({', '.join(sorted(s.signals))})"),
            ("decisions", f"{s.decisions} ({outcomes})"),
            ("candidates removed", removed),
            ("policy checks failed", policy),
            ("offers by product/tier", offers),
            ("approvals pending", str(self.pending)),
            ("write-backs done", f"{done}; parked {self.dead}"),
            ("confirmed in journal", f"{created}; NBA patches {self.nba_patches}"),
            ("responses learned", f"{responses}; follow-up tasks {self.follow_ups}"),
            ("audit chain", chain),
        ]

    def summary(self) -> str:
        head = (
            f"xsell-connect demo: the decision pipeline on the in-process Mambu mock core "
            f"({self.customers} customers, seed {self.seed}, the last {self.days} days replayed)"
        )
        width = max(len(k) for k, _ in self.rows())
        lines = [head, *(f"  {k:<{width}}  {v}" for k, v in self.rows())]
        lines += [f"  {'store':<{width}}  {self.store}", f"  {'report':<{width}}  {self.report}"]
        return "\n".join(lines)


def write_report(path: Path, facts: DemoFacts, log: DecisionLog) -> None:
    """A Markdown report: the summary table, then the decisions that offered, explained."""
    lines = [
        "# xsell-connect decision report",
        "",
        f"{facts.customers} customers, seed {facts.seed}, the last {facts.days} days replayed.",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in facts.rows()),
        "",
        "## Decisions that made or proposed an offer",
        "",
        "Each explains why this offer and why not the others; "
        "`xsell-connect audit show <id> --store ...` prints the same for any decision.",
        "",
    ]
    shown = 0
    for decision in log.decisions():
        if decision.outcome not in (DecisionOutcome.OFFERED, DecisionOutcome.PENDING_APPROVAL):
            continue
        shown += 1
        if shown > EXPLAINED:
            break
        lines += [f"### {decision.decision_id}", "", "```text", explain_text(decision), "```", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
