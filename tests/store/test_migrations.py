"""Migrations create exactly the tables of ``schema.py``, on both dialects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, exc, inspect, text

from xsell_connect.cli import main
from xsell_connect.errors import ConfigurationError
from xsell_connect.store import Store, make_engine, normalise_url
from xsell_connect.store.migrate import (
    MIGRATION_LOCK,
    current_revision,
    head_revision,
    sql_script,
    upgrade,
)
from xsell_connect.store.schema import metadata


def test_a_migrated_database_matches_the_schema_module(store_url: str) -> None:
    store = Store.open(store_url)
    try:
        with store.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
        assert diff == []
        assert current_revision(store.engine) == head_revision()
        assert set(inspect(store.engine).get_table_names()) == {
            *metadata.tables,
            "alembic_version",
        }
    finally:
        store.close()


def test_upgrading_twice_is_a_no_op(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade(engine)
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


#: A store opener in a process of its own: ready once imported and connected, it upgrades
#: when a line arrives on its standard input.
_OPENER = """
import sys
from xsell_connect.store import make_engine
from xsell_connect.store.migrate import upgrade
engine = make_engine(sys.argv[1])
engine.connect().close()
print("ready", flush=True)
sys.stdin.readline()
upgrade(engine)
"""


def test_replicas_opening_one_empty_store_at_once_all_find_it_migrated(store_url: str) -> None:
    """Four processes (listener replicas started together) upgrade one empty store at the
    same moment: every one succeeds, and the schema is created once."""
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER, store_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for opener in openers:
            assert opener.stdout is not None
            assert opener.stdout.readline() == "ready\n"
        for opener in openers:  # all waiting: let them go together
            assert opener.stdin is not None
            opener.stdin.write("go\n")
            opener.stdin.flush()
        errors = [opener.communicate(timeout=120)[1] for opener in openers]
        assert [opener.returncode for opener in openers] == [0, 0, 0, 0], errors
    finally:
        for opener in openers:
            if opener.poll() is None:
                opener.kill()
                opener.wait()
    engine = make_engine(store_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [v for (v,) in versions] == [head_revision()]
    finally:
        engine.dispose()


def test_an_upgrade_on_postgresql_waits_for_the_migration_lock(postgres_url: str) -> None:
    """While another session holds the lock, an upgrade waits (here: until its lock_timeout
    refuses the wait) and creates nothing; once the lock is free it migrates."""
    holder = psycopg.connect(postgres_url, autocommit=True)
    impatient = create_engine(
        normalise_url(postgres_url), connect_args={"options": "-c lock_timeout=200"}
    )
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        with pytest.raises(exc.OperationalError) as refused:
            upgrade(impatient)
        assert isinstance(refused.value.orig, psycopg.errors.LockNotAvailable)
        assert current_revision(impatient) is None
        holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        upgrade(impatient)
        assert current_revision(impatient) == head_revision()
    finally:
        impatient.dispose()
        holder.close()


def test_the_ddl_can_be_reviewed_as_sql_before_it_runs() -> None:
    script = sql_script("postgresql://dba@db.example/xsell")
    assert "CREATE TABLE inbox" in script
    assert "CONSTRAINT uq_inbox_source_event_id UNIQUE (source, event_id)" in script
    assert "UPDATE alembic_version" in script or "INSERT INTO alembic_version" in script


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_urls_get_an_explicit_driver(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("mysql://u@h/db", "store URL must be sqlite:/// or postgresql://, not mysql://"),
        ("not a url", "store URL is not a database URL"),
    ],
)
def test_other_urls_are_refused_with_the_reason(given: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        normalise_url(given)


def test_the_cli_migrates_and_prints_the_ddl(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(main, ["store", "migrate", "--url", url])
    assert result.exit_code == 0, result.output
    assert result.output == f"store at revision {head_revision()}\n"
    ddl = CliRunner().invoke(main, ["store", "migrate", "--url", url, "--sql"])
    assert ddl.exit_code == 0
    assert "CREATE TABLE inbox" in ddl.output
