"""The actions on a youth's page: each changes exactly what it says, is audited, and a wrong
field changes nothing and says why."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from markupsafe import escape
from sqlmodel import col, select

from bot.consent import has_active_consent
from bot.consent.forms import PAPER_FORM
from bot.invites import hash_token
from bot.models import (
    Answer,
    AuditEvent,
    ChatMessage,
    ConsentEvent,
    Invitation,
    OutboxMessage,
    Role,
    ScheduledContact,
    Youth,
)
from tests.admin import factories
from tests.admin.conftest import BROWSER, csrf_from
from tests.admin.test_routes import sign_in

pytestmark = pytest.mark.db


async def post(client, path: str, **data: str):
    token = csrf_from(await (await client.get("/account")).text())
    return await client.post(
        path, data={"csrf_token": token, **data}, headers=BROWSER, allow_redirects=False
    )


async def audit_actions(database, youth_id: int) -> list[str]:
    async with database.session() as session:
        rows = (await session.exec(select(AuditEvent).where(AuditEvent.youth_id == youth_id))).all()
    return [row.action for row in rows if row.action != "view_youth"]


async def fresh(database, youth_id: int) -> Youth | None:
    async with database.session() as session:
        return await session.get(Youth, youth_id)


def today(clock):
    return clock.now().date()  # 2026-09-01 08:00 UTC is the same day in Amsterdam


async def test_pause_and_end_pause(client, database, clock, world):
    await sign_in(client, database, clock, world.coordinator_a)
    youth = world.youth_a
    until = today(clock) + timedelta(days=30)
    response = await post(
        client, f"/youths/{youth.id}/pause", until=until.isoformat(), reason="Stage in Spanje"
    )
    assert response.status == 303
    assert response.headers["Location"] == f"/youths/{youth.id}?done=pause"
    stored = await fresh(database, youth.id)
    assert stored.paused_until == until and stored.pause_reason == "Stage in Spanje"
    page = await (await client.get(response.headers["Location"])).text()
    assert 'id="notice"' in page and "De rust is opgeslagen." in page
    assert 'id="paused-until"' in page

    response = await post(client, f"/youths/{youth.id}/pause-end")
    assert response.status == 303
    stored = await fresh(database, youth.id)
    assert stored.paused_until is None and stored.pause_reason is None
    assert await audit_actions(database, youth.id) == ["pause_set", "pause_ended"]


@pytest.mark.parametrize(
    ("until", "reason", "message"),
    [
        ("", "vakantie", "Vul een geldige datum in"),
        ("2026-02-31", "vakantie", "Vul een geldige datum in"),
        ("2026-09-01", "vakantie", "De rust moet na vandaag eindigen."),
        ("2028-01-01", "vakantie", "Een rust duurt hoogstens een jaar."),
        ("2026-10-01", "   ", "Schrijf kort op waarom"),
        ("2026-10-01", "x" * 501, "De reden is te lang"),
    ],
)
async def test_a_wrong_pause_changes_nothing(
    until, reason, message, client, database, clock, world
):
    await sign_in(client, database, clock, world.coordinator_a)
    response = await post(client, f"/youths/{world.youth_a.id}/pause", until=until, reason=reason)
    assert response.status == 400
    page = await response.text()
    assert 'id="error"' in page and message in page
    stored = await fresh(database, world.youth_a.id)
    assert stored.paused_until is None and stored.pause_reason is None
    assert await audit_actions(database, world.youth_a.id) == []


async def test_ending_a_pause_that_is_not_there_is_refused(client, database, clock, world):
    await sign_in(client, database, clock, world.coordinator_a)
    response = await post(client, f"/youths/{world.youth_a.id}/pause-end")
    assert response.status == 400
    assert "Deze jongere heeft geen rust." in await response.text()


async def test_programme_change_replans_and_a_wrong_one_is_refused(client, database, clock, world):
    await sign_in(client, database, clock, world.coordinator_a)
    youth = world.youth_a
    response = await post(client, f"/youths/{youth.id}/programme", programme_id="no-such-thing")
    assert response.status == 400
    assert "Kies een programma uit de lijst." in await response.text()
    async with database.session() as session:
        assert (await session.exec(select(ScheduledContact))).all() == []
    assert (await fresh(database, youth.id)).programme_id is None

    response = await post(client, f"/youths/{youth.id}/programme", programme_id="tweemaandelijks")
    assert response.status == 303
    assert (await fresh(database, youth.id)).programme_id == "tweemaandelijks"
    async with database.session() as session:
        contacts = (
            await session.exec(
                select(ScheduledContact).where(ScheduledContact.youth_id == youth.id)
            )
        ).all()
    assert contacts, "the new programme was planned"
    assert await audit_actions(database, youth.id) == ["programme_changed"]


async def test_coordinator_change_only_within_the_region(client, database, clock, world):
    other = await factories.staff(database, clock, Role.COORDINATOR, region_=world.region_a)
    elsewhere = await factories.staff(database, clock, Role.COORDINATOR, region_=world.region_b)
    await sign_in(client, database, clock, world.coordinator_a)
    youth = world.youth_a
    response = await post(
        client, f"/youths/{youth.id}/coordinator", coordinator_id=str(elsewhere.id)
    )
    assert response.status == 400
    assert "Kies een coördinator van de regio van deze school." in await response.text()
    assert (await fresh(database, youth.id)).coordinator_id is None

    response = await post(client, f"/youths/{youth.id}/coordinator", coordinator_id=str(other.id))
    assert response.status == 303
    assert (await fresh(database, youth.id)).coordinator_id == other.id
    page = await (await client.get(f"/youths/{youth.id}")).text()
    assert f'id="coordinator-name">{escape(other.name)}<' in page
    assert await audit_actions(database, youth.id) == ["coordinator_changed"]


async def test_new_invitation_revokes_the_old_one(client, database, clock, world):
    await sign_in(client, database, clock, world.school_user_a)  # schools hand out cards too
    youth = world.youth_a
    links = []
    for _ in range(2):
        response = await post(client, f"/youths/{youth.id}/invitation")
        assert response.status == 200
        page = await response.text()
        assert "De vorige link werkt niet meer." in page
        link = page.split('id="invitation-link">')[1].split("<")[0]
        links.append(parse_qs(urlparse(link).query)["start"][0])
        clock.advance(timedelta(minutes=1))
    async with database.session() as session:
        rows = (
            await session.exec(
                select(Invitation)
                .where(Invitation.youth_id == youth.id)
                .order_by(col(Invitation.id))
            )
        ).all()
    assert [row.token_hash for row in rows] == [hash_token(token) for token in links]
    assert rows[0].revoked_at is not None and rows[1].revoked_at is None
    assert await audit_actions(database, youth.id) == ["invitation_issued", "invitation_issued"]


async def test_message_goes_through_the_outbox_and_the_timeline(client, database, clock, world):
    await sign_in(client, database, clock, world.coordinator_a)
    youth = world.youth_a
    response = await post(client, f"/youths/{youth.id}/message", text="Hoi Anna!")
    assert response.status == 400
    assert "Deze jongere heeft Telegram nog niet gekoppeld." in await response.text()

    async with database.transaction() as session:
        row = await session.get(Youth, youth.id)
        row.telegram_chat_id = 4242
        session.add(row)
    response = await post(client, f"/youths/{youth.id}/message", text="   ")
    assert response.status == 400 and "Schrijf eerst een bericht." in await response.text()

    response = await post(client, f"/youths/{youth.id}/message", text="Hoi Anna!")
    assert response.status == 303
    async with database.session() as session:
        outbox = (await session.exec(select(OutboxMessage))).all()
        chat = (await session.exec(select(ChatMessage))).all()
    assert len(outbox) == 1
    assert outbox[0].chat_id == 4242 and outbox[0].staff_user_id == world.coordinator_a.id
    assert outbox[0].requires_consent is False and "Hoi Anna!" in outbox[0].payload["text"]
    assert [(m.direction, m.text, m.author_staff_id) for m in chat] == [
        ("out", "Hoi Anna!", world.coordinator_a.id)
    ]
    assert chat[0].outbox_id == outbox[0].id, "the timeline can tell whether it arrived"
    page = await (await client.get(f"/youths/{youth.id}")).text()
    assert str(escape(f"Bericht van {world.coordinator_a.name} aan jongere")) in page
    assert await audit_actions(database, youth.id) == ["message_sent"]


async def test_paper_consent_by_a_representative_is_recorded_and_planned(
    client, database, clock, world
):
    await sign_in(client, database, clock, world.coordinator_a)
    youth = world.youth_a
    response = await post(
        client, f"/youths/{youth.id}/consent", given_by="representative", signed="yes"
    )
    assert response.status == 400
    assert "Vul de naam van de vertegenwoordiger" in await response.text()
    response = await post(client, f"/youths/{youth.id}/consent", given_by="staff")
    assert response.status == 400
    assert "Vink aan dat het formulier is ondertekend." in await response.text()
    response = await post(client, f"/youths/{youth.id}/consent", given_by="youth", signed="yes")
    assert response.status == 400, "a youth's own grant comes from the bot, not the panel"
    async with database.session() as session:
        assert (await session.exec(select(ConsentEvent))).all() == []

    response = await post(
        client,
        f"/youths/{youth.id}/consent",
        given_by="representative",
        representative_name="Petra Aalders",
        representative_relation="moeder",
        signed="yes",
    )
    assert response.status == 303
    async with database.session() as session:
        (event,) = (await session.exec(select(ConsentEvent))).all()
        assert await has_active_consent(session, youth.id)
        planned = (
            await session.exec(
                select(ScheduledContact).where(ScheduledContact.youth_id == youth.id)
            )
        ).all()
    assert (event.action, event.given_by, event.channel) == ("granted", "representative", "paper")
    assert (event.representative_name, event.representative_relation) == ("Petra Aalders", "moeder")
    assert event.staff_user_id == world.coordinator_a.id
    assert (event.text_version, event.text_sha256) == (PAPER_FORM.version, PAPER_FORM.sha256)
    assert planned, "consent makes the planner plan check-ins"
    assert (await fresh(database, youth.id)).participation == "ja"
    assert await audit_actions(database, youth.id) == ["consent_recorded"]


async def test_withdrawal_stops_future_checkins(client, database, clock, world):
    await sign_in(client, database, clock, world.coordinator_a)
    youth = world.youth_a
    await post(client, f"/youths/{youth.id}/consent", given_by="staff", signed="yes")
    async with database.session() as session:
        before = (
            await session.exec(
                select(ScheduledContact).where(
                    ScheduledContact.youth_id == youth.id, ScheduledContact.status == "planned"
                )
            )
        ).all()
    assert "checkin" in {row.kind for row in before}
    response = await post(client, f"/youths/{youth.id}/withdrawal", given_by="nobody")
    assert response.status == 400 and "Kies wie de toestemming" in await response.text()
    response = await post(client, f"/youths/{youth.id}/withdrawal", given_by="youth")
    assert response.status == 303
    async with database.session() as session:
        assert not await has_active_consent(session, youth.id)
        planned_kinds = {
            row.kind
            for row in (
                await session.exec(
                    select(ScheduledContact).where(ScheduledContact.youth_id == youth.id)
                )
            ).all()
            if row.status == "planned"
        }
    assert "checkin" not in planned_kinds, "future check-ins are cancelled (a re-offer may stay)"
    assert (await fresh(database, youth.id)).participation == "nee"
    assert await audit_actions(database, youth.id) == ["consent_recorded", "withdrawal_recorded"]


async def test_erase_needs_the_first_name_typed(client, database, clock, world):
    youth = world.youth_a
    await factories.answer(database, clock, youth, "iets persoonlijks")
    await factories.message(database, clock, youth, "hallo")
    await sign_in(client, database, clock, world.coordinator_a)
    response = await post(client, f"/youths/{youth.id}/erase", confirm_first_name="Bram")
    assert response.status == 400
    assert "Typ de voornaam van de jongere precies over" in await response.text()
    assert await fresh(database, youth.id) is not None

    response = await post(client, f"/youths/{youth.id}/erase", confirm_first_name=" anna ")
    assert response.status == 200
    assert "Alle gegevens van deze jongere zijn gewist." in await response.text()
    assert await fresh(database, youth.id) is None
    async with database.session() as session:
        assert (await session.exec(select(Answer))).all() == []
        assert (await session.exec(select(ChatMessage))).all() == []
        (erased,) = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "youth_erased"))
        ).all()
    assert erased.youth_id is None, "the erasure's own record links to nobody"
    assert erased.actor_id == world.coordinator_a.id
    assert (await client.get(f"/youths/{youth.id}")).status == 404
    assert (await fresh(database, world.youth_b.id)) is not None, "only this youth"


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
async def test_typed_text_renders_inert(payload, client, database, clock, world):
    youth = world.youth_a
    async with database.transaction() as session:
        row = await session.get(Youth, youth.id)
        row.telegram_chat_id = 99
        session.add(row)
    await sign_in(client, database, clock, world.coordinator_a)
    until = (today(clock) + timedelta(days=3)).isoformat()
    assert (
        await post(client, f"/youths/{youth.id}/pause", until=until, reason=payload)
    ).status == 303
    assert (await post(client, f"/youths/{youth.id}/message", text=payload)).status == 303
    refused = await post(client, f"/youths/{youth.id}/pause", until="", reason=payload)
    for page in (await (await client.get(f"/youths/{youth.id}")).text(), await refused.text()):
        assert payload not in page
        assert "<script>alert" not in page and "<img src=x" not in page
        assert str(escape(payload)) in page
