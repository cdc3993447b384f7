"""What every benchmark shares: results, percentiles, a running clock, scratch databases.

A benchmark returns `Measurement`s; `python -m bench` prints them as one table and can write
them as JSON. Nothing here asserts a speed: the targets are data on each measurement.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import migrate
from bot.storage.db import Database

# A Tuesday at noon in Amsterdam: inside every programme's send window, not a holiday.
BENCH_START = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
PG_ADMIN_URL_ENV = "INBEELD_BENCH_PG_URL"
PG_ADMIN_URL_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Measurement:
    """One measured figure with its target; `met` is None when the figure has no target."""

    benchmark: str
    metric: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    def row(self) -> list[str]:
        verdict = {True: "met", False: "NOT met", None: ""}[self.met]
        return [
            self.benchmark,
            self.metric,
            format_number(self.value),
            self.unit,
            self.target,
            verdict,
        ]


def format_number(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def print_table(results: Sequence[Measurement]) -> None:
    header = ["benchmark", "metric", "value", "unit", "target", "verdict"]
    rows = [header, *(m.row() for m in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    for m in results:
        if m.note:
            print(f"  note ({m.benchmark} {m.metric}): {m.note}")


def write_json(results: Sequence[Measurement], path: Path) -> None:
    path.write_text(json.dumps([asdict(m) for m in results], indent=2), encoding="utf-8")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


class RunningClock:
    """Real time, shifted so the run starts at `start`: pacing and retries see time pass,
    while calendar rules (send window, ages) see the same weekday noon on every run."""

    def __init__(self, start: datetime = BENCH_START) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started


def base_parser(description: str, *, youths: int | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    if youths is not None:
        parser.add_argument("--youths", type=int, default=youths, help=f"default {youths}")
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    return parser


def add_database_option(parser: argparse.ArgumentParser, default: str = "both") -> None:
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres", "both"),
        default=default,
        help="which database(s) to measure on (postgres: a scratch database, dropped after)",
    )


def database_kinds(choice: str) -> list[str]:
    return ["sqlite", "postgres"] if choice == "both" else [choice]


def postgres_admin_url() -> str:
    return os.environ.get(PG_ADMIN_URL_ENV, PG_ADMIN_URL_DEFAULT)


def configure_data_key(url: str) -> None:
    """Encryption at rest (`bot.privacy`, where present) needs a data key in the process, as
    `inbeeld run` configures at start-up: a fresh throwaway key per scratch database."""
    try:
        from bot.privacy.crypto import configure_key_ring, new_key, resolve_data_keys
    except ImportError:
        return
    configure_key_ring(resolve_data_keys(new_key(), url))


@asynccontextmanager
async def scratch_database(kind: str, **engine_kwargs: object) -> AsyncIterator[Database]:
    """A migrated, empty database that is removed afterwards (a temp file or a PG database)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="inbeeld-bench-") as folder:
            database = Database(f"sqlite:///{Path(folder) / 'bench.db'}", **engine_kwargs)
            configure_data_key(database.url)
            try:
                await migrate.upgrade(database)
                yield database
            finally:
                await database.dispose()
        return
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r}")
    import psycopg
    from sqlalchemy.engine import make_url

    admin_url = make_url(postgres_admin_url()).set(drivername="postgresql")
    name = f"inbeeld_bench_{secrets.token_hex(4)}"
    with psycopg.connect(
        admin_url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
    ) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = admin_url.set(database=name).render_as_string(hide_password=False)
            database = Database(url, **engine_kwargs)
            configure_data_key(url)
            try:
                await migrate.upgrade(database)
                yield database
            finally:
                await database.dispose()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def after(moment: datetime, **delta: float) -> datetime:
    return moment + timedelta(**delta)
