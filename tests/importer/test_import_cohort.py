"""Importing cohort files into the database: created, updated, all-or-nothing, planned."""

from __future__ import annotations

import pytest
from importer_helpers import SMALL, SMALL_EN, count, make_plans, seed_database
from sqlmodel import select

from bot.cohort.apply import import_cohort
from bot.models import ScheduledContact, Youth

pytestmark = pytest.mark.db


async def _import(database, data, now, *, dry_run=False, lang="nl"):
    async with database.transaction() as session:
        return await import_cohort(
            session, data, dry_run=dry_run, plans=make_plans(), now=now, lang=lang
        )


async def test_small_sample_creates_forty_youths_with_contacts(database, clock):
    await seed_database(database, clock.now())
    result = await _import(database, SMALL.read_bytes(), clock.now())
    assert result.ok, result.error_messages()
    assert (result.report.created, result.report.updated) == (40, 0)
    assert await count(database, Youth) == 40
    assert await count(database, ScheduledContact) > 0
    assert result.contacts_added == await count(database, ScheduledContact)
