"""A 20,000-row cohort through the panel on the real importer: polled like the page does, it
ends with every youth imported. (The busy stages themselves: test_imports.py, with a gate.)"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.models import Youth
from tests.admin import factories
from tests.admin.conftest import SESSION_COOKIE, csrf_from
from tests.admin.test_imports import confirm, field, upload

pytestmark = [pytest.mark.db, pytest.mark.slow]

ROWS = 20_000
DATA = Path(__file__).resolve().parents[1] / "data"


def large_cohort(rows: int = ROWS) -> bytes:
    """cohort-small.csv's rows repeated with fresh student numbers."""
    header, *lines = (DATA / "cohort-small.csv").read_bytes().decode("utf-8-sig").splitlines()
    out = [header]
    for index in range(rows):
        fields = lines[index % len(lines)].split(";")
        fields[0] = f"9{index:010d}"
        out.append(";".join(fields))
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


POLL_LIMIT_SECONDS = 300


async def wait_until_done(client, upload_id: str) -> list[str]:
    """Poll the status endpoint like the page's script does; the stages seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + POLL_LIMIT_SECONDS
    while time.monotonic() < deadline:
        state = await (await client.get(f"/import/{upload_id}/status")).json()
        if not seen or seen[-1] != state["stage"]:
            seen.append(state["stage"])
        if not state["busy"]:
            return seen
        await asyncio.sleep(0.2)
    raise AssertionError(f"import still busy after {POLL_LIMIT_SECONDS}s: {seen}")


async def test_twenty_thousand_rows(make_client, database, clock):
    world = await factories.world(database, clock)
    await factories.cohort_small_world(database, clock, world.region_a)
    client = await make_client()
    raw = await factories.signed_in_cookie(database, clock, world.admin)
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: raw})

    upload_id = await upload(client, large_cohort())
    # The first poll may already find the dry run finished (it is quick on PostgreSQL).
    assert (await wait_until_done(client, upload_id))[-1] == "preview"
    preview = await (await client.get(f"/import/{upload_id}")).text()
    assert field(preview, "count-created") == str(ROWS)
    assert "Niet getoonde nieuwe leerlingen: 19500." in preview, "the page lists 500, counts all"
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview).group(1)

    assert (await confirm(client, upload_id, sha, csrf_from(preview))).status == 303
    assert (await wait_until_done(client, upload_id))[-1] == "done"
    result = await (await client.get(f"/import/{upload_id}")).text()
    assert field(result, "count-created") == str(ROWS)
    async with database.session() as session:
        total = (await session.exec(select(func.count()).select_from(Youth))).one()
    assert total == ROWS + 2
