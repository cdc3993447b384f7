"""The import pages on the real importer, `bot.cohort.apply.import_cohort`."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.models import ScheduledContact, Youth
from tests.admin import factories
from tests.admin.conftest import SESSION_COOKIE, csrf_from
from tests.admin.test_imports import SMALL, SMALL_ROWS, confirm, field, finished, upload

pytestmark = pytest.mark.db


async def test_real_import_from_preview_to_the_youth_list(make_client, database, clock):
    world = await factories.world(database, clock)
    await factories.cohort_small_world(database, clock, world.region_a)
    client = await make_client()
    raw = await factories.signed_in_cookie(database, clock, world.admin)
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: raw})

    upload_id = await upload(client, SMALL)
    preview = await finished(client, upload_id, world.admin)
    assert field(preview, "count-created") == str(SMALL_ROWS), preview[-3000:]
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview).group(1)
    assert (await confirm(client, upload_id, sha, csrf_from(preview))).status == 303
    result = await finished(client, upload_id, world.admin)
    assert field(result, "count-created") == str(SMALL_ROWS)
    async with database.session() as session:
        youths = (await session.exec(select(func.count()).select_from(Youth))).one()
        contacts = (await session.exec(select(func.count()).select_from(ScheduledContact))).one()
    assert youths == SMALL_ROWS + 2
    assert contacts > 0, "the import planned the contacts"
    listing = await (await client.get("/youths?q=Kerem")).text()
    assert "Kerem" in listing


async def test_real_import_school_user_sees_other_schools_refused(make_client, database, clock):
    world = await factories.world(database, clock)
    schools = await factories.cohort_small_world(database, clock, world.region_a)
    user = await factories.staff(database, clock, factories.Role.SCHOOL, school_=schools[0])
    client = await make_client()
    raw = await factories.signed_in_cookie(database, clock, user)
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: raw})
    upload_id = await upload(client, SMALL)
    page = await finished(client, upload_id, user)
    assert "is niet jouw school" in page
    assert 'id="import-confirm"' not in page
