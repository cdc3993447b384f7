"""PostgreSQL unreachable for a while (webhook mode): no update lost, every answer stored once.

Two tests, one scenario: the database sits behind a TCP proxy that the test cuts while every
youth answers the consent question and sends a message. The webhook answers 503, the emulator
retries (as Telegram does), and once the database is back every update is handled exactly once.
- `inbeeld run` as a real process in webhook mode (ticker, dispatcher, watchers, panel and all),
  cut for `INBEELD_FAULTS_OUTAGE_SECONDS` (default 30): the process must live through it.
- The service's pieces in this process (`webhook_route`, `UpdateProcessor`, router, a running
  dispatcher), cut for 10 s: the same check with the handler's answers visible to the test.

One starts `inbeeld run` while the database is unreachable: it waits, then starts. Two more
cut the database at the dispatcher's two writes around a send: right after a message
went out, before its result is recorded (it is recorded once the database is back, and the
chat's next message follows), and right before the send-time check (the message goes out once
the database is back). Either used to leave the chat waiting for the two-minute lease.

Needs PostgreSQL (INBEELD_TEST_DATABASE_URL, else postgres@127.0.0.1:5432); it makes and drops
its own database. Figures: `FAULTS_REPORT=1 pytest -s tests/faults/test_database_outage.py`.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from bot.channels.base import Delivered, OutgoingMessage, SendOutcome
from bot.channels.memory import MemoryChannel
from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.inbound import UpdateProcessor, webhook_route
from bot.clock import SystemClock
from bot.conversations.commands import Commands
from bot.conversations.plans import PlanSync
from bot.conversations.router import InboundRouter
from bot.conversations.runner import FlowRunner
from bot.delivery import Dispatcher, Status, enqueue
from bot.delivery.store import ClaimBatch
from bot.emulator import EmulatorServer, Limits, WebhookTiming
from bot.models import ConsentEvent, InboundUpdate, OutboxMessage
from bot.privacy.crypto import KeyRing, new_key, use_key_ring
from bot.scheduling import load_programmes
from bot.storage import migrate
from bot.storage.db import Database
from flows.loader import shipped_flows
from tests import factories
from tests.conversations.conftest import ZONE, RecordingWatchers
from tests.faults.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.slow]

TOKEN = "777003:fault-outage-token"
SECRET = "outage-webhook-secret"
YOUTHS = 20
CHAT_BASE = 500_000
OUTAGE_SECONDS = float(os.environ.get("INBEELD_FAULTS_OUTAGE_SECONDS", "30"))
IN_PROCESS_OUTAGE_SECONDS = min(OUTAGE_SECONDS, 10.0)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    import psycopg

    admin_url = make_url(os.environ.get("INBEELD_TEST_DATABASE_URL") or DEFAULT_PG)
    plain = admin_url.set(drivername="postgresql")
    try:
        admin = psycopg.connect(
            plain.render_as_string(hide_password=False), autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as exc:
        if os.environ.get("INBEELD_TEST_REQUIRE_PG", "") not in ("", "0", "false"):
            pytest.fail(f"PostgreSQL required but unreachable: {exc}")
        pytest.skip(f"the outage test needs PostgreSQL: {exc}")
    name = f"inbeeld_outage_{secrets.token_hex(6)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield plain.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def consent_button(emulator: EmulatorServer, chat: int) -> tuple[int, str]:
    for message in reversed(emulator.control.bot_messages(chat)):
        for row in message.get("buttons") or []:
            for b in row:
                if b["text"] == "Ja, dat is goed":
                    return message["message_id"], b["callback_data"]
    raise AssertionError(f"chat {chat} has no consent question")


def answered_both(emulator: EmulatorServer, chat: int) -> bool:
    """The youth's consent tap was thanked and their free text passed on to the coordinator."""
    texts = [m["text"] for m in emulator.control.bot_messages(chat)]
    return any("dank je" in t.lower() and "Top" in t for t in texts) and any(
        t.startswith("Dank je voor je bericht") for t in texts
    )


async def database_behind_a_proxy(postgres_url: str) -> tuple[TcpProxy, Database]:
    """The migrated database, reached through a proxy the test can cut."""
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    database = Database(through_proxy)
    await migrate.upgrade(database)
    return proxy, database


async def wait_until(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_updates_during_a_database_outage_are_all_handled_once(postgres_url: str) -> None:
    proxy, database = await database_behind_a_proxy(postgres_url)
    now = datetime.now(UTC)
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        coordinator = await factories.coordinator(session, now, region)
        tokens = []
        for i in range(YOUTHS):
            youth = await factories.youth(
                session, now, school, coordinator_row=coordinator, student_number=str(i)
            )
            tokens.append(await factories.invitation(session, now, youth_row=youth))

    clock = SystemClock()
    flows = shipped_flows()
    runner = FlowRunner(flows, ZONE)
    watchers = RecordingWatchers()
    plans = PlanSync(programmes=load_programmes(), flows=flows, zone=ZONE)
    router = InboundRouter(database, clock, runner, Commands(runner, plans, watchers), watchers)
    timing = WebhookTiming(request_timeout=5.0, backoff_initial=0.1, backoff_max=1.0)
    chats = [CHAT_BASE + i for i in range(YOUTHS)]
    async with EmulatorServer(token=TOKEN, limits=Limits.off(), webhook_timing=timing) as emulator:
        bot = make_bot(TOKEN, emulator.api_url)
        await bot.initialize()
        dispatcher = Dispatcher(
            database, TelegramChannel(bot), clock, worker_id="outage", poll_interval=0.2
        )

        async def handle_then_wake(event):  # type: ignore[no-untyped-def]
            await router.handle(event)
            dispatcher.notify()

        app = web.Application()
        app.add_routes([webhook_route(UpdateProcessor(bot, handle_then_wake), SECRET)])
        app_runner = web.AppRunner(app, access_log=None)
        await app_runner.setup()
        port = free_port()
        await web.TCPSite(app_runner, "127.0.0.1", port).start()
        sending = asyncio.create_task(dispatcher.run_forever())
        state = emulator.control.state
        try:
            await bot.set_webhook(f"http://127.0.0.1:{port}/telegram/webhook", secret_token=SECRET)
            for i, chat in enumerate(chats):
                emulator.control.add_user(chat, "Sem")
                emulator.control.send_command(chat, "start", tokens[i])
            await wait_until(
                lambda: all(
                    any(m.get("buttons") for m in emulator.control.bot_messages(c)) for c in chats
                ),
                60,
                "the consent questions",
            )
            failures_before = state.counters.webhook_failures

            await proxy.cut()
            loop = asyncio.get_running_loop()
            cut_at = loop.time()
            for chat in chats:
                emulator.control.tap_button(chat, *consent_button(emulator, chat))
                emulator.control.send_text(chat, "Hoe lang duurt dit nog?")
            during = 2 * YOUTHS
            await asyncio.sleep(max(0.0, IN_PROCESS_OUTAGE_SECONDS - (loop.time() - cut_at)))
            pending_at_restore = len(state.pending)
            await proxy.restore()

            await wait_until(lambda: not state.pending, 60, "every update to be acknowledged")
            await wait_until(
                lambda: all(answered_both(emulator, c) for c in chats),
                60,
                "the replies",
            )
            failures = state.counters.webhook_failures - failures_before
        finally:
            await dispatcher.stop()
            await sending
            await app_runner.cleanup()
            await bot.shutdown()
        transcripts = {c: [m["text"] for m in emulator.control.bot_messages(c)] for c in chats}

    async with database.session() as session:
        consents = Counter(
            (await session.exec(select(ConsentEvent.youth_id, ConsentEvent.action))).all()
        )
        handled = (await session.exec(select(func.count()).select_from(InboundUpdate))).one()
    await database.dispose()
    await proxy.cut()

    thanks = Counter(
        sum("dank je" in t.lower() and "Top" in t for t in ts) for ts in transcripts.values()
    )
    forwarded = Counter(
        sum(t.startswith("Dank je voor je bericht") for t in ts) for ts in transcripts.values()
    )
    figures = {
        "outage_seconds": IN_PROCESS_OUTAGE_SECONDS,
        "updates_during_outage": during,
        "pending_when_restored": pending_at_restore,
        "webhook_non_2xx_or_failed": failures,
        "updates_handled": handled,
        "updates_lost": 2 * YOUTHS + YOUTHS - handled,
    }
    if os.environ.get("FAULTS_REPORT"):
        print("\nDatabase outage (in process):", figures)
    assert pending_at_restore == during, "the updates must wait out the outage"
    assert failures >= during, "the webhook must have refused during the outage"
    assert handled == 3 * YOUTHS, figures
    assert sorted(consents.values()) == [1] * YOUTHS and all(
        action == "granted" for (_, action) in consents
    )
    assert thanks == {1: YOUTHS}, "one thank-you per youth"
    assert forwarded == {1: YOUTHS}, "one 'sent to your coordinator' per youth"
    assert Counter(kind for kind, _ in watchers.calls)["handoff"] == YOUTHS


async def seed_youths(url: str, now: datetime) -> list[str]:
    database = Database(url)
    await migrate.upgrade(database)
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        coordinator = await factories.coordinator(session, now, region)
        tokens = []
        for i in range(YOUTHS):
            youth = await factories.youth(
                session, now, school, coordinator_row=coordinator, student_number=str(i)
            )
            tokens.append(await factories.invitation(session, now, youth_row=youth))
    await database.dispose()
    return tokens


async def health(port: int) -> int | None:
    try:
        async with (
            aiohttp.ClientSession() as client,
            client.get(
                f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=5)
            ) as response,
        ):
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return None


async def start_service(  # type: ignore[no-untyped-def]
    database_url: str,
    emulator: EmulatorServer,
    port: int,
    key: str,
    workdir,
    log_file,
    **settings: str,
) -> asyncio.subprocess.Process:
    """`inbeeld run` as a process. Its log goes to a file, not a pipe: an outage logs a lot,
    and a full pipe would block the service."""
    env = {
        **os.environ,
        "INBEELD_DATABASE_URL": database_url,
        "INBEELD_TELEGRAM_TOKEN": TOKEN,
        "INBEELD_TELEGRAM_API_URL": emulator.api_url,
        "INBEELD_ADMIN_PORT": str(port),
        "INBEELD_DATA_KEY": key,
        **settings,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=workdir,
        env=env,
        stdout=log_file,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_inbeeld_run_lives_through_a_database_outage(postgres_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = new_key()
    with use_key_ring(KeyRing([key])):
        await outage_against_the_process(postgres_url, tmp_path, key)


async def outage_against_the_process(postgres_url: str, tmp_path, key: str) -> None:  # type: ignore[no-untyped-def]
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    tokens = await seed_youths(postgres_url, datetime.now(UTC))
    chats = [CHAT_BASE + i for i in range(YOUTHS)]
    timing = WebhookTiming(request_timeout=5.0, backoff_initial=0.1, backoff_max=1.0)
    async with EmulatorServer(token=TOKEN, limits=Limits.off(), webhook_timing=timing) as emulator:
        port = free_port()
        webhook = {
            "INBEELD_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
            "INBEELD_WEBHOOK_SECRET": SECRET,
        }
        log_path = tmp_path / "service.log"
        log_file = log_path.open("wb")
        process = await start_service(
            through_proxy, emulator, port, key, tmp_path, log_file, **webhook
        )
        state = emulator.control.state
        try:
            await wait_until(lambda: state.webhook is not None, 60, "the webhook to be set")
            for i, chat in enumerate(chats):
                emulator.control.add_user(chat, "Sem")
                emulator.control.send_command(chat, "start", tokens[i])
            await wait_until(
                lambda: all(
                    any(m.get("buttons") for m in emulator.control.bot_messages(c)) for c in chats
                ),
                60,
                "the consent questions",
            )
            failures_before = state.counters.webhook_failures
            await proxy.cut()
            loop = asyncio.get_running_loop()
            cut_at = loop.time()
            for chat in chats:
                emulator.control.tap_button(chat, *consent_button(emulator, chat))
                emulator.control.send_text(chat, "Hoe lang duurt dit nog?")
            await asyncio.sleep(min(5.0, OUTAGE_SECONDS / 2))
            health_during = await health(port)
            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (loop.time() - cut_at)))
            alive_at_restore = process.returncode is None
            pending_at_restore = len(state.pending)
            await proxy.restore()
            await wait_until(lambda: not state.pending, 90, "every update to be acknowledged")
            await wait_until(
                lambda: all(answered_both(emulator, c) for c in chats),
                90,
                "the replies",
            )
            failures = state.counters.webhook_failures - failures_before
            health_after = await health(port)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                raise
            log_file.close()
            await proxy.cut()
        err = log_path.read_bytes()
        transcripts = {c: [m["text"] for m in emulator.control.bot_messages(c)] for c in chats}

    database = Database(postgres_url)
    async with database.session() as session:
        consents = Counter(
            (await session.exec(select(ConsentEvent.youth_id, ConsentEvent.action))).all()
        )
        handled = (await session.exec(select(func.count()).select_from(InboundUpdate))).one()
    await database.dispose()
    figures = {
        "outage_seconds": OUTAGE_SECONDS,
        "updates_during_outage": 2 * YOUTHS,
        "pending_when_restored": pending_at_restore,
        "webhook_non_2xx_or_failed": failures,
        "healthz_during_after": (health_during, health_after),
        "updates_handled": handled,
        "updates_lost": 3 * YOUTHS - handled,
    }
    if os.environ.get("FAULTS_REPORT"):
        print("\nDatabase outage (inbeeld run):", figures)
    assert alive_at_restore, "the service stopped during the outage: " + err.decode()[-2000:]
    assert process.returncode == 0, err.decode()[-3000:]
    assert pending_at_restore == 2 * YOUTHS
    assert failures >= 2 * YOUTHS
    assert health_during == 503 and health_after == 200
    assert handled == 3 * YOUTHS, figures
    assert sorted(consents.values()) == [1] * YOUTHS
    thanks = Counter(sum(t.startswith("Top, dank je") for t in ts) for ts in transcripts.values())
    assert thanks == {1: YOUTHS}, "one thank-you per youth"


class CutAfterFirstSend:
    """Delivers every message; right after the first one, the database is away for a while."""

    name = "memory"

    def __init__(self, proxy: TcpProxy, outage_seconds: float) -> None:
        self.proxy = proxy
        self.outage_seconds = outage_seconds
        self.sent: list[OutgoingMessage] = []
        self.restored = asyncio.Event()

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        self.sent.append(message)
        if len(self.sent) == 1:
            await self.proxy.cut()
            asyncio.get_running_loop().call_later(
                self.outage_seconds, lambda: asyncio.ensure_future(self._restore())
            )
        return Delivered(message_id=len(self.sent))

    async def _restore(self) -> None:
        await self.proxy.restore()
        self.restored.set()


async def test_a_result_recorded_during_an_outage_is_recorded_once_the_database_is_back(
    postgres_url: str,
) -> None:
    proxy, database = await database_behind_a_proxy(postgres_url)
    clock = SystemClock()
    chat = CHAT_BASE
    async with database.transaction() as session:
        for text in ("eerste", "tweede"):
            message = OutgoingMessage(chat_id=chat, text=text)
            await enqueue(session, message, youth_id=None, requires_consent=False, now=clock.now())
    # Longer than the three tries (1.5 s) after which the dispatcher used to give up.
    channel = CutAfterFirstSend(proxy, outage_seconds=4.0)
    dispatcher = Dispatcher(
        database, channel, clock, worker_id="outage", per_chat_interval=0.0, poll_interval=0.2
    )
    sending = asyncio.create_task(dispatcher.run_forever())
    direct = Database(postgres_url)

    async def statuses() -> list[str]:
        async with direct.session() as session:
            rows = await session.exec(select(OutboxMessage.status).order_by(col(OutboxMessage.id)))
            return list(rows.all())

    try:
        loop = asyncio.get_running_loop()
        # Well inside the dispatcher's 120 s lease, after which reconcile would settle the row.
        deadline = loop.time() + 30
        while (found := await statuses()) != [Status.SENT, Status.SENT]:
            assert loop.time() < deadline, f"outbox rows still {found}"
            await asyncio.sleep(0.2)
    finally:
        await dispatcher.stop()
        await sending
        await database.dispose()
        await direct.dispose()
        await proxy.cut()
    assert channel.restored.is_set()
    assert [m.text for m in channel.sent] == ["eerste", "tweede"], "each sent once, in order"


async def _dispatcher_with_a_handed_over_reply(
    database: Database, channel: MemoryChannel
) -> tuple[Dispatcher, asyncio.Task[None], ClaimBatch]:
    """A running dispatcher and a reply claimed for it (not yet offered), as the router hands
    one over."""
    idle = asyncio.Event()

    async def sleep(seconds: float) -> None:
        idle.set()  # started (reconciled, nothing to claim): the database may go away now
        await asyncio.sleep(seconds)

    clock = SystemClock()
    dispatcher = Dispatcher(
        database,
        channel,
        clock,
        worker_id="outage",
        per_chat_interval=0.0,
        poll_interval=0.2,
        sleep=sleep,
    )
    sending = asyncio.create_task(dispatcher.run_forever())
    await idle.wait()
    async with database.transaction() as session:
        message = OutgoingMessage(chat_id=CHAT_BASE, text="antwoord")
        row = await enqueue(
            session, message, youth_id=None, requires_consent=False, now=clock.now()
        )
        batch = await dispatcher.claim_new(session, [row.id], clock.now())  # type: ignore[list-item]
    return dispatcher, sending, batch


async def test_a_send_whose_check_meets_an_outage_goes_out_once_the_database_is_back(
    postgres_url: str,
) -> None:
    proxy, database = await database_behind_a_proxy(postgres_url)
    channel = MemoryChannel()
    dispatcher, sending, batch = await _dispatcher_with_a_handed_over_reply(database, channel)
    try:
        await proxy.cut()
        dispatcher.offer(batch, complete=True)
        await asyncio.sleep(3.0)
        assert channel.sent == [], "nothing goes out while the send-time check cannot run"
        await proxy.restore()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30  # well inside the 120 s lease
        while not channel.sent:
            assert loop.time() < deadline, "the message waits for the lease"
            await asyncio.sleep(0.1)
    finally:
        await dispatcher.stop()
        await sending
        await database.dispose()
        await proxy.cut()
    assert [m.text for m in channel.sent] == ["antwoord"]


async def test_inbeeld_run_waits_for_a_database_that_is_down_at_start(
    postgres_url: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Started before PostgreSQL is reachable (a host reboot, compose starting both at once),
    the service logs and waits instead of exiting, and starts once the database is there."""
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    await proxy.cut()  # the port refuses connections, as a database still starting does
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    async with EmulatorServer(token=TOKEN, limits=Limits.off()) as emulator:
        port = free_port()
        log_path = tmp_path / "service.log"
        with log_path.open("wb") as log_file:
            process = await start_service(
                through_proxy, emulator, port, new_key(), tmp_path, log_file
            )
            try:
                await wait_until(
                    lambda: (
                        process.returncode is not None
                        or log_path.read_bytes().count(b"database.unreachable_at_start") >= 2
                    ),
                    60,
                    "two logged attempts to reach the database",
                )
                assert process.returncode is None, log_path.read_text()[-3000:]
                await proxy.restore()
                for _ in range(300):
                    if await health(port) == 200:
                        break
                    assert process.returncode is None, log_path.read_text()[-3000:]
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError("not healthy after the database came up")
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), timeout=30)
                await proxy.cut()
    assert process.returncode == 0, log_path.read_text()[-3000:]
