"""Migrations create exactly the tables of ``schema.py``, on both dialects."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect

from xsell_connect.cli import main
from xsell_connect.errors import ConfigurationError
from xsell_connect.store import Store, make_engine, normalise_url
from xsell_connect.store.migrate import current_revision, head_revision, sql_script, upgrade
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
