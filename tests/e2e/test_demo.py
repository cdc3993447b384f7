"""`inbeeld demo`: the whole product offline; a person plays a youth on the phone page."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.test_run_subprocess import free_port

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


async def _start_demo(workdir: Path) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBEELD_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "demo",
        "--port",
        str(port),
        "--data-dir",
        "demo-data",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as client:
        for _ in range(300):
            if process.returncode is not None:
                _out, err = await process.communicate()
                raise AssertionError(f"demo exited with {process.returncode}: {err[-2000:]!r}")
            try:
                async with client.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return process, base
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the demo never became healthy")


async def _stop(process: asyncio.subprocess.Process) -> bytes:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=20)
    except TimeoutError:
        process.kill()
        raise
    out, _err = await process.communicate()
    assert process.returncode == 0
    return out


async def test_demo_serves_the_panel_and_greets_a_youth_who_taps_start(tmp_path: Path):
    process, base = await _start_demo(tmp_path)
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{base}/demo") as home:
                page = await home.text()
                assert home.status == 200 and "Speel een jongere" in page
            async with client.get(f"{base}/login") as login:
                assert login.status == 200
            async with client.get(f"{base}/healthz") as health:
                assert (await health.json())["check_chat"] is True  # set up as in the README
            async with client.post(
                f"{base}/demo/api/users/7001/start",
                json={},
                headers={"Sec-Fetch-Site": "cross-site"},
            ) as refused:
                assert refused.status == 403, "cross-site posts are refused"
            async with client.post(
                f"{base}/demo/api/users/7001/start", json={}, headers=SAME_ORIGIN
            ) as tapped:
                assert tapped.status == 200
            texts: list[str] = []
            for _ in range(100):
                async with client.get(f"{base}/demo/api/chats/7001") as chat:
                    view = await chat.json()
                texts = [m["text"] for m in view["messages"] if m["sender"] == "bot"]
                if texts:
                    break
                await asyncio.sleep(0.1)
            assert texts and texts[0].startswith("Hoi Sem!")
    finally:
        out = await _stop(process)
    assert b"/demo" in out and b"demo-wachtwoord" in out, "it prints the URL and a demo login"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-data"], "nothing leaves its folder"


@pytest.mark.browser
async def test_a_person_plays_a_youth_on_the_phone_page(tmp_path: Path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("INBEELD_TEST_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required but missing at {CHROMIUM}")
        pytest.skip("Chromium not installed")
    from playwright.async_api import async_playwright

    screenshots = Path("test-artifacts/screenshots")
    screenshots.mkdir(parents=True, exist_ok=True)
    process, base = await _start_demo(tmp_path)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS
            )
            page = await browser.new_page(viewport={"width": 480, "height": 900})
            await page.goto(f"{base}/demo/phone/7001")
            await page.click("#start")
            await page.get_by_text("Hoi Sem!").wait_for(timeout=20000)
            await page.get_by_role("button", name="Ja, dat is goed").click()
            await page.get_by_text("Top, dank je!").wait_for(timeout=20000)
            await page.screenshot(path=str(screenshots / "demo-phone-sem.png"), full_page=True)
            await page.goto(f"{base}/demo/phone/7002")
            assert await page.get_attribute("html", "dir") == "rtl"
            await browser.close()
    finally:
        await _stop(process)
    shutil.rmtree(tmp_path / "demo-data", ignore_errors=True)
