"""Who sees which youth, what the youth page shows, and that untrusted text stays text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlmodel import select

from admin.scope import visible_youths
from bot.models import AuditEvent, ConsentEvent, Region, Role, Signal
from tests.admin import factories
from tests.admin.test_routes import sign_in

pytestmark = pytest.mark.db

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


async def visible_ids(database, user) -> set[int]:
    async with database.session() as session:
        return {y.id for y in (await session.exec(visible_youths(user))).all()}


async def test_scoping_rule_per_role(database, clock, world):
    caseload = await factories.youth(
        database, clock, world.school_b, coordinator=world.coordinator_a
    )
    outsider = await factories.staff(database, clock, Role.SCHOOL, school_=world.school_b)
    assert await visible_ids(database, world.admin) == {
        world.youth_a.id,
        world.youth_b.id,
        caseload.id,
    }
    assert await visible_ids(database, world.coordinator_a) == {world.youth_a.id, caseload.id}
    assert await visible_ids(database, world.school_user_a) == {world.youth_a.id}
    assert await visible_ids(database, outsider) == {world.youth_b.id, caseload.id}
    no_school = await factories.staff(database, clock, Role.SCHOOL)
    assert await visible_ids(database, no_school) == set()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SCHOOL])
async def test_another_regions_youth_is_not_found(role, client, database, clock, world):
    user = world.coordinator_a if role == Role.COORDINATOR else world.school_user_a
    await sign_in(client, database, clock, user)
    assert (await client.get(f"/youths/{world.youth_b.id}")).status == 404
    assert (await client.get("/youths/999999")).status == 404
    assert (await client.get("/youths/99999999999999999999")).status == 404
    assert (await client.get(f"/youths/{world.youth_a.id}")).status == 200
    listing = await (await client.get("/youths")).text()
    assert "Aalders" in listing and "Bakker" not in listing


async def test_admin_sees_every_youth(client, database, clock, world):
    await sign_in(client, database, clock, world.admin)
    assert (await client.get(f"/youths/{world.youth_b.id}")).status == 200


async def test_timeline_is_sorted_newest_first_with_every_kind(client, database, clock, world):
    youth = world.youth_a
    await factories.message(database, clock, youth, "eerste bericht")
    clock.advance(timedelta(hours=1))
    await factories.answer(database, clock, youth, "ik werk bij de bakker")
    clock.advance(timedelta(hours=1))
    async with database.transaction() as session:
        session.add(
            ConsentEvent(
                youth_id=youth.id,
                purpose="checkins",
                action="granted",
                given_by="youth",
                text_version="v1",
                text_sha256="0" * 64,
                channel="telegram",
                recorded_at=clock.now(),
            )
        )
        session.add(
            Signal(
                youth_id=youth.id,
                rule_id="lost_job",
                severity="high",
                source_key="a1",
                fired_at=clock.now() + timedelta(minutes=1),
            )
        )
    clock.advance(timedelta(hours=1))
    await factories.escalation(database, clock, youth)
    await sign_in(client, database, clock, world.coordinator_a)
    page = await (await client.get(f"/youths/{youth.id}")).text()
    kinds = [part.split('"')[0] for part in page.split('data-kind="')[1:]]
    assert kinds == ["escalation", "signal", "consent", "answer", "message_in"]
    assert "ik werk bij de bakker" in page


async def test_school_users_do_not_see_answers_unless_the_region_allows(
    client, database, clock, world
):
    await factories.answer(database, clock, world.youth_a, "geheim antwoord")
    await factories.message(database, clock, world.youth_a, "gewoon bericht")
    await sign_in(client, database, clock, world.school_user_a)
    page = await (await client.get(f"/youths/{world.youth_a.id}")).text()
    assert "geheim antwoord" not in page
    assert 'id="answers-hidden"' in page
    assert "gewoon bericht" not in page, "a chat message can hold an answer too"
    assert 'data-kind="message_in"' in page, "that contact happened stays visible"

    async with database.transaction() as session:
        region = await session.get(Region, world.region_a.id)
        region.schools_see_answers = True
        session.add(region)
    page = await (await client.get(f"/youths/{world.youth_a.id}")).text()
    assert "geheim antwoord" in page and "gewoon bericht" in page


async def test_viewing_a_youth_is_audited(client, database, clock, world):
    await sign_in(client, database, clock, world.coordinator_a)
    await client.get(f"/youths/{world.youth_a.id}")
    await client.get(f"/youths/{world.youth_b.id}")  # not theirs: 404, and nothing was shown
    async with database.session() as session:
        events = (await session.exec(select(AuditEvent))).all()
    assert [(e.action, e.actor_id, e.youth_id) for e in events] == [
        ("view_youth", world.coordinator_a.id, world.youth_a.id)
    ]
    assert events[0].occurred_at == clock.now()


@pytest.mark.parametrize("payload", XSS)
async def test_stored_xss_renders_as_text(payload, client, database, clock, world):
    await factories.answer(database, clock, world.youth_a, payload)
    await factories.message(database, clock, world.youth_a, payload)
    evil = await factories.youth(
        database, clock, world.school_a, first_name=payload, last_name=payload, municipality=payload
    )
    await sign_in(client, database, clock, world.admin)
    for path in (f"/youths/{world.youth_a.id}", f"/youths/{evil.id}", "/youths", "/"):
        page = await (await client.get(path)).text()
        assert payload not in page, path
        assert "<script>alert" not in page and "<img src=x" not in page, path
    page = await (await client.get(f"/youths/{world.youth_a.id}")).text()
    assert str(escape(payload)) in page  # shown, as text


async def test_the_timeline_shows_the_signal_trend(client, database, clock, world):
    youth = world.youth_a
    async with database.transaction() as session:
        for days_ago, key in ((150, "old"), (20, "new1"), (5, "new2")):
            session.add(
                Signal(
                    youth_id=youth.id,
                    rule_id="stemming_laag",
                    severity="attention",
                    source_key=key,
                    fired_at=clock.now() - timedelta(days=days_ago),
                )
            )
    await sign_in(client, database, clock, world.coordinator_a)
    page = await (await client.get(f"/youths/{youth.id}")).text()
    trend = page.split('id="signal-trend"')[1].split("</div>")[0]
    assert "2 in de laatste 90 dagen, 1 in de 90 dagen daarvoor" in trend
    assert "Meer dan eerder." in trend

    await sign_in(client, database, clock, world.school_user_a)
    page = await (await client.get(f"/youths/{youth.id}")).text()
    assert 'id="signal-trend"' not in page, "derived from answers: hidden from schools too"
