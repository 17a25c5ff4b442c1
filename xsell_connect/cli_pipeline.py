"""The pipeline's commands: ``audit``, ``approvals`` and ``batch`` (added to ``xsell-connect``).

xsell-connect audit verify                     exit 1 and the first broken link if tampered
xsell-connect audit show DEC-... [--json]      why this offer, why not the others
xsell-connect approvals list|approve|reject|recall
xsell-connect batch mambu --job nightly-2026-11-21 [--mode shadow]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime

import click

from .errors import XsellError
from .store import Store
from .store.approvals import ApprovalStatus

__all__ = ["approvals", "audit", "batch"]

_STORE = click.option(
    "--store",
    "url",
    envvar="XSELL_STORE_URL",
    default="sqlite:///xsell-connect.db",
    show_default=True,
    help="Store URL (env XSELL_STORE_URL).",
)


def _open(url: str) -> Store:
    try:
        return Store.open(url)
    except XsellError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def audit() -> None:
    """The decision files' hash chain."""


@audit.command("verify")
@_STORE
def audit_verify(url: str) -> None:
    """Recompute the chain; exit 1 naming the first broken link if anything changed."""
    from .pipeline.audit import verify
    from .store.decisions import DecisionLog

    store = _open(url)
    try:
        report = verify(DecisionLog(store.engine))
    finally:
        store.close()
    if report.broken is not None:
        click.echo(f"audit chain BROKEN after {report.checked} good records: {report.broken}")
        sys.exit(1)
    click.echo(f"audit chain verified: {report.checked} records, head {report.head_hash}")


@audit.command("show")
@click.argument("decision_id")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_STORE
def audit_show(decision_id: str, as_json: bool, url: str) -> None:
    """Explain one decision: why this offer, why not the others."""
    from .pipeline.audit import explain, explain_text
    from .store.decisions import DecisionLog

    store = _open(url)
    try:
        decision = DecisionLog(store.engine).get(decision_id)
    finally:
        store.close()
    if decision is None:
        raise click.ClickException(f"no decision {decision_id} in the store")
    click.echo(json.dumps(explain(decision), indent=2) if as_json else explain_text(decision))


@click.group()
def approvals() -> None:
    """Offers waiting for a human (observe tier) and recalls (guarded tier)."""


@approvals.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every approval, not only pending ones.")
@_STORE
def approvals_list(show_all: bool, url: str) -> None:
    from .store.approvals import ApprovalStore

    store = _open(url)
    try:
        rows = ApprovalStore(store.engine).list(None if show_all else ApprovalStatus.PENDING)
    finally:
        store.close()
    for row in rows:
        click.echo(
            f"{row.decision_id}  {row.status.value:<9} {row.pattern:<28} {row.product_code:<20} "
            f"{row.party_ref}  {row.requested_at.isoformat()}"
        )
    click.echo(f"{len(rows)} approval(s)")


def _act(url: str, verb: str, decision_id: str, by: str, reason: str | None) -> None:
    from .pipeline.approve import ApprovalDesk, ApprovalError

    store = _open(url)
    try:
        desk = ApprovalDesk(store.engine)
        now = datetime.now(UTC)
        if verb == "approve":
            desk.approve(decision_id, by=by, at=now)
        elif verb == "reject":
            desk.reject(decision_id, by=by, reason=reason or "", at=now)
        else:
            desk.recall(decision_id, by=by, reason=reason or "", at=now)
    except ApprovalError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    done = {"approve": "approved", "reject": "rejected", "recall": "recalled"}[verb]
    click.echo(f"{decision_id}: {done} by {by}")


_BY = click.option("--by", default=lambda: os.environ.get("USER", "operator"), show_default="$USER")


@approvals.command("approve")
@click.argument("decision_id")
@_BY
@_STORE
def approvals_approve(decision_id: str, by: str, url: str) -> None:
    """Approve a pending offer: its write-backs are queued in the outbox."""
    _act(url, "approve", decision_id, by, None)


@approvals.command("reject")
@click.argument("decision_id")
@click.option("--reason", required=True, help="Why the offer is rejected (kept in the audit).")
@_BY
@_STORE
def approvals_reject(decision_id: str, reason: str, by: str, url: str) -> None:
    """Reject a pending offer, with a reason; nothing is written to the core."""
    _act(url, "reject", decision_id, by, reason)


@approvals.command("recall")
@click.argument("decision_id")
@click.option("--reason", required=True)
@_BY
@_STORE
def approvals_recall(decision_id: str, reason: str, by: str, url: str) -> None:
    """Withdraw a guarded offer while its recall window is open."""
    _act(url, "recall", decision_id, by, reason)


@click.command()
@click.argument("platform")
@click.option("--base-url", help="The core's API base URL (else XSELL_<PLATFORM>_BASE_URL).")
@click.option("--job", help="Job name; rerun the same name to resume. Default: batch-<date>.")
@click.option("--mode", type=click.Choice(["live", "shadow"]), default="live", show_default=True)
@click.option("--concurrency", default=8, show_default=True, type=int)
@click.option("--policy", "policy_path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--push-url",
    envvar="XSELL_CHANNEL_PUSH_URL",
    help="Also push each offer to this channel endpoint, signed in the Standard Webhooks "
    "format with the whsec_ secret in XSELL_CHANNEL_PUSH_SECRET.",
)
@_STORE
def batch(
    platform: str,
    base_url: str | None,
    job: str | None,
    mode: str,
    concurrency: int,
    policy_path: str | None,
    push_url: str | None,
    url: str,
) -> None:
    """Run the pipeline over every customer of the core (resumable from its checkpoint).

    The pseudonym key comes from XSELL_PSEUDONYM_KEY; credentials from the adapter's
    environment variables.
    """
    from pydantic import SecretStr

    from .pipeline.act import Drainer
    from .pipeline.batch import run_batch
    from .pipeline.factory import build_runner
    from .pipeline.push import ChannelPusher
    from .pipeline.types import Mode
    from .registry import get_adapter_class

    if base_url:
        os.environ[f"XSELL_{platform.upper()}_BASE_URL"] = base_url
    key = os.environ.get("XSELL_PSEUDONYM_KEY", "")
    if not key:
        raise click.ClickException("XSELL_PSEUDONYM_KEY must be set (the party pseudonym key)")
    now = datetime.now(UTC)
    name = job or f"batch-{now.date().isoformat()}"
    pusher = None
    if push_url:
        secret = os.environ.get("XSELL_CHANNEL_PUSH_SECRET", "")
        try:
            pusher = ChannelPusher(push_url, SecretStr(secret))
        except XsellError as exc:
            raise click.ClickException(f"XSELL_CHANNEL_PUSH_SECRET: {exc}") from None
    store = _open(url)

    async def run() -> str:
        async with get_adapter_class(platform).from_settings(None) as adapter:
            runner = await build_runner(
                adapter,
                store.engine,
                key=key.encode(),
                mode=Mode(mode),
                policy_path=policy_path,
                push=pusher is not None,
            )
            report = await run_batch(
                adapter, runner, job=name, now=now, concurrency=concurrency, stream=sys.stderr
            )
            drained = None
            if mode == "live":
                drainer = Drainer(runner.outbox, adapter, governance=runner.state, pusher=pusher)
                drained = await drainer.drain()
        lines = [
            f"batch {report.job}: {report.parties} customers, {report.skipped} done before, "
            f"{report.processed} scanned, {report.decisions} decisions",
            *(f"  would offer {o['product']} to {o['party_ref']} ({o['tier']})"
              for o in runner.stats.shadow_offers),
        ]  # fmt: skip
        if drained is not None:
            lines.append(f"  write-backs done: {sum(drained.done.values())}, parked {drained.dead}")
        return "\n".join(lines)

    try:
        click.echo(asyncio.run(run()))
    except XsellError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    finally:
        store.close()
