"""Shared fixtures.

Database tests (marker ``db``) run on SQLite always, and on PostgreSQL when
``INBEELD_TEST_DATABASE_URL`` points at a server: each test gets its own fresh database there,
so parallel runs never see each other. With ``INBEELD_TEST_REQUIRE_PG=1`` (CI) an unreachable
server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.storage import migrate
from bot.storage.db import Database

pytest_plugins = ["tests.privacy.data_keys", "tests.privacy.log_guard"]

PG_URL_ENV = "INBEELD_TEST_DATABASE_URL"


def _require(env: str) -> bool:
    return os.environ.get(env, "") not in ("", "0", "false")


def _postgres_admin_url() -> str | None:
    return os.environ.get(PG_URL_ENV) or None


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 9, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    admin_url = _postgres_admin_url()
    if admin_url is None:
        yield f"sqlite:///{tmp_path / 'inbeeld-test.db'}"
        return
    yield from _fresh_postgres_database(admin_url)


def _fresh_postgres_database(admin_url: str) -> Iterator[str]:
    import psycopg
    from sqlalchemy.engine import make_url

    plain = make_url(admin_url).set(drivername="postgresql")
    conninfo = plain.render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if _require("INBEELD_TEST_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL required but unreachable at {admin_url}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {admin_url}")
    name = f"inbeeld_t_{secrets.token_hex(6)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield plain.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database."""
    db = Database(database_url)
    await migrate.upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()
