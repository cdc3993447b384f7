"""A long import in the browser: the progress bar shows, the static script polls, and the page
turns into the preview by itself. Also: the accessibility check itself can fail."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.admin import factories
from tests.admin.fake_importer import FakeImporter

pytestmark = [pytest.mark.browser, pytest.mark.db]

DATA = Path(__file__).resolve().parents[1] / "data"


class GatedImporter:
    """Holds every run until the test opens the gate, like a file of 20,000 rows would."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.inner = FakeImporter()

    async def __call__(self, session: Any, data: bytes, **kwargs: Any) -> Any:
        await self.gate.wait()
        return await self.inner(session, data, **kwargs)


@pytest.fixture
def importer() -> GatedImporter:
    return GatedImporter()


async def test_progress_page_polls_until_the_preview_is_ready(
    panel, visit, database, clock, importer
):
    world = await factories.world(database, clock)
    await factories.cohort_small_world(database, clock, world.region_a)
    tab = await visit(world.admin)
    page = tab.page
    await page.goto(panel.url("/import"))
    await page.set_input_files("#import-file", str(DATA / "cohort-small.csv"))
    await page.click("#import-submit")
    await page.wait_for_selector("progress#import-progress")
    assert "41 regels" in (await page.text_content("#import-stage") or "")
    await tab.check("progress")
    url = page.url
    importer.gate.set()
    # No click: the script sees the job finish and reloads the page.
    await page.wait_for_selector("#import-confirm", timeout=10_000)
    assert page.url == url
    await tab.check("preview")


async def test_the_accessibility_check_finds_real_problems(visit):
    tab = await visit()
    await tab.page.set_content(
        '<html><body><input type="text"><p style="color:#bbb;background:#fff">vaag</p></body>'
        "</html>"
    )
    with pytest.raises(AssertionError, match="label"):
        await tab.check("broken-on-purpose")
