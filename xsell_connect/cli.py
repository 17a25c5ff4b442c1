"""`xsell-connect`: the command line.

xsell-connect demo                          the main job on embedded defaults
xsell-connect adapters [--json|--markdown]  installed adapters and their capabilities
xsell-connect mock mambu --port 8081 --customers 1000 --seed 7
xsell-connect sync mambu --base-url URL     canonical events as JSON lines
xsell-connect schema --write openapi/schemas
xsell-connect bench all                     benchmarks, from a checkout (python -m bench)
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import IO, Any

import click

from .adapter import Capability
from .errors import XsellError
from .models import CanonicalEvent
from .registry import available_adapters, get_adapter_class
from .sync import sync_events

__all__ = ["main"]


def _capability_rows() -> list[dict[str, Any]]:
    rows = []
    for info in available_adapters():
        caps: list[str] = []
        if info.installed:
            try:
                caps = sorted(c.value for c in get_adapter_class(info.name).capabilities)
            except XsellError as exc:
                rows.append({"name": info.name, "installed": False, "error": str(exc)})
                continue
        rows.append(
            {
                "name": info.name,
                "origin": info.origin,
                "installed": info.installed,
                "target": info.target,
                "install_hint": info.install_hint,
                "capabilities": caps,
            }
        )
    return rows


def capability_matrix_markdown() -> str:
    """The capability matrix, generated from the adapters' own declarations."""
    caps = list(Capability)
    lines = [
        "| adapter | installed | " + " | ".join(c.value for c in caps) + " |",
        "|---|---|" + "---|" * len(caps),
    ]
    for row in _capability_rows():
        have = set(row.get("capabilities", ()))
        marks = " | ".join("yes" if c.value in have else "-" for c in caps)
        installed = "yes" if row["installed"] else f"no (`{row.get('install_hint')}`)"
        lines.append(f"| {row['name']} | {installed} | {marks} |")
    return "\n".join(lines) + "\n"


class _LazyGroup(click.Group):
    """A group whose heavier subcommands are imported only when one is asked for.

    The pipeline commands load the store (SQLAlchemy): ~20 MB and most of the start-up
    time of every other command, ``sync`` and ``mock`` included, if imported eagerly.
    """

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.lazy = dict(lazy or {})  # command name -> "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup,
    lazy={
        "audit": "xsell_connect.cli_pipeline:audit",
        "approvals": "xsell_connect.cli_pipeline:approvals",
        "batch": "xsell_connect.cli_pipeline:batch",
        "listen": "xsell_connect.listener.cli:listen",
    },
)
@click.version_option(package_name="xsell-connect")
def main() -> None:
    """Connect core-banking platforms to next-best-action cross-selling."""


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--markdown", is_flag=True, help="The capability matrix as a Markdown table.")
def adapters(as_json: bool, markdown: bool) -> None:
    """List adapters (installed or known) and the capabilities each declares."""
    if markdown:
        click.echo(capability_matrix_markdown(), nl=False)
        return
    rows = _capability_rows()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["name"]) for r in rows)
    for row in rows:
        if row["installed"]:
            detail = ", ".join(row["capabilities"]) or "(no capabilities)"
        else:
            detail = f"not installed: {row.get('install_hint') or row.get('error')}"
        click.echo(f"{row['name']:<{width}}  {detail}")


@main.command()
@click.argument("platform")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True, type=int)
@click.option("--customers", default=1000, show_default=True, type=int)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--months",
    default=12,
    show_default=True,
    type=click.IntRange(min=1),
    help="Months of postings history.",
)
@click.option(
    "--journal-limit",
    type=click.IntRange(min=1),
    help="Keep only the newest N journal entries (default: all; bound it for long runs).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    help="Fault rule, e.g. 'rate_limit:0.1@/api/clients*' (repeatable).",
)
def mock(
    platform: str,
    host: str,
    port: int,
    customers: int,
    seed: int,
    months: int,
    journal_limit: int | None,
    faults: tuple[str, ...],
) -> None:
    """Serve a mock core over HTTP, fed by the synthetic bank."""
    try:
        from xsell_connect_mocks.framework import FaultRule, serve
        from xsell_connect_mocks.registry import create_mock
    except ModuleNotFoundError as exc:
        raise click.ClickException("mock cores need: pip install xsell-connect-mocks") from exc
    try:
        rules = [FaultRule.parse(spec) for spec in faults]
        core = create_mock(platform, customers=customers, seed=seed, faults=rules, months=months)
        core.journal.limit = journal_limit
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"mock {platform}: {customers} customers, seed {seed}, http://{host}:{port}", err=True
    )
    serve(core, host=host, port=port)


def _parse_day(value: str | None, end: bool) -> datetime | None:
    if value is None:
        return None
    day = date.fromisoformat(value)
    return datetime.combine(day, dtime.max if end else dtime.min, tzinfo=UTC)


class _Progress:
    """A bar on a terminal; plain periodic lines otherwise (CI logs, pipes)."""

    def __init__(self, stream: IO[str], every: int = 1000) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.every = every
        self.counts: Counter[str] = Counter()
        self.started = time.perf_counter()

    def update(self, event: CanonicalEvent) -> None:
        self.counts[event.type.rsplit(".", 2)[-2]] += 1
        total = sum(self.counts.values())
        if self.tty and total % 50 == 0:
            self.stream.write("\r" + self.line())
            self.stream.flush()
        elif not self.tty and total % self.every == 0:
            self.stream.write(self.line() + "\n")

    def line(self) -> str:
        elapsed = time.perf_counter() - self.started
        total = sum(self.counts.values())
        parts = " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        return f"[{elapsed:6.1f}s] {total} events ({parts})"

    def close(self) -> None:
        self.stream.write(("\r" if self.tty else "") + self.line() + "\n")


async def _write_events(
    events: AsyncIterator[CanonicalEvent], out: IO[str], progress: _Progress
) -> None:
    async for event in events:
        out.write(event.to_json())
        out.write("\n")
        progress.update(event)


@main.command()
@click.argument("platform")
@click.option("--base-url", help="The core's API base URL (else XSELL_<PLATFORM>_BASE_URL).")
@click.option("--since", help="First booking day of postings to read (YYYY-MM-DD).")
@click.option("--until", help="Last booking day of postings to read (YYYY-MM-DD).")
@click.option("--limit", type=int, help="Read at most this many parties.")
@click.option("--concurrency", default=4, show_default=True, type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
def sync(
    platform: str,
    base_url: str | None,
    since: str | None,
    until: str | None,
    limit: int | None,
    concurrency: int,
    output: Path | None,
) -> None:
    """Read parties, accounts, postings and products; write canonical events as JSON lines.

    Credentials come from the adapter's environment variables (e.g. XSELL_MAMBU_API_KEY),
    never from the command line.
    """
    if base_url:
        os.environ[f"XSELL_{platform.upper()}_BASE_URL"] = base_url
    try:
        adapter = get_adapter_class(platform).from_settings(None)
    except (XsellError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    progress = _Progress(sys.stderr)

    async def run(out: IO[str]) -> None:
        async with adapter:
            events = sync_events(
                adapter,
                since=_parse_day(since, end=False),
                until=_parse_day(until, end=True),
                limit=limit,
                concurrency=concurrency,
            )
            await _write_events(events, out, progress)

    try:
        if output is None:
            asyncio.run(run(sys.stdout))
        else:
            with output.open("w", encoding="utf-8") as out:
                asyncio.run(run(out))
    except XsellError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    finally:
        progress.close()


@main.command()
@click.option("--customers", default=120, show_default=True, type=int)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--days", default=30, show_default=True, type=int, help="Days of events replayed.")
@click.option(
    "--store",
    "store_path",
    default=".xsell/demo.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file of the demo's store (recreated on every run).",
)
@click.option(
    "--report",
    "report_path",
    default=".xsell/demo-report.md",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
def demo(customers: int, seed: int, days: int, store_path: Path, report_path: Path) -> None:
    """Run the decision pipeline end to end on the in-process Mambu mock core.

    Replays the last DAYS days of the synthetic bank's postings through detect, enrich,
    decide and govern, writes back to the mock core through the outbox, learns from a few
    responses, verifies the audit chain, and writes a decision report (Markdown).
    """
    from .demo import run_demo

    try:
        summary = run_demo(
            customers=customers,
            seed=seed,
            days=days,
            store_path=store_path,
            report_path=report_path,
        )
    except (XsellError, ModuleNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary)


@main.command()
@click.option(
    "--write",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write the models' JSON Schemas into (e.g. openapi/schemas).",
)
def schema(directory: Path) -> None:
    """Write the canonical models' JSON Schemas."""
    from .models.schema import write_schemas

    for path in write_schemas(directory):
        click.echo(str(path))


@main.group()
def store() -> None:
    """The store: inbox, outbox, decisions (SQLite file by default, PostgreSQL by URL)."""


@store.command("migrate")
@click.option(
    "--url",
    envvar="XSELL_STORE_URL",
    default="sqlite:///xsell-connect.db",
    show_default=True,
    help="Database URL (env XSELL_STORE_URL).",
)
@click.option("--sql", is_flag=True, help="Print the DDL for review instead of running it.")
def store_migrate(url: str, sql: bool) -> None:
    """Bring the store's schema to the newest revision."""
    from xsell_connect.store import make_engine
    from xsell_connect.store.migrate import current_revision, sql_script, upgrade

    if sql:
        click.echo(sql_script(url), nl=False)
        return
    engine = make_engine(url)
    try:
        upgrade(engine)
        click.echo(f"store at revision {current_revision(engine)}")
    finally:
        engine.dispose()


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.pass_context
def bench(ctx: click.Context) -> None:
    """Run the benchmarks (from a checkout): the same as ``python -m bench``."""
    root = Path.cwd()
    if not (root / "bench" / "runner.py").is_file():
        raise click.ClickException(
            "the benchmarks live in the repository's bench/ folder: run this from a checkout"
        )
    sys.path.insert(0, str(root))
    from bench.runner import main as bench_main

    ctx.exit(bench_main(list(ctx.args) or ["--help"]))


if __name__ == "__main__":
    main()
