"""The timeline says of each outgoing message whether the outbox sent it, and if not, why.

The rows reach each status the way they do in production: through `reply()` and the real
`Dispatcher` on a `MemoryChannel`, and a crash between "sending" and the answer through the
outbox store itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from admin.views.delivery import delivery_status
from bot.channels.base import Blocked, OutgoingMessage, SendOutcome
from bot.channels.memory import MemoryChannel
from bot.conversations.outbound import reply
from bot.delivery import Dispatcher, Status, enqueue
from bot.delivery.store import OutboxStore
from bot.models import ChatMessage, OutboxMessage, StaffUser, Youth
from tests.admin.test_routes import sign_in
from tests.delivery.conftest import FakeTime

pytestmark = pytest.mark.db

CHAT = 4242
ZONE = ZoneInfo("Europe/Amsterdam")
ITEM = re.compile(r'<li class="item item-message_out".*?</li>', re.S)
DELIVERY = re.compile(r'data-delivery="([a-z_]+)">\s*<span[^>]*>[^<]*</span>\s*(.*?)\s*</p>', re.S)


def _blocks_the_bot(message: OutgoingMessage) -> SendOutcome | None:
    return Blocked() if message.text == "geblokkeerd-bericht" else None  # None: delivered


async def _say(database, clock, youth, text: str, **options: object) -> None:
    """One reply, as a flow step writes it: outbox row and timeline entry in one transaction."""
    async with database.transaction() as session:
        await reply(session, chat_id=CHAT, text=text, now=clock.now(), youth_id=youth.id, **options)
    clock.advance(timedelta(minutes=1))


async def _drain(database, clock) -> None:
    fake_time = FakeTime(clock)
    worker = Dispatcher(
        database,
        MemoryChannel(_blocks_the_bot),
        clock,
        worker_id="w1",
        monotonic=fake_time.monotonic,
        sleep=fake_time.sleep,
        jitter=lambda: 0.0,
    )
    await worker.drain()


def _deliveries(page: str) -> dict[str, tuple[str, str] | None]:
    """Message text -> (state, sentence) of each outgoing message on the page."""
    found: dict[str, tuple[str, str] | None] = {}
    for item in ITEM.findall(page):
        text = re.search(r'<p class="text">(.*?)</p>', item, re.S)
        key = text.group(1) if text else f"#{len(found)}"
        match = DELIVERY.search(item)
        if match is None:
            found[key] = None
        else:
            sentence = re.sub(r"</?strong>", "", match.group(2))
            found[key] = (match.group(1), sentence)
    return found


async def youth_in_every_state(database, clock, world) -> Youth:
    """World's youth A (no check-in consent) with one outgoing message in each delivery state."""
    async with database.transaction() as session:
        youth = await session.get(Youth, world.youth_a.id)
        youth.telegram_chat_id = CHAT
        youth.paused_until = clock.now().date() + timedelta(days=30)
        session.add(youth)
        # Logged before outgoing messages were linked to the outbox: no status, no guess.
        session.add(
            ChatMessage(
                youth_id=youth.id,
                direction="out",
                kind="text",
                text="oud-bericht",
                created_at=clock.now() - timedelta(days=1),
            )
        )
    await _say(database, clock, youth, "verzonden-bericht")
    await _say(database, clock, youth, "toestemming-bericht", requires_consent=True)
    await _say(database, clock, youth, "rust-bericht", automated=True)
    await _drain(database, clock)

    # A worker marks the next one "sending" and dies before Telegram answers; the same worker
    # id starting again settles it as uncertain (not a crisis reply, so not sent again).
    await _say(database, clock, youth, "onzeker-bericht")
    crashed = OutboxStore(database, worker_id="w1", lease=timedelta(seconds=120))
    batch = await crashed.claim(limit=10, now=clock.now(), per_chat_interval=1.0)
    await crashed.begin_sending(
        [m.id for m in batch.messages], now=clock.now(), hold_check=None, hold_for=timedelta(0)
    )
    await _drain(database, clock)

    await _say(database, clock, youth, "geblokkeerd-bericht")
    await _drain(database, clock)
    await _say(database, clock, youth, "onbereikbaar-bericht")  # blocked since the last one
    await _drain(database, clock)
    await _say(database, clock, youth, "wachtrij-bericht")  # no dispatcher has run since
    return youth


async def test_the_timeline_shows_each_delivery_state(client, database, clock, world):
    youth = await youth_in_every_state(database, clock, world)
    async with database.session() as session:
        statuses = dict(
            (
                await session.exec(
                    select(ChatMessage.text, OutboxMessage.status).join(
                        OutboxMessage, OutboxMessage.id == ChatMessage.outbox_id
                    )
                )
            ).all()
        )
    assert statuses == {
        "verzonden-bericht": "sent",
        "toestemming-bericht": "cancelled",
        "rust-bericht": "cancelled",
        "onzeker-bericht": "uncertain",
        "geblokkeerd-bericht": "failed",
        "onbereikbaar-bericht": "cancelled",
        "wachtrij-bericht": "pending",
    }, "the rows did not reach the states this test is about"

    await sign_in(client, database, clock, world.coordinator_a)
    page = await (await client.get(f"/youths/{youth.id}")).text()
    shown = _deliveries(page)
    sent_state, sent_sentence = shown.pop("verzonden-bericht")  # type: ignore[misc]
    assert sent_state == "sent" and sent_sentence.startswith("Verzonden op ")
    assert shown == {
        "oud-bericht": None,
        "toestemming-bericht": (
            "not_sent",
            "Niet verzonden: er was geen toestemming voor check-ins.",
        ),
        "rust-bericht": ("not_sent", "Niet verzonden: de jongere had rust."),
        "onzeker-bericht": (
            "uncertain",
            "Let op: dit bericht is misschien niet aangekomen. Het versturen werd onderbroken "
            "en wordt niet herhaald. Vraag de jongere of het bericht is aangekomen, of bel.",
        ),
        "geblokkeerd-bericht": (
            "failed",
            "Niet aangekomen: de bot is geblokkeerd in Telegram.",
        ),
        "onbereikbaar-bericht": (
            "not_sent",
            "Niet verzonden: de jongere is niet bereikbaar via Telegram.",
        ),
        "wachtrij-bericht": (
            "queued",
            "Nog niet verzonden. Het bericht wacht om verstuurd te worden.",
        ),
    }
    timeline = page[page.index('<ol id="timeline"') :]
    for code in ("no_consent", "paused", "unreachable", "blocked", "maybe delivered"):
        assert code not in timeline, f"the outbox's own words reached the page: {code}"


async def test_the_reasons_are_translated(client, database, clock, world):
    youth = await youth_in_every_state(database, clock, world)
    async with database.transaction() as session:
        staff = await session.get(StaffUser, world.coordinator_a.id)
        staff.language = "en"
        session.add(staff)
    await sign_in(client, database, clock, world.coordinator_a)
    page = await (await client.get(f"/youths/{youth.id}")).text()
    shown = _deliveries(page)
    assert shown["toestemming-bericht"] == (
        "not_sent",
        "Not sent: there was no consent for check-ins.",
    )
    assert shown["onzeker-bericht"][0] == "uncertain"  # type: ignore[index]
    assert shown["onzeker-bericht"][1].startswith("Please note: this message may not have")  # type: ignore[index]
    assert shown["verzonden-bericht"][1].startswith("Sent on ")  # type: ignore[index]


async def test_who_may_not_read_the_messages_still_sees_whether_they_arrived(
    client, database, clock, world
):
    youth = await youth_in_every_state(database, clock, world)
    await sign_in(client, database, clock, world.school_user_a)  # region hides answers
    page = await (await client.get(f"/youths/{youth.id}")).text()
    assert "geblokkeerd-bericht" not in page
    assert 'data-delivery="failed"' in page and 'data-delivery="uncertain"' in page


def test_every_outbox_status_has_a_sentence():
    at = datetime(2026, 12, 5, 13, 30, tzinfo=UTC)
    states = {
        status: delivery_status(status, sent_at=at, last_error=None, attempts=0, zone=ZONE)
        for status in Status
    }
    assert {status: shown.state for status, shown in states.items() if shown} == {
        Status.PENDING: "queued",
        Status.CLAIMED: "queued",
        Status.SENDING: "queued",
        Status.CHECKING: "queued",
        Status.SENT: "sent",
        Status.FAILED: "failed",
        Status.CANCELLED: "not_sent",
        Status.UNCERTAIN: "uncertain",
    }
    assert states[Status.SENT].text == "Verzonden op zaterdag 5 december, 14:30."  # type: ignore[union-attr]
    assert delivery_status(None, sent_at=None, last_error=None, attempts=0, zone=ZONE) is None


@pytest.mark.parametrize(
    ("status", "error", "attempts", "sentence"),
    [
        ("failed", "direct: blocked", 0, "Niet aangekomen: de bot is geblokkeerd in Telegram."),
        ("failed", "blocked: blocked", 1, "Niet aangekomen: de bot is geblokkeerd in Telegram."),
        (
            "failed",
            "gave up after 8 attempts: timeout",
            8,
            "Niet aangekomen: het versturen mislukte, ook na meerdere pogingen.",
        ),
        (
            "failed",
            "direct: bad request: chat not found",
            0,
            "Niet aangekomen: Telegram weigerde het bericht.",
        ),
        ("failed", "something new", 1, "Niet aangekomen. De reden is onbekend."),
        ("cancelled", "something new", 0, "Niet verzonden. De reden is onbekend."),
        (
            "cancelled",
            "youth_missing",
            0,
            "Niet verzonden: de jongere staat niet meer in het systeem.",
        ),
        (
            "pending",
            "timeout",
            2,
            "Nog niet verzonden. Het lukte nog niet; we proberen het opnieuw.",
        ),
        (
            "pending",
            "direct send gave up: 429",
            0,
            "Nog niet verzonden. Het lukte nog niet; we proberen het opnieuw.",
        ),
    ],
)
def test_reasons_become_plain_sentences(status, error, attempts, sentence):
    shown = delivery_status(status, sent_at=None, last_error=error, attempts=attempts, zone=ZONE)
    assert shown is not None and shown.text == sentence


async def test_an_alert_to_the_coordinator_is_not_called_a_message_to_the_youth(
    client, database, clock, world
):
    # As `bot.watchers.notify` writes an alert: an outbox row to the coordinator's chat (no youth
    # on it), and on the youth's timeline a "staff_" entry linked to that row.
    async with database.transaction() as session:
        row = await enqueue(
            session,
            OutgoingMessage(chat_id=9001, text="Let op: Anna"),
            youth_id=None,
            staff_user_id=world.coordinator_a.id,
            requires_consent=False,
            now=clock.now(),
        )
        session.add(
            ChatMessage(
                youth_id=world.youth_a.id,
                staff_user_id=world.coordinator_a.id,
                direction="out",
                kind="staff_alert",
                text="Let op: Anna",
                created_at=clock.now(),
                outbox=row,
            )
        )
    await _drain(database, clock)
    await sign_in(client, database, clock, world.coordinator_a)
    page = await (await client.get(f"/youths/{world.youth_a.id}")).text()
    [item] = ITEM.findall(page)
    assert "Bericht aan de coördinator over deze jongere" in item
    assert "Bericht aan jongere" not in item
    assert 'data-delivery="sent"' in item


@pytest.mark.parametrize(
    ("status", "email_status", "state", "sentence"),
    [
        (
            None,
            "pending",
            "queued",
            "Nog niet verzonden. Het bericht wacht om per e-mail verstuurd te worden.",
        ),
        (
            Status.FAILED,
            "sending",
            "queued",
            "Nog niet verzonden. Het bericht wacht om per e-mail verstuurd te worden.",
        ),
        (None, "sent", "sent", "Per e-mail verzonden op zaterdag 5 december, 13:30."),
        (
            Status.FAILED,
            "sent",
            "sent",
            "Via Telegram lukte het niet. Daarom per e-mail verzonden op "
            "zaterdag 5 december, 13:30.",
        ),
        (
            None,
            "failed",
            "failed",
            "Niet aangekomen: de e-mail aan de coördinator kon niet worden verstuurd.",
        ),
    ],
)
def test_an_alert_that_went_by_email_is_described_by_the_email(
    status, email_status, state, sentence
):
    # `bot.watchers.notify` e-mails a coordinator without Telegram, or one Telegram refused.
    shown = delivery_status(
        status,
        sent_at=None,
        last_error="blocked" if status else None,
        attempts=1 if status else 0,
        zone=ZONE,
        email_status=email_status,
        emailed_at=datetime(2026, 12, 5, 12, 30, tzinfo=UTC),
    )
    assert shown is not None and (shown.state, shown.text) == (state, sentence)
