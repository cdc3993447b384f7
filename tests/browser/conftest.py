"""The real panel on a free localhost port, driven by Debian's Chromium through Playwright.

Playwright's own browser download cannot work here, so the tests launch `/usr/bin/chromium`.
Without it they skip, except when ``INBEELD_TEST_REQUIRE_BROWSER=1`` (CI): then they fail.
Every page a scenario visits is saved as a screenshot under ``test-artifacts/screenshots/`` and
checked with axe-core (installed once with npm into the user's cache, never committed) against
the WCAG 2.1 A and AA rules.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from admin.app import create_admin_app
from admin.imports import CohortImporter, default_importer
from bot.clock import ManualClock
from bot.context import Services
from bot.models import StaffUser
from bot.storage.db import Database
from tests.admin import factories
from tests.admin.conftest import SESSION_COOKIE, demo_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REQUIRE_ENV = "INBEELD_TEST_REQUIRE_BROWSER"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_VERSION = "axe-core@4"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = [pytest.mark.browser, pytest.mark.db]


def _required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0", "false")


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"{REQUIRE_ENV} is set but {reason}")
    pytest.skip(reason)


def _axe_cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "inbeeld-test" / "axe"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js, installed from the npm registry on first use into the user's cache."""
    script = _axe_cache() / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed (needed once to fetch axe-core)")
        assert npm is not None
        script.parent.mkdir(parents=True, exist_ok=True)
        completed = subprocess.run(
            [npm, "install", "--prefix", str(_axe_cache()), "--no-audit", "--no-fund", AXE_VERSION],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if completed.returncode != 0 or not script.is_file():
            _unavailable(f"npm install {AXE_VERSION} failed: {completed.stderr[-500:]}")
    return script.read_text(encoding="utf-8")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@dataclass
class Panel:
    """The running panel and what the scenarios need to seed and sign in."""

    base_url: str
    database: Database
    clock: ManualClock
    host: str = "127.0.0.1"
    importer: CohortImporter | None = None

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
def importer() -> CohortImporter:
    """The real importer; a test module may hold it back with its own fixture."""
    return default_importer(demo_settings().zone)


@pytest.fixture
async def panel(
    database: Database, clock: ManualClock, importer: CohortImporter
) -> AsyncIterator[Panel]:
    services = Services(settings=demo_settings(), database=database, clock=clock)
    runner = web.AppRunner(create_admin_app(services, cohort_importer=importer))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Panel(f"http://127.0.0.1:{port}", database, clock, importer=importer)
    finally:
        await runner.cleanup()


@dataclass
class Visit:
    """A browser tab on the panel that records dialogs, console errors and every page seen."""

    page: Any
    test_name: str
    axe_source: str
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    async def check(self, step: str) -> None:
        """Screenshot, then axe: no WCAG 2.1 A/AA violation on this page."""
        self.steps.append(step)
        blocked = [m for m in self.console_errors if "Content Security Policy" in m]
        assert blocked == [], f"{step}: the page broke its own CSP: {blocked}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(
            path=str(SCREENSHOTS / f"{self.test_name}-{step}.png"), full_page=True
        )
        # page.evaluate runs outside the page's CSP, which forbids inline and injected scripts.
        if not await self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            await self.page.evaluate(self.axe_source)
        violations = await self.page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                }));
            }""",
            AXE_TAGS,
        )
        assert violations == [], (
            f"{step} ({self.page.url}): axe found WCAG problems:\n"
            + json.dumps(violations, indent=2, ensure_ascii=False)
        )

    async def no_script_ran(self, step: str) -> None:
        assert await self.page.evaluate("() => typeof window.__xss") == "undefined", step
        assert self.dialogs == [], f"{step}: a dialog opened: {self.dialogs}"


@pytest.fixture
async def visit(
    browser: Any, axe_source: str, panel: Panel, request: pytest.FixtureRequest
) -> AsyncIterator[Any]:
    """``await visit(user=None)``: a fresh tab, signed in as ``user`` when given."""
    contexts: list[Any] = []
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name).strip("_")

    async def open_tab(user: StaffUser | None = None) -> Visit:
        context = await browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        if user is not None:
            raw = await factories.signed_in_cookie(panel.database, panel.clock, user)
            await context.add_cookies(
                [{"name": SESSION_COOKIE, "value": raw, "url": panel.base_url}]
            )
        page = await context.new_page()
        page.set_default_timeout(15_000)
        tab = Visit(page, name, axe_source)

        async def on_dialog(dialog: Any) -> None:
            tab.dialogs.append(dialog.message)
            await dialog.dismiss()

        def on_console(message: Any) -> None:
            if message.type == "error":
                tab.console_errors.append(message.text)

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        return tab

    yield open_tab
    for context in contexts:
        await context.close()
