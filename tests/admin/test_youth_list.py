"""The youth list: search, filters, sorting, pages, and speed with 20,000 youths."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import insert

from bot.models import Role, Youth
from tests.admin import factories
from tests.admin.test_routes import sign_in

pytestmark = pytest.mark.db


def names_in(page: str) -> list[str]:
    return re.findall(r'<a href="/youths/\d+">([^<]+)</a>', page)


@pytest.fixture
async def admin_client(client, database, clock, world):
    await factories.youth(
        database,
        clock,
        world.school_a,
        first_name="Cas",
        last_name="Claes",
        municipality="Tilburg",
        participation="nee",
    )
    await factories.youth(
        database,
        clock,
        world.school_b,
        first_name="Dirk",
        last_name="de Wit",
        municipality="Breda",
        participation="onbekend",
    )
    await sign_in(client, database, clock, world.admin)
    return client


async def test_search_by_name_and_student_number(admin_client, world):
    page = await (await admin_client.get("/youths", params={"q": "bakk"})).text()
    assert names_in(page) == ["Bram Bakker"]
    page = await (await admin_client.get("/youths", params={"q": "Anna Aal"})).text()
    assert names_in(page) == ["Anna Aalders"]
    page = await (
        await admin_client.get("/youths", params={"q": world.youth_b.student_number})
    ).text()
    assert names_in(page) == ["Bram Bakker"]
    page = await (await admin_client.get("/youths", params={"q": "%"})).text()
    assert names_in(page) == [], "wildcards in the search are literal"


async def test_filters(admin_client, world):
    page = await (
        await admin_client.get("/youths", params={"school": str(world.school_b.id)})
    ).text()
    assert sorted(names_in(page)) == ["Bram Bakker", "Dirk de Wit"]
    page = await (await admin_client.get("/youths", params={"municipality": "Tilburg"})).text()
    assert sorted(names_in(page)) == ["Anna Aalders", "Cas Claes"]
    page = await (await admin_client.get("/youths", params={"status": "nee"})).text()
    assert names_in(page) == ["Cas Claes"]
    # Odd values are ignored, not errors.
    response = await admin_client.get(
        "/youths", params={"status": "x';--", "school": "abc", "sort": "drop", "page": "-3"}
    )
    assert response.status == 200
    assert len(names_in(await response.text())) == 4


async def test_sorting(admin_client):
    page = await (await admin_client.get("/youths", params={"sort": "name"})).text()
    assert names_in(page) == ["Anna Aalders", "Bram Bakker", "Cas Claes", "Dirk de Wit"]
    page = await (await admin_client.get("/youths", params={"sort": "name", "dir": "desc"})).text()
    assert names_in(page) == ["Dirk de Wit", "Cas Claes", "Bram Bakker", "Anna Aalders"]
    page = await (await admin_client.get("/youths", params={"sort": "municipality"})).text()
    assert names_in(page)[:2] == ["Bram Bakker", "Dirk de Wit"]


async def seed_many(database, clock, school_id: int, count: int, start: int = 0) -> None:
    now = clock.now()
    rows = [
        {
            "school_id": school_id,
            "student_number": f"N{start + i:06d}",
            "first_name": f"Voornaam{i % 97}",
            "last_name": f"Achternaam{i:05d}",
            "date_of_birth": date(2008, 1, 1),
            "leaving_date": date(2026, 7, 1),
            "profile": "arbeid",
            "municipality": f"Gemeente{i % 40}",
            "language": "nl",
            "participation": "ja",
            "representative_required": False,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    async with database.engine.begin() as connection:
        await connection.execute(insert(Youth), rows)


async def test_pagination(client, database, clock, world):
    await seed_many(database, clock, world.school_a.id, 120)
    await sign_in(client, database, clock, world.school_user_a)
    first = await (await client.get("/youths", params={"sort": "number"})).text()
    assert len(names_in(first)) == 50
    assert "121 jongeren gevonden" in first
    assert 'id="page-next"' in first and 'id="page-prev"' not in first
    third = await (await client.get("/youths", params={"sort": "number", "page": "3"})).text()
    assert len(names_in(third)) == 21
    beyond = await (await client.get("/youths", params={"sort": "number", "page": "99"})).text()
    assert names_in(beyond) == names_in(third), "a page past the end shows the last page"
    assert not set(names_in(first)) & set(names_in(third))


@pytest.mark.slow
async def test_list_stays_fast_with_20000_youths(client, database, clock, world):
    await seed_many(database, clock, world.school_a.id, 20_000)
    coordinator = await factories.staff(database, clock, Role.COORDINATOR, region_=world.region_a)
    await sign_in(client, database, clock, coordinator)
    for params in (
        {},
        {"page": "400"},
        {"q": "Achternaam1999"},
        {"sort": "leaving", "dir": "desc", "page": "200"},
        {"municipality": "Gemeente7", "sort": "school"},
    ):
        response = await client.get("/youths", params=params)
        assert response.status == 200
        if not params:
            assert "20001 jongeren gevonden" in await response.text()
