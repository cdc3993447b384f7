"""Scenarios in a real browser: sign-in with two factors, first-login enrolment, importing a
cohort, the re-offer list and invitations, and stored XSS. Every page: screenshot and axe."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from admin.accounts import NewStaff, add_staff_user
from bot.models import Role
from tests.admin import factories

pytestmark = [pytest.mark.browser, pytest.mark.db]

DATA = Path(__file__).resolve().parents[1] / "data"
PAYLOADS = (
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
)


async def test_login_with_password_and_code(panel, visit, database, clock):
    secret = pyotp.random_base32()
    user = await factories.staff(
        database, clock, Role.ADMIN, email="beheer@example.nl", totp_secret=secret
    )
    tab = await visit()
    page = tab.page
    await page.goto(panel.url("/"))
    assert page.url.endswith("/login")
    await tab.check("login")
    await page.fill("#email", user.email)
    await page.fill("#password", factories.PASSWORD)
    await page.click("#login-submit")
    await page.wait_for_url("**/login/totp")
    await tab.check("code")
    await page.fill("#code", "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "1")
    await page.click("#totp-submit")
    assert await page.text_content("#error") is not None
    await page.fill("#code", pyotp.TOTP(secret).at(clock.now()))
    await page.click("#totp-submit")
    await page.wait_for_url(panel.url("/"))
    assert await page.is_visible("#nav-users"), "an admin sees the admin menu"
    await tab.check("dashboard")


async def test_first_login_enrols_the_authenticator(panel, visit, database, clock):
    async with database.transaction() as session:
        _user, setup_path = await add_staff_user(
            session,
            clock,
            NewStaff("nieuw@example.nl", "Nieuwe Collega", Role.ADMIN),
            actor_id=None,
        )
    tab = await visit()
    page = tab.page
    await page.goto(panel.url(setup_path))
    await tab.check("password-setup")
    new_password = "paardenbloem in de regen 42"
    await page.fill("#password", new_password)
    await page.fill("#password_confirm", new_password)
    await page.click("#password-submit")
    await page.wait_for_selector("#password-done")
    await tab.check("password-set")
    await page.click("#password-done a")
    await page.wait_for_url("**/login")
    await page.fill("#email", "nieuw@example.nl")
    await page.fill("#password", new_password)
    await page.click("#login-submit")
    await page.wait_for_url("**/login/totp/setup")
    await tab.check("enrol")
    assert await page.is_visible("#totp-qr")
    secret = (await page.text_content("#totp-secret") or "").replace(" ", "")
    await page.fill("#code", pyotp.TOTP(secret).at(clock.now()))
    await page.click("#totp-setup-submit")
    await page.wait_for_url(panel.url("/"))
    await tab.check("dashboard")


async def test_import_with_dry_run_then_confirm(panel, visit, database, clock):
    world = await factories.world(database, clock)
    await factories.cohort_small_world(database, clock, world.region_a)
    tab = await visit(world.admin)
    page = tab.page
    await page.goto(panel.url("/import"))
    await tab.check("form")
    await page.set_input_files("#import-file", str(DATA / "cohort-small.csv"))
    await page.click("#import-submit")
    # The progress script reloads the page when the dry run is done.
    await page.wait_for_selector("#import-confirm")
    assert await page.text_content("#count-created") == "40"
    assert "Proefimport" in (await page.text_content("#summary-heading") or "")
    await tab.check("preview")
    await page.click("#import-confirm")
    await page.wait_for_selector("#import-to-youths")
    assert await page.text_content("#count-created") == "40"
    await tab.check("done")
    await page.click("#import-to-youths")
    await page.fill("#q", "Kerem")
    await page.click("#filter-submit")
    assert "Kerem" in (await page.text_content("#youth-table") or "")
    await tab.check("youths")


async def test_import_errors_are_listed_by_line_and_column(panel, visit, database, clock):
    world = await factories.world(database, clock)
    await factories.cohort_small_world(database, clock, world.region_a)
    tab = await visit(world.admin)
    page = tab.page
    await page.goto(panel.url("/import"))
    await page.set_input_files("#import-file", str(DATA / "cohort-broken.csv"))
    await page.click("#import-submit")
    await page.wait_for_selector("#import-error-table")
    rows = await page.locator("#import-error-table tbody tr").count()
    assert rows > 0
    assert not await page.is_visible("#import-confirm")
    await tab.check("errors")


async def test_reoffer_list_and_invitations(panel, visit, database, clock):
    world = await factories.world(database, clock)
    await factories.reoffer_contact(
        database, clock, world.youth_a, status="sent", answer_value="ja"
    )
    await factories.reoffer_contact(database, clock, world.youth_b)
    tab = await visit(world.school_user_a)
    page = tab.page
    await page.goto(panel.url("/reoffers"))
    table = await page.text_content("#reoffer-table") or ""
    assert "Anna" in table and "Ja, wil weer meedoen" in table
    assert "Bram" not in table, "another school's youth"
    await tab.check("reoffers")
    async with page.expect_download() as download_info:
        await page.click("#reoffer-csv")
    download = await download_info.value
    assert download.suggested_filename.endswith(".csv")
    await page.goto(panel.url("/invitations"))
    assert await page.is_visible("#revoke-warning")
    await tab.check("invitations")


async def test_stored_xss_runs_nowhere(panel, visit, database, clock):
    world = await factories.world(database, clock)
    for payload in PAYLOADS:
        await factories.answer(database, clock, world.youth_a, payload)
        await factories.message(database, clock, world.youth_a, payload)
    await factories.reoffer_contact(
        database, clock, world.youth_a, status="sent", answer_value=PAYLOADS[1]
    )
    tab = await visit(world.admin)
    page = tab.page
    for step, path in [
        ("dashboard", "/"),
        ("youths", "/youths"),
        ("youth", f"/youths/{world.youth_a.id}"),
        ("reoffers", "/reoffers"),
    ]:
        await page.goto(panel.url(path))
        await page.wait_for_load_state("load")
        await tab.no_script_ran(step)
    timeline = await page.goto(panel.url(f"/youths/{world.youth_a.id}"))
    assert timeline is not None
    text = await page.text_content("#timeline") or ""
    assert all(payload in text for payload in PAYLOADS), "shown as text, not run"
    assert await page.locator("#timeline img").count() == 0
    await tab.no_script_ran("youth-again")

    # A cohort file with the same payloads in its names: the preview shows them as text.
    await factories.cohort_small_world(database, clock, world.region_a)
    csv = (
        (DATA / "cohort-small.csv")
        .read_bytes()
        .replace(b";Daan;", b";" + PAYLOADS[0].encode() + b";", 1)
    )
    csv = csv.replace(b";Kerem;", b";" + PAYLOADS[1].replace('"', "").encode() + b";", 1)
    upload = Path(clock.now().strftime("/tmp/inbeeld-xss-%H%M%S.csv"))
    upload.write_bytes(csv)
    await page.goto(panel.url("/import"))
    await page.set_input_files("#import-file", str(upload))
    await page.click("#import-submit")
    await page.wait_for_selector("#import-summary, #import-errors")
    await tab.no_script_ran("import-preview")
    upload.unlink()


async def test_invitation_cards_download_after_confirmation(panel, visit, database, clock):
    world = await factories.world(database, clock)
    tab = await visit(world.school_user_a)
    page = tab.page
    await page.goto(panel.url("/invitations"))
    school = world.school_a.id
    # The browser itself refuses the form until the revocation is acknowledged.
    await page.click(f"#issue-{school}")
    assert (
        await page.evaluate(f"() => document.getElementById('confirm-{school}').validity.valid")
        is False
    )
    await page.check(f"#confirm-{school}")
    async with page.expect_download() as download_info:
        await page.click(f"#issue-{school}")
    download = await download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(await download.path()).read_bytes().startswith(b"%PDF")
    await page.goto(panel.url("/invitations"))
    assert (await page.text_content(f"#open-links-{school}") or "").strip() == "1"
    await tab.check("after-issue")
