"""Panel: the admin panel's youth list, a search and a youth's timeline with 20,000 youths and
200,000 answers (10 per youth in 2 check-ins) plus 100,000 chat messages (5 per youth), the
40,000 outgoing ones linked to their outbox rows (sent or cancelled).

The panel (`admin.app.create_admin_app`) is served on a local port; a seeded admin logs in
with password and TOTP through the real forms; then each page is fetched `--requests` times
with aiohttp, one request at a time, and p50/p95 of the full request (status 200 checked) are
reported. Timelines are fetched for youths spread over the whole table.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from datetime import timedelta

import aiohttp
import pyotp
from aiohttp import web
from sqlmodel import select

from admin.app import create_admin_app
from admin.security.passwords import hash_password
from admin.security.sealing import seal
from bench.common import (
    Measurement,
    RunningClock,
    add_database_option,
    base_parser,
    database_kinds,
    percentile,
    print_table,
    scratch_database,
    write_json,
)
from bench.seed import insert_many, parse_rows, seed_organisation, seed_youths
from bot.config import Settings
from bot.context import Services
from bot.models import Answer, ChatMessage, Conversation, OutboxMessage, StaffUser
from bot.storage.db import Database

NAME = "panel"
TARGET_MS = 150.0
ANSWERS_PER_YOUTH = 10
CONVERSATIONS_PER_YOUTH = 2
MESSAGES_PER_YOUTH = 5
PASSWORD = "bench password, long enough"  # noqa: S105 - a throwaway scratch account
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
BROWSER = {"Sec-Fetch-Site": "same-origin"}
ANSWER_KEYS = ("mood", "activity", "work_ok", "work_moments", "help", "free_text")


def settings() -> Settings:
    return Settings(_env_file=None, admin_host="127.0.0.1", public_url=None)  # type: ignore[call-arg]


async def seed_history(database: Database, youth_ids: Sequence[int], now) -> int:  # type: ignore[no-untyped-def]
    """Conversations, answers and chat messages for every youth; returns the answer count."""
    per_conversation = ANSWERS_PER_YOUTH // CONVERSATIONS_PER_YOUTH
    conversations = []
    for youth_id in youth_ids:
        for n in range(CONVERSATIONS_PER_YOUTH):
            started = now - timedelta(days=60 * (CONVERSATIONS_PER_YOUTH - n))
            conversations.append(
                {
                    "youth_id": youth_id, "flow_id": "checkin", "flow_version": 1,
                    "status": "finished", "state": {}, "started_at": started,
                    "updated_at": started, "finished_at": started,
                }
            )  # fmt: skip
    await insert_many(database, Conversation, conversations)
    async with database.session() as session:
        found = (
            await session.exec(
                select(Conversation.id, Conversation.youth_id, Conversation.started_at)
            )
        ).all()
    answers, messages = [], []
    for conversation_id, youth_id, started in found:
        for index in range(per_conversation):
            answers.append(
                {
                    "youth_id": youth_id, "conversation_id": conversation_id,
                    "key": ANSWER_KEYS[index % len(ANSWER_KEYS)] + ("" if index < 6 else "_2"),
                    "value": str(index % 5 + 1), "node_id": f"q{index}",
                    "answered_at": started + timedelta(minutes=index),
                }
            )  # fmt: skip
    # Outgoing messages have their outbox row, as the service writes them, so the timeline's join
    # on `outbox_id` is measured: one row sent, the next cancelled (a reason to translate).
    outbox = [
        {
            "chat_id": youth_id, "youth_id": youth_id, "priority": 0,
            "payload": {"text": f"bericht {index}"},
            "status": "sent" if index % 4 == 1 else "cancelled",
            "last_error": None if index % 4 == 1 else "no_consent",
            "not_before": now - timedelta(days=index),
            "sent_at": now - timedelta(days=index) if index % 4 == 1 else None,
            "requires_consent": True, "automated": True,
            "created_at": now - timedelta(days=index),
        }
        for youth_id in youth_ids
        for index in range(MESSAGES_PER_YOUTH)
        if index % 2
    ]  # fmt: skip
    await insert_many(database, OutboxMessage, outbox)
    async with database.session() as session:
        outbox_ids = {
            (youth_id, created_at): outbox_id
            for outbox_id, youth_id, created_at in (
                await session.exec(
                    select(OutboxMessage.id, OutboxMessage.youth_id, OutboxMessage.created_at)
                )
            ).all()
        }
    for youth_id in youth_ids:
        for index in range(MESSAGES_PER_YOUTH):
            created_at = now - timedelta(days=index)
            messages.append(
                {
                    "youth_id": youth_id, "direction": "out" if index % 2 else "in",
                    "kind": "text", "text": f"bericht {index}",
                    "created_at": created_at,
                    "outbox_id": outbox_ids.get((youth_id, created_at)) if index % 2 else None,
                }
            )  # fmt: skip
    await insert_many(database, Answer, answers)
    await insert_many(database, ChatMessage, messages)
    return len(answers)


async def seed_admin(database: Database, now, region_id: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    secret = pyotp.random_base32()
    async with database.transaction() as session:
        session.add(
            StaffUser(
                email="bench-admin@example.nl", name="Bench Admin", role="admin",
                region_id=region_id, password_hash=hash_password(PASSWORD),
                totp_secret=seal(settings(), secret), created_at=now,
            )
        )  # fmt: skip
    return "bench-admin@example.nl", secret


async def log_in(http: aiohttp.ClientSession, base: str, email: str, secret: str, clock) -> None:  # type: ignore[no-untyped-def]
    async def post(path: str, data: dict[str, str]) -> None:
        async with http.get(base + path, allow_redirects=False) as page:
            match = CSRF_FIELD.search(await page.text())
            if match is None:
                raise RuntimeError(f"no CSRF field on {path}")
        async with http.post(
            base + path,
            data={**data, "csrf_token": match.group(1)},
            headers=BROWSER,
            allow_redirects=False,
        ) as response:
            if response.status != 303:
                raise RuntimeError(f"login step {path} answered {response.status}")

    await post("/login", {"email": email, "password": PASSWORD})
    await post("/login/totp", {"code": pyotp.TOTP(secret).at(clock.now())})


async def time_pages(http: aiohttp.ClientSession, base: str, paths: Sequence[str]) -> list[float]:
    timings = []
    for path in paths:
        started = time.perf_counter()
        async with http.get(base + path, allow_redirects=False) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {path} answered {response.status}")
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def measure(youths: int, db: str, requests: int) -> list[Measurement]:
    clock = RunningClock()
    rows = parse_rows(youths)
    async with scratch_database(db) as database:
        now = clock.now()
        organisation = await seed_organisation(database, now)
        seeded = await seed_youths(database, rows, now, organisation=organisation)
        ids = [y.youth_id for y in seeded]
        answers = await seed_history(database, ids, now)
        email, secret = await seed_admin(database, now, organisation.region_id)
        services = Services(settings=settings(), database=database, clock=clock)
        runner = web.AppRunner(create_admin_app(services), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            # unsafe=True: keep cookies for an IP-address host (127.0.0.1), as a browser does.
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                await log_in(http, base, email, secret, clock)
                step = max(1, len(ids) // requests)
                surnames = sorted({row.last_name.split()[-1] for row in rows if row.last_name})
                pages = {
                    "youth list": [f"/youths?page={1 + i % 20}" for i in range(requests)],
                    "search": [f"/youths?q={surnames[i % len(surnames)]}" for i in range(requests)],
                    "timeline": [f"/youths/{ids[(i * step) % len(ids)]}" for i in range(requests)],
                }
                await time_pages(http, base, ["/youths", f"/youths/{ids[0]}"])  # warm-up
                results = []
                for label, paths in pages.items():
                    timings = await time_pages(http, base, paths)
                    p50, p95 = percentile(timings, 50), percentile(timings, 95)
                    results += [
                        Measurement(NAME, f"{label} p50 ({db})", p50, "ms"),
                        Measurement(
                            NAME,
                            f"{label} p95 ({db})",
                            p95,
                            "ms",
                            f"< {TARGET_MS:.0f} ms",
                            p95 < TARGET_MS,
                        ),
                    ]
        finally:
            await runner.cleanup()
    note = (
        f"{youths} youths, {answers} answers, {youths * MESSAGES_PER_YOUTH} chat messages; "
        f"{requests} requests per page, one at a time, logged in as admin"
    )
    results[0] = Measurement(NAME, results[0].metric, results[0].value, "ms", note=note)
    return results


async def run(youths: int = 20_000, db: str = "both", requests: int = 100) -> list[Measurement]:
    results: list[Measurement] = []
    for kind in database_kinds(db):
        results += await measure(youths, kind, requests)
    return results


def main(argv: Sequence[str] | None = None) -> list[Measurement]:
    parser = base_parser(__doc__ or NAME, youths=20_000)
    add_database_option(parser)
    parser.add_argument("--requests", type=int, default=100, help="requests per page")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.youths, args.db, args.requests))
    print_table(results)
    if args.json:
        write_json(results, args.json)
    return results


if __name__ == "__main__":
    main()
