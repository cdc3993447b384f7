"""The escalations inbox: order, overdue marks, filters, and every lifecycle step through the
panel, including a handover that counts only once the receiver accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlmodel import select

from bot.models import AuditEvent, Escalation, Role
from tests.admin import factories
from tests.admin.test_routes import sign_in
from tests.admin.test_youth_actions import post

pytestmark = pytest.mark.db


def listed_ids(page: str) -> list[int]:
    return [int(part.split('"')[0]) for part in page.split('data-escalation-id="')[1:]]


async def stored(database, escalation_id: int) -> Escalation:
    async with database.session() as session:
        return await session.get(Escalation, escalation_id)


async def test_inbox_orders_by_severity_then_age_and_marks_overdue(client, database, clock, world):
    now = clock.now()
    info = await factories.escalation_at(database, world.youth_a, now - timedelta(days=9), "info")
    old = await factories.escalation_at(database, world.youth_a, now - timedelta(days=6))
    new = await factories.escalation_at(database, world.youth_a, now - timedelta(hours=1))
    urgent = await factories.escalation_at(database, world.youth_a, now, "urgent")
    closed = await factories.escalation_at(database, world.youth_a, now, "urgent", "closed")
    hidden = await factories.escalation_at(database, world.youth_b, now, "urgent")
    await sign_in(client, database, clock, world.coordinator_a)

    page = await (await client.get("/escalations")).text()
    assert listed_ids(page) == [urgent.id, old.id, new.id, info.id]
    assert f'id="overdue-{old.id}"' in page, "six days without acknowledgement"
    assert f'id="overdue-{new.id}"' not in page and f'id="overdue-{urgent.id}"' not in page
    assert 'id="overdue-count"' in page
    assert hidden.id not in listed_ids(await (await client.get("/escalations?state=all")).text())
    closed_page = await (await client.get("/escalations?state=closed")).text()
    assert listed_ids(closed_page) == [closed.id]
    assert listed_ids(await (await client.get("/escalations?state=bogus")).text()) == listed_ids(
        page
    )
    async with database.session() as session:
        views = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "view_escalations"))
        ).all()
    assert len(views) == 4


async def test_the_whole_lifecycle_with_handover_acceptance(client, database, clock, world):
    case = await factories.escalation_at(database, world.youth_a, clock.now())
    await sign_in(client, database, clock, world.coordinator_a)
    base = f"/escalations/{case.id}"

    async def later(delta: timedelta) -> None:
        clock.advance(delta)
        await sign_in(client, database, clock, world.coordinator_a)  # sessions time out

    await later(timedelta(minutes=5))
    assert (await post(client, f"{base}/acknowledge")).status == 303
    row = await stored(database, case.id)
    assert row.state == "acknowledged" and row.acknowledged_by == world.coordinator_a.id
    assert row.acknowledged_at == clock.now()

    await later(timedelta(hours=1))
    assert (await post(client, f"{base}/start")).status == 303
    assert (await stored(database, case.id)).state == "in_progress"

    refused = await post(client, f"{base}/handover", receiver_name="", organisation="Wijkteam")
    assert refused.status == 400 and "Vul de naam in van wie het overneemt." in await refused.text()
    assert (await stored(database, case.id)).state == "in_progress"

    await later(timedelta(hours=1))
    response = await post(
        client, f"{base}/handover", receiver_name="Karin de Vries", organisation="Wijkteam Noord"
    )
    assert response.status == 303
    row = await stored(database, case.id)
    assert row.state == "handover_requested" and row.handover_accepted_at is None
    assert (row.handover_receiver_name, row.handover_receiver_organisation) == (
        "Karin de Vries",
        "Wijkteam Noord",
    )
    page = await (await client.get("/escalations")).text()
    assert f'id="accept-form-{case.id}"' in page

    wrong = await post(client, f"{base}/accept", receiver_name="Iemand", organisation="Andere club")
    assert wrong.status == 400
    assert "De overdracht was gevraagd aan Wijkteam Noord." in await wrong.text()
    assert (await stored(database, case.id)).state == "handover_requested"

    await later(timedelta(days=1))
    response = await post(
        client, f"{base}/accept", receiver_name="Karin de Vries", organisation="wijkteam noord"
    )
    assert response.status == 303
    row = await stored(database, case.id)
    assert row.state == "handed_over" and row.handover_accepted_at == clock.now()

    bad = await post(client, f"{base}/close", outcome="everything_fine")
    assert bad.status == 400 and "Kies een uitkomst" in await bad.text()
    await later(timedelta(days=7))
    assert (await post(client, f"{base}/close", outcome="zorg")).status == 303
    row = await stored(database, case.id)
    assert (row.state, row.outcome, row.closed_at) == ("closed", "zorg", clock.now())

    async with database.session() as session:
        actions = [
            e.action
            for e in (await session.exec(select(AuditEvent).order_by(AuditEvent.id))).all()
            if e.action != "view_escalations"
        ]
    assert actions == [
        "escalation_acknowledged",
        "escalation_started",
        "handover_requested",
        "handover_accepted",
        "escalation_closed",
    ]


async def test_a_step_out_of_order_is_refused_with_the_state_named(client, database, clock, world):
    case = await factories.escalation_at(database, world.youth_a, clock.now())
    await sign_in(client, database, clock, world.coordinator_a)
    response = await post(client, f"/escalations/{case.id}/close", outcome="zorg")
    assert response.status == 400
    assert "Dat kan niet: de melding staat op &#39;Nieuw&#39;." in await response.text()
    assert (await stored(database, case.id)).state == "open"
    assert (await post(client, f"/escalations/{case.id}/acknowledge")).status == 303
    again = await post(client, f"/escalations/{case.id}/acknowledge")
    assert again.status == 400 and "Opgepakt" in await again.text()


async def test_withdrawing_a_handover_returns_to_work(client, database, clock, world):
    case = await factories.escalation_at(database, world.youth_a, clock.now())
    await sign_in(client, database, clock, world.coordinator_a)
    await post(client, f"/escalations/{case.id}/acknowledge")
    await post(client, f"/escalations/{case.id}/handover", receiver_name="Jan", organisation="GGD")
    assert (await post(client, f"/escalations/{case.id}/withdraw")).status == 303
    row = await stored(database, case.id)
    assert row.state == "in_progress" and row.handover_receiver_organisation is None


async def test_assign_only_to_a_coordinator_of_the_region(client, database, clock, world):
    colleague = await factories.staff(database, clock, Role.COORDINATOR, region_=world.region_a)
    stranger = await factories.staff(database, clock, Role.COORDINATOR, region_=world.region_b)
    case = await factories.escalation_at(database, world.youth_a, clock.now())
    await sign_in(client, database, clock, world.coordinator_a)
    refused = await post(client, f"/escalations/{case.id}/assign", coordinator_id=str(stranger.id))
    assert refused.status == 400
    assert "Kies een coördinator van de regio van deze jongere." in await refused.text()
    assert (await stored(database, case.id)).coordinator_id is None
    response = await post(
        client, f"/escalations/{case.id}/assign", coordinator_id=str(colleague.id)
    )
    assert response.status == 303
    assert (await stored(database, case.id)).coordinator_id == colleague.id
    page = await (await client.get(response.headers["Location"])).text()
    assert "De melding is aan een andere coördinator gegeven." in page


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
async def test_names_in_the_inbox_render_inert(payload, client, database, clock, world):
    evil = await factories.youth(
        database, clock, world.school_a, first_name=payload, last_name=payload
    )
    case = await factories.escalation_at(database, evil, clock.now())
    await sign_in(client, database, clock, world.coordinator_a)
    await post(client, f"/escalations/{case.id}/acknowledge")
    await post(
        client, f"/escalations/{case.id}/handover", receiver_name=payload, organisation=payload
    )
    page = await (await client.get("/escalations")).text()
    assert payload not in page and "<script>alert" not in page and "<img src=x" not in page
    assert str(escape(payload)) in page


async def test_a_cut_off_inbox_says_how_many_cases_it_leaves_out(
    client, database, clock, world, monkeypatch
):
    import admin.views.escalations as inbox

    now = clock.now()
    for hours in (3, 2, 1):
        await factories.escalation_at(database, world.youth_a, now - timedelta(hours=hours))
    await factories.escalation_at(database, world.youth_b, now)  # another region's: not counted
    await sign_in(client, database, clock, world.coordinator_a)

    whole = await (await client.get("/escalations")).text()
    assert len(listed_ids(whole)) == 3 and 'id="list-truncated"' not in whole
    monkeypatch.setattr(inbox, "LIST_LIMIT", 2)
    cut = await (await client.get("/escalations")).text()
    assert len(listed_ids(cut)) == 2
    assert "Hier staan de eerste 2 van 3 meldingen" in cut
