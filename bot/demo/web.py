"""The demo's own pages: a start page with the logins, the phone page and the coordinator's chat.

They drive the in-process emulator's user side directly (its Python control object), so the
browser never talks to the emulator. Only `inbeeld demo` mounts these routes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
import pyotp
from aiohttp import web

from admin.security.csrf import cross_origin_refusal
from bot.demo import cast
from bot.demo.seed import DemoState
from bot.emulator.control import EmulatorControl
from bot.i18n import text_direction

HERE = Path(__file__).parent
LONG_POLL_SECONDS = 20.0
_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True
)


def _page(template: str, **values: Any) -> web.Response:
    html = _templates.get_template(template).render(**values)
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


async def start_checkin_now(parts: Any, telegram_id: int, moment: datetime) -> bool:
    """The demo's shortcut: a check-in now, instead of waiting for month 3 and the send window."""
    from sqlmodel import select

    from bot.consent.queries import has_active_consent
    from bot.models import Youth

    async with parts.services.database.transaction() as session:
        youth = (
            await session.exec(select(Youth).where(Youth.telegram_user_id == telegram_id))
        ).first()
        if youth is None or not await has_active_consent(session, youth.id):
            return False
        await parts.router.runner.start(session, youth, "checkin", moment, automated=True)
    parts.dispatcher.notify()
    return True


def add_demo_routes(
    app: web.Application,
    control: EmulatorControl,
    state: DemoState,
    now: Callable[[], datetime],
    parts: Any = None,
) -> None:
    people = {p.telegram_id: p for p in cast.YOUTHS}
    known = {*people, cast.COORDINATOR_TELEGRAM_ID}

    def person(request: web.Request) -> int:
        try:
            telegram_id = int(request.match_info["telegram_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        if telegram_id not in known:
            raise web.HTTPNotFound()
        return telegram_id

    async def home(_request: web.Request) -> web.Response:
        code = pyotp.TOTP(state.totp_secret).at(now())
        return _page(
            "demo_home.html",
            youths=cast.YOUTHS,
            coordinator_email=cast.COORDINATOR_EMAIL,
            admin_email=cast.ADMIN_EMAIL,
            password=cast.DEMO_PASSWORD,
            totp_code=code,
            totp_secret=state.totp_secret,
            coordinator_id=cast.COORDINATOR_TELEGRAM_ID,
        )

    async def phone(request: web.Request) -> web.Response:
        telegram_id = person(request)
        youth = people.get(telegram_id)
        language = youth.language if youth else "nl"
        return _page(
            "phone.html",
            telegram_id=telegram_id,
            name=youth.first_name if youth else cast.COORDINATOR_NAME,
            is_coordinator=youth is None,
            language=language,
            direction=text_direction(language),
        )

    async def chat(request: web.Request) -> web.Response:
        telegram_id = person(request)
        since = int(request.query.get("since", "-1"))
        if since >= 0:
            await control.wait_for_change(since, LONG_POLL_SECONDS)
        return web.json_response(control.chat_view(telegram_id))

    async def act(request: web.Request) -> web.Response:
        refusal = cross_origin_refusal(request, None)
        if refusal is not None:
            return web.json_response({"error": refusal}, status=403)
        telegram_id = person(request)
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = {}
        if not isinstance(body, dict):
            return web.json_response({"error": "send a JSON object"}, status=400)
        action = request.match_info["action"]
        try:
            if action == "start":
                token = (
                    state.coordinator_token
                    if telegram_id == cast.COORDINATOR_TELEGRAM_ID
                    else state.youth_tokens[telegram_id]
                )
                control.send_command(telegram_id, "start", token)
            elif action == "text" and isinstance(body.get("text"), str) and body["text"].strip():
                control.send_text(telegram_id, body["text"][:4096])
            elif action == "tap":
                control.tap_button(telegram_id, int(body["message_id"]), str(body["data"]))
            elif action == "sticker":
                control.send_sticker(telegram_id)
            elif action == "checkin" and parts is not None and telegram_id in people:
                if not await start_checkin_now(parts, telegram_id, now()):
                    return web.json_response(
                        {"error": "Eerst /start en ja zeggen, dan kan een check-in."}, status=409
                    )
            else:
                return web.json_response({"error": "unknown action or empty text"}, status=400)
        except (KeyError, ValueError, TypeError, LookupError) as exc:
            return web.json_response({"error": f"not possible: {type(exc).__name__}"}, status=400)
        return web.json_response({"ok": True})

    app.router.add_get("/demo", home)
    app.router.add_get("/demo/phone/{telegram_id}", phone)
    app.router.add_get("/demo/api/chats/{telegram_id}", chat)
    app.router.add_post("/demo/api/users/{telegram_id}/{action}", act)
    app.router.add_static("/demo/static", HERE / "static")
