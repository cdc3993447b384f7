"""Dashboard and report figures computed from seeded check-ins, answers and escalations, the
CSV download, and the panel in the user's own language."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.numbers import format_percent
from markupsafe import escape

from bot.i18n import format_datetime_local, format_day_with_year
from bot.models import StaffUser, Youth
from tests.admin import factories
from tests.admin.test_routes import sign_in
from tests.admin.test_youth_actions import post

pytestmark = pytest.mark.db

AUGUST = datetime(2026, 8, 10, 9, 0, tzinfo=UTC)
SEPTEMBER = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)


async def seed(database, clock, world):
    """Region A: four youths at school A (plus youth_a), region B: youth_b.

    - one answered the September check-in (werk): in view;
    - one got it and stayed silent;
    - one answered in August (school) but not in September: not in view;
    - one has had no check-in; youth_a neither.
    """
    school_a = world.school_a
    working = await factories.youth(database, clock, school_a, first_name="Wim")
    silent = await factories.youth(database, clock, school_a, first_name="Sara")
    dropped = await factories.youth(database, clock, school_a, first_name="Daan")
    await factories.youth(database, clock, school_a, first_name="Noor")
    await factories.sent_checkin(
        database, working, SEPTEMBER, answered_at=SEPTEMBER + timedelta(minutes=20), activity="werk"
    )
    await factories.sent_checkin(database, silent, SEPTEMBER)
    await factories.sent_checkin(
        database, dropped, AUGUST, answered_at=AUGUST + timedelta(hours=2), activity="school"
    )
    await factories.sent_checkin(database, dropped, SEPTEMBER)
    await factories.sent_checkin(
        database,
        world.youth_b,
        SEPTEMBER,
        answered_at=SEPTEMBER + timedelta(hours=1),
        activity="niks",
    )
    now = clock.now()
    await factories.escalation_at(database, working, now - timedelta(days=6))  # overdue
    await factories.escalation_at(database, silent, now, "urgent")
    await factories.escalation_at(database, dropped, now, "urgent", "closed")
    await factories.escalation_at(database, world.youth_b, now, "urgent")


def nl_percent(part: int, whole: int) -> str:
    return format_percent(part / whole, locale="nl")


async def test_dashboard_figures_for_a_coordinator(client, database, clock, world):
    await seed(database, clock, world)
    await sign_in(client, database, clock, world.coordinator_a)
    page = await (await client.get("/")).text()
    assert f'id="in-view-share" class="big">{nl_percent(1, 3)}<' in page
    assert "1 van de 3 jongeren met een check-in" in page
    assert 'id="youth-total">5<' in page
    assert f'id="last-wave-rate" class="big">{nl_percent(1, 3)}<' in page
    assert 'id="open-total" class="big">2<' in page
    assert 'id="overdue-total"' in page and "1 te laat opgepakt" in page
    assert '<tr data-severity="urgent"><td>Dringend</td><td>1</td></tr>' in page
    assert '<tr data-severity="attention"><td>Aandacht</td><td>1</td></tr>' in page
    august = page.split('<tr data-month="2026-08">')[1].split("</tr>")[0]
    september = page.split('<tr data-month="2026-09">')[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td>" in august and "<td>3</td><td>1</td>" in september
    doing = page.split('id="doing-table"')[1]
    august_doing = doing.split('<tr data-month="2026-08">')[1].split("</tr>")[0]
    september_doing = doing.split('<tr data-month="2026-09">')[1].split("</tr>")[0]
    assert '<td data-activity="school">1</td>' in august_doing
    assert '<td data-activity="werk">1</td>' in september_doing
    assert '<td data-activity="niks">0</td>' in september_doing, "region B's answer is not shown"
    assert '<svg id="responses-chart"' in page and '<svg id="doing-chart"' in page
    assert 'role="img"' in page and '<title id="responses-chart-title">' in page


async def test_dashboard_for_the_admin_counts_both_regions(client, database, clock, world):
    await seed(database, clock, world)
    await sign_in(client, database, clock, world.admin)
    page = await (await client.get("/")).text()
    assert f'id="in-view-share" class="big">{nl_percent(2, 4)}<' in page
    assert f'id="last-wave-rate" class="big">{nl_percent(2, 4)}<' in page
    assert 'id="open-total" class="big">3<' in page


async def test_empty_dashboard_says_so(client, database, clock, world):
    await sign_in(client, database, clock, world.school_user_a)
    page = await (await client.get("/")).text()
    assert 'id="in-view-share" class="big">–<' in page
    assert "Er zijn nog geen check-ins verstuurd." in page


async def test_report_per_school_municipality_and_cohort(client, database, clock, world):
    await seed(database, clock, world)
    async with database.transaction() as session:
        row = await session.get(Youth, world.youth_b.id)
        row.leaving_date = date(2025, 7, 1)
        session.add(row)
    await sign_in(client, database, clock, world.admin)
    page = await (await client.get("/reports?by=school")).text()
    school_a = page.split('<tr data-group="School A">')[1].split("</tr>")[0]
    school_b = page.split('<tr data-group="School B">')[1].split("</tr>")[0]
    assert '<td data-col="youths">5</td>' in school_a
    assert f'<td data-col="in_view">1 / 3 ({nl_percent(1, 3)})</td>' in school_a
    assert '<td data-col="sent">4</td>' in school_a
    assert '<td data-col="open">2</td>' in school_a
    assert '<td data-activity="werk">1</td>' in school_a
    assert (
        '<td data-col="youths">1</td>' in school_b and '<td data-activity="niks">1</td>' in school_b
    )

    cohorts = await (await client.get("/reports?by=cohort")).text()
    assert '<tr data-group="2025">' in cohorts and '<tr data-group="2026">' in cohorts
    cohort_2026 = cohorts.split('<tr data-group="2026">')[1].split("</tr>")[0]
    assert '<td data-col="youths">5</td>' in cohort_2026
    towns = await (await client.get("/reports?by=municipality")).text()
    assert '<tr data-group="Breda">' in towns and '<tr data-group="Tilburg">' in towns


async def test_the_latest_activity_answer_counts(client, database, clock, world):
    youth = world.youth_a
    await factories.sent_checkin(
        database, youth, AUGUST, answered_at=AUGUST + timedelta(hours=1), activity="niks"
    )
    await factories.sent_checkin(
        database, youth, SEPTEMBER, answered_at=SEPTEMBER + timedelta(hours=1), activity="werk"
    )
    await sign_in(client, database, clock, world.coordinator_a)
    page = await (await client.get("/reports")).text()
    row = page.split('<tr data-group="School A">')[1].split("</tr>")[0]
    assert '<td data-activity="werk">1</td>' in row and '<td data-activity="niks">0</td>' in row


async def test_csv_download_is_excel_ready(client, database, clock, world):
    await seed(database, clock, world)
    evil = await factories.school(database, world.region_a, '=HYPERLINK("http://x")')
    await factories.youth(database, clock, evil, first_name="Evi")
    await sign_in(client, database, clock, world.coordinator_a)
    response = await client.get("/reports.csv?by=school")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["School", "Jongeren", "Met check-in", "In beeld", "In beeld (%)"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"School A", '\'=HYPERLINK("http://x")'}, "region B stays out"
    school_a = by_name["School A"]
    assert school_a[1:4] == ["5", "3", "1"]
    assert school_a[4] == "33,3"
    assert school_a[5:9] == ["4", "2", "50", "2"]  # answered in August and in September


async def test_english_user_gets_english_pages_and_dates(client, database, clock, world):
    async with database.transaction() as session:
        user = await session.get(StaffUser, world.coordinator_a.id)
        user.language = "en"
        session.add(user)
    await factories.message(database, clock, world.youth_a, "hello")
    await sign_in(client, database, clock, world.coordinator_a)
    page = await (await client.get(f"/youths/{world.youth_a.id}")).text()
    assert '<html lang="en">' in page
    assert "Overview" in page and "Overzicht" not in page
    leaving = format_day_with_year(world.youth_a.leaving_date, "en")
    assert leaving.startswith("Wednesday") and f'id="leaving-date">{leaving}<' in page
    assert str(escape(format_datetime_local(clock.now(), "en"))) in page
    assert "01-07-2026" not in page
    refused = await client.get(f"/youths/{world.youth_b.id}")
    assert refused.status == 404 and "Overzicht" not in await refused.text()


async def test_language_switch_on_my_account(client, database, clock, world):
    await sign_in(client, database, clock, world.school_user_a)
    page = await (await client.get("/account")).text()
    assert '<html lang="nl">' in page and "Mijn account" in page
    bad = await post(client, "/account/language", language="xx")
    assert bad.status == 400 and "Kies een taal uit de lijst." in await bad.text()
    response = await post(client, "/account/language", language="en")
    assert response.status == 303
    page = await (await client.get(response.headers["Location"])).text()
    assert '<html lang="en">' in page and "My account" in page
    async with database.session() as session:
        assert (await session.get(StaffUser, world.school_user_a.id)).language == "en"


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
async def test_report_and_dashboard_render_names_inert(payload, client, database, clock, world):
    evil_school = await factories.school(database, world.region_a, payload)
    evil = await factories.youth(database, clock, evil_school, municipality=payload)
    await factories.sent_checkin(
        database, evil, SEPTEMBER, answered_at=SEPTEMBER + timedelta(minutes=5), activity=payload
    )
    await sign_in(client, database, clock, world.admin)
    for path in ("/", "/reports?by=school", "/reports?by=municipality"):
        page = await (await client.get(path)).text()
        assert payload not in page and "<script>alert" not in page and "<img src=x" not in page
    page = await (await client.get("/reports?by=school")).text()
    assert str(escape(payload)) in page


async def test_every_page_renders_in_english_for_an_english_admin(client, database, clock, world):
    await seed(database, clock, world)
    async with database.transaction() as session:
        user = await session.get(StaffUser, world.admin.id)
        user.language = "en"
        session.add(user)
    await sign_in(client, database, clock, world.admin)
    dutch_only = ("Overzicht", "Meldingen", "Rapportage", "Mijn account", "Jongeren in beeld")
    for path in (
        "/",
        "/youths",
        f"/youths/{world.youth_a.id}",
        "/escalations",
        "/reports",
        "/reports?by=cohort",
        "/account",
        "/users",
        "/audit",
    ):
        response = await client.get(path)
        page = await response.text()
        assert response.status == 200, path
        assert '<html lang="en">' in page, path
        for word in dutch_only:
            assert f">{word}<" not in page, (path, word)
