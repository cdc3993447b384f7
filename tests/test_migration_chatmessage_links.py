"""Migrations 0013 and 0014 link chat messages to their outbox row and to their escalation
message: existing rows survive both ways, and the database itself empties a link when the row
it points at is deleted (ON DELETE SET NULL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Executable, column, delete, inspect, select, table, text, update

from bot.storage import migrate
from bot.storage.db import Database
from tests.migrations import migrate_to, rows_at

pytestmark = pytest.mark.db

BEFORE = "0012"
LINKED = "0013"

ROWS = [
    "INSERT INTO region (id, name, schools_see_answers) VALUES (1, 'R', false)",
    "INSERT INTO school (id, code, name, type, region_id) VALUES (1, 'S', 'S', 'pro', 1)",
    "INSERT INTO youth (id, school_id, student_number, first_name, date_of_birth, leaving_date,"
    " profile, municipality, language, participation, representative_required,"
    " created_at, updated_at) VALUES (1, 1, '1', 'Iris', '2008-01-01', '2025-07-01', 'arbeid',"
    " 'Tilburg', 'nl', 'ja', false, :now, :now)",
    "INSERT INTO outboxmessage (id, chat_id, youth_id, priority, payload, status, attempts,"
    " not_before, requires_consent, automated, created_at) VALUES (1, 77, 1, 0, 'token', 'sent',"
    " 1, :now, true, false, :now)",
    "INSERT INTO chatmessage (id, youth_id, direction, kind, created_at)"
    " VALUES (1, 1, 'out', 'text', :now)",
]


async def _columns(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("chatmessage")}
        )


async def _scalar(database: Database, query: str | Executable) -> object:
    async with database.engine.connect() as connection:
        statement = text(query) if isinstance(query, str) else query
        return (await connection.execute(statement)).scalar_one()


EMAIL_ROWS = [
    "INSERT INTO staffuser (id, email, name, role, language, created_at)"
    " VALUES (1, 'a@example.nl', 'Anouk', 'coordinator', 'nl', :now)",
    "INSERT INTO escalationmessage (id, youth_id, staff_user_id, kind, email_status, created_at)"
    " VALUES (1, 1, 1, 'alert', 'sent', :now)",
]


@pytest.mark.parametrize(
    ("before", "linked", "link", "target", "rows"),
    [
        (BEFORE, LINKED, "outbox_id", "outboxmessage", ROWS),
        (LINKED, "0014", "escalation_message_id", "escalationmessage", ROWS + EMAIL_ROWS),
    ],
)
async def test_the_link_upgrades_downgrades_and_empties_on_delete(
    database_url: str, clock, before: str, linked: str, link: str, target: str, rows: list[str]
):
    chat = table("chatmessage", column("id"), column(link))
    link_of_row_1 = select(chat.c[link]).where(chat.c.id == 1)
    database = Database(database_url)
    try:
        await rows_at(database, before, rows, clock.now())

        await migrate_to(database, linked)
        assert link in await _columns(database)
        # Logged before the link existed: left empty, not guessed from chat and time.
        assert await _scalar(database, link_of_row_1) is None
        async with database.engine.begin() as connection:
            await connection.execute(update(chat).where(chat.c.id == 1).values({link: 1}))
        async with database.engine.begin() as connection:
            parent = table(target, column("id"))
            await connection.execute(delete(parent).where(parent.c.id == 1))
        assert await _scalar(database, link_of_row_1) is None
        assert await _scalar(database, "SELECT count(*) FROM chatmessage") == 1

        await migrate_to(database, before, down=True)
        assert link not in await _columns(database)
        assert await _scalar(database, "SELECT count(*) FROM chatmessage") == 1
        await migrate_to(database, "head")
        assert await migrate.is_up_to_date(database)
    finally:
        await database.dispose()
