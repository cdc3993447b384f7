"""The import pages: upload, dry-run preview, confirmation of exactly that file, scope, limits.

The database work is a stand-in with the real importer's interface (`fake_importer.py`), so
calls can be counted and failures forced; `test_imports_real.py` and `test_import_large.py`
run the flow on `bot.cohort.apply.import_cohort`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import select

from admin.app import create_admin_app
from admin.imports import MAX_UPLOAD_BYTES, ImportJobs, Stage
from admin.views.imports import IMPORT_JOBS_KEY
from bot.clock import ManualClock
from bot.context import Services
from bot.models import AuditEvent, StaffUser, Youth
from bot.storage.db import Database
from tests.admin import factories
from tests.admin.conftest import BROWSER, SESSION_COOKIE, csrf_from, demo_settings
from tests.admin.fake_importer import FakeImporter

pytestmark = pytest.mark.db

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = (DATA / "cohort-small.csv").read_bytes()
SMALL_ROWS = 40
UPLOAD_PATH = re.compile(r"^/import/([A-Za-z0-9_-]{16,64})$")


@pytest.fixture
def importer() -> FakeImporter:
    return FakeImporter()


@pytest.fixture
async def panel(
    database: Database, clock: ManualClock, importer: FakeImporter
) -> AsyncIterator[Callable[..., Any]]:
    """A client factory: ``await panel(user)`` is a client signed in as ``user``."""
    clients: list[TestClient] = []
    services = Services(settings=demo_settings(), database=database, clock=clock)
    server = TestServer(create_admin_app(services, cohort_importer=importer))

    async def make(user: StaffUser) -> TestClient:
        client = TestClient(server)  # one server, a separate cookie jar per user
        await client.start_server()
        clients.append(client)
        raw = await factories.signed_in_cookie(database, clock, user)
        client.session.cookie_jar.update_cookies({SESSION_COOKIE: raw})
        return client

    yield make
    for client in reversed(clients):
        await client.close()


@pytest.fixture
async def world(database: Database, clock: ManualClock) -> factories.World:
    world = await factories.world(database, clock)
    await factories.cohort_small_world(database, clock, world.region_a)
    return world


def jobs_of(client: TestClient) -> ImportJobs:
    return client.server.app[IMPORT_JOBS_KEY]


async def upload(client: TestClient, data: bytes, filename: str = "cohort.csv") -> str:
    token = csrf_from(await (await client.get("/import")).text())
    form = FormData()
    form.add_field("csrf_token", token)
    form.add_field("file", data, filename=filename, content_type="text/csv")
    response = await client.post("/import", data=form, headers=BROWSER, allow_redirects=False)
    assert response.status == 303, await response.text()
    match = UPLOAD_PATH.match(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


async def finished(client: TestClient, upload_id: str, user: StaffUser) -> str:
    found = jobs_of(client).get(upload_id, user.id)
    assert found is not None
    await jobs_of(client).wait(found)
    response = await client.get(f"/import/{upload_id}")
    assert response.status == 200
    return await response.text()


async def confirm(client: TestClient, upload_id: str, sha256: str, token: str) -> Any:
    return await client.post(
        f"/import/{upload_id}/confirm",
        data={"csrf_token": token, "sha256": sha256},
        headers=BROWSER,
        allow_redirects=False,
    )


def field(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"no #{element_id}"
    return match.group(1).strip()


async def youth_count(database: Database) -> int:
    async with database.session() as session:
        return (await session.exec(select(func.count()).select_from(Youth))).one()


async def test_preview_then_confirm_imports_exactly_the_previewed_file(
    panel, world, database, importer
):
    client = await panel(world.admin)
    before = await youth_count(database)
    upload_id = await upload(client, SMALL)
    preview = await finished(client, upload_id, world.admin)
    assert field(preview, "count-created") == str(SMALL_ROWS)
    assert field(preview, "count-updated") == "0"
    assert "Proefimport" in preview
    assert await youth_count(database) == before, "a dry run writes nothing"
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview).group(1)

    response = await confirm(client, upload_id, sha, csrf_from(preview))
    assert response.status == 303
    result = await finished(client, upload_id, world.admin)
    assert 'id="import-to-youths"' in result
    assert field(result, "count-created") == str(SMALL_ROWS)
    assert await youth_count(database) == before + SMALL_ROWS
    assert importer.calls == [(SMALL, True), (SMALL, False)], "the stored bytes, both times"
    async with database.session() as session:
        event = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "cohort_imported"))
        ).one()
    assert sha in event.detail and event.actor_id == world.admin.id


async def test_reimport_preview_names_the_changed_fields(panel, world, database):
    client = await panel(world.admin)
    first = await upload(client, SMALL)
    page = await finished(client, first, world.admin)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    await confirm(client, first, sha, csrf_from(page))
    await finished(client, first, world.admin)

    changed = SMALL.replace(b";Goirle;", b";Tilburg;", 1)
    second = await upload(client, changed)
    preview = await finished(client, second, world.admin)
    assert field(preview, "count-updated") == "1"
    assert field(preview, "count-unchanged") == str(SMALL_ROWS - 1)
    assert "gemeente: Goirle wordt Tilburg" in preview


async def test_confirm_with_another_hash_imports_nothing(panel, world, database, importer):
    client = await panel(world.admin)
    upload_id = await upload(client, SMALL)
    page = await finished(client, upload_id, world.admin)
    response = await confirm(client, upload_id, "0" * 64, csrf_from(page))
    assert response.status == 409
    assert "niet het bestand van de proefimport" in await response.text()
    assert [dry for _data, dry in importer.calls] == [True]
    assert await youth_count(database) == 2


async def test_a_second_confirm_is_refused(panel, world, database, importer):
    client = await panel(world.admin)
    upload_id = await upload(client, SMALL)
    page = await finished(client, upload_id, world.admin)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    assert (await confirm(client, upload_id, sha, csrf_from(page))).status == 303
    again = await confirm(client, upload_id, sha, csrf_from(page))
    assert again.status == 409
    await finished(client, upload_id, world.admin)
    assert [dry for _data, dry in importer.calls] == [True, False]


async def test_uploads_are_private_and_expire(panel, world, clock):
    client = await panel(world.admin)
    upload_id = await upload(client, SMALL)
    await finished(client, upload_id, world.admin)
    coordinator = await panel(world.coordinator_a)
    assert (await coordinator.get(f"/import/{upload_id}")).status == 404
    assert (await coordinator.get(f"/import/{upload_id}/status")).status == 404
    clock.advance(timedelta(minutes=31))
    again = await panel(world.admin)  # the panel session itself has timed out meanwhile
    assert (await again.get(f"/import/{upload_id}")).status == 404


async def test_school_user_rows_of_other_schools_are_row_errors(panel, world, database, importer):
    client = await panel(world.school_user_a)
    own = world.school_a.code.encode()
    header, *rows = SMALL.split(b"\n")
    mixed = b"\n".join([header, rows[0].replace(b"PRO-DONGEN", own), rows[1], rows[2]])
    upload_id = await upload(client, mixed)
    page = await finished(client, upload_id, world.school_user_a)
    assert 'id="import-errors"' in page
    assert "is niet jouw school" in page
    table = page.split('id="import-error-table"')[1]
    assert "<td>3</td><td>school</td>" in table  # line 3: PRO-WAALWIJK
    assert "<td>4</td><td>school</td>" in table  # line 4: PRO-DONGEN
    assert "<td>2</td>" not in table
    assert "PRO-TILBURG" not in table.replace("'PRO-TILBURG'", ""), "no other school's code leaks"
    assert 'id="import-confirm"' not in page
    assert importer.calls == [], "refused before the importer sees the file"
    assert await youth_count(database) == 2


async def test_coordinator_imports_the_schools_of_their_region(panel, world, database):
    client = await panel(world.coordinator_a)
    upload_id = await upload(client, SMALL)
    page = await finished(client, upload_id, world.coordinator_a)
    assert field(page, "count-created") == str(SMALL_ROWS), page[:2000]


async def test_broken_file_lists_line_column_and_reason(panel, world, database, importer):
    client = await panel(world.admin)
    upload_id = await upload(client, (DATA / "cohort-broken.csv").read_bytes())
    page = await finished(client, upload_id, world.admin)
    assert 'id="import-errors"' in page
    rows = re.findall(r"<tr><td>(\d*)</td><td>([^<]*)</td><td>([^<]+)</td></tr>", page)
    assert rows, "every error is a row with line, column and reason"
    assert all(reason.strip() for _line, _column, reason in rows)
    assert any(line and column for line, column, _reason in rows)
    assert 'id="import-confirm"' not in page
    assert await youth_count(database) == 2


async def test_a_failing_import_writes_nothing(panel, world, database, importer):
    importer.fail_on_write = True
    client = await panel(world.admin)
    upload_id = await upload(client, SMALL)
    page = await finished(client, upload_id, world.admin)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    await confirm(client, upload_id, sha, csrf_from(page))
    result = await finished(client, upload_id, world.admin)
    assert 'id="import-failed"' in result
    assert await youth_count(database) == 2


async def test_progress_while_the_job_runs(panel, world, database, importer):
    gate = asyncio.Event()
    real = FakeImporter()

    async def slow(session, data, **kwargs):
        await gate.wait()
        return await real(session, data, **kwargs)

    client = await panel(world.admin)
    jobs_of(client).importer = slow
    upload_id = await upload(client, SMALL)
    page = await (await client.get(f"/import/{upload_id}")).text()
    assert "<progress" in page and 'id="import-refresh"' in page
    assert "import-progress.js" in page, "the script that polls, from a static file"
    assert "<script>" not in page, "no inline scripts (CSP)"
    status = await (await client.get(f"/import/{upload_id}/status")).json()
    assert status == {"stage": "checking", "busy": True, "label": status["label"]}
    assert "41 regels" in status["label"]
    gate.set()
    await finished(client, upload_id, world.admin)
    status = await (await client.get(f"/import/{upload_id}/status")).json()
    assert status["stage"] == Stage.PREVIEW.value and status["busy"] is False


async def test_too_large_files_get_a_clear_error(panel, world, importer):
    client = await panel(world.admin)
    token = csrf_from(await (await client.get("/import")).text())
    form = FormData()
    form.add_field("csrf_token", token)
    form.add_field("file", b"x" * (MAX_UPLOAD_BYTES + 1), filename="big.csv")
    response = await client.post("/import", data=form, headers=BROWSER)
    assert response.status == 413
    assert "te groot" in await response.text()
    assert importer.calls == []


async def test_a_body_over_the_limit_is_refused_before_reading(panel, world, importer):
    client = await panel(world.admin)
    token = csrf_from(await (await client.get("/import")).text())
    form = FormData()
    form.add_field("csrf_token", token)
    form.add_field("file", b"x" * (MAX_UPLOAD_BYTES + 200 * 1024), filename="big.csv")
    response = await client.post("/import", data=form, headers=BROWSER)
    assert response.status == 413
    assert "hoogstens 10 MB" in await response.text()


async def test_other_forms_keep_the_small_limit(panel, world):
    client = await panel(world.admin)
    token = csrf_from(await (await client.get("/")).text())
    response = await client.post(
        "/users", data={"csrf_token": token, "name": "x" * (300 * 1024)}, headers=BROWSER
    )
    assert response.status == 413


async def test_empty_and_missing_files(panel, world, importer):
    client = await panel(world.admin)
    token = csrf_from(await (await client.get("/import")).text())
    response = await client.post("/import", data={"csrf_token": token}, headers=BROWSER)
    assert response.status == 400
    assert "Kies eerst een CSV-bestand" in await response.text()
    form = FormData()
    form.add_field("csrf_token", token)
    form.add_field("file", b"", filename="leeg.csv")
    response = await client.post("/import", data=form, headers=BROWSER)
    assert response.status == 400
    assert "leeg" in await response.text()


async def test_discard_forgets_the_upload(panel, world, importer):
    client = await panel(world.admin)
    upload_id = await upload(client, SMALL)
    page = await finished(client, upload_id, world.admin)
    response = await client.post(
        f"/import/{upload_id}/discard",
        data={"csrf_token": csrf_from(page)},
        headers=BROWSER,
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/import"
    assert (await client.get(f"/import/{upload_id}")).status == 404
    assert [dry for _data, dry in importer.calls] == [True]
