"""Schema migrations (Alembic, scripts shipped inside the package).

``upgrade(engine)`` brings a database to the newest schema; it is what ``Store.open``
runs. DBAs who want to review the DDL first get it as SQL with
``xsell-connect store migrate --url ... --sql``.

Several processes may open one store at once (listener replicas started together on an
empty database): on PostgreSQL an upgrade first takes a transaction-level advisory lock
(``MIGRATION_LOCK``), so the others wait, then find the schema at the revision the first
committed and do nothing; without it each tried to create the tables and all but one
failed on PostgreSQL's unique catalog entries. On SQLite the upgrade's transaction begins
``IMMEDIATE`` (``engine.py``): the file's write lock serialises them the same way.
"""

from __future__ import annotations

import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

__all__ = [
    "MIGRATION_LOCK",
    "alembic_config",
    "current_revision",
    "head_revision",
    "sql_script",
    "upgrade",
]

SCRIPTS = Path(__file__).with_name("migrations")
#: The PostgreSQL advisory lock key an upgrade holds until it commits (any fixed bigint;
#: these are the bytes of "xsellmig").
MIGRATION_LOCK = int.from_bytes(b"xsellmig", "big")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the store ships at least one migration"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision`` (the newest by default)."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def sql_script(url: str, revision: str = "head") -> str:
    """The DDL that ``upgrade`` would run on an empty database of ``url``'s dialect."""
    buffer = io.StringIO()
    config = alembic_config(url)
    config.output_buffer = buffer
    command.upgrade(config, revision, sql=True)
    return buffer.getvalue()
