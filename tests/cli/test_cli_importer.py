"""The importer's CLI end to end: `inbeeld school|user|import|invites` through `bot.cli.main`."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func
from sqlmodel import select

from bot import cli
from bot.cli import org_commands
from bot.models import Invitation, School, StaffUser, Youth
from bot.privacy.crypto import new_key
from bot.storage.db import Database

pytestmark = pytest.mark.db

DATA = Path(__file__).parent.parent / "data"
SCHOOLS = {
    "PRO-DONGEN": "pro",
    "PRO-TILBURG": "pro",
    "PRO-WAALWIJK": "pro",
    "VSO-DE-HEY": "vso",
    "VSO-MIDDEN-BRABANT": "vso",
    "VSO-ODYSSEE": "vso",
}


@pytest.fixture
def inbeeld(database_url, monkeypatch, tmp_path, capsys):
    """Runs `inbeeld ARGS...` against a fresh, migrated database; returns (status, out, err)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("INBEELD_DATABASE_URL", database_url)
    monkeypatch.setenv("INBEELD_BOT_USERNAME", "InBeeldTestBot")
    monkeypatch.delenv("INBEELD_PUBLIC_URL", raising=False)
    # As in production: the CLI configures the data key from its settings (PostgreSQL needs one).
    monkeypatch.setenv("INBEELD_DATA_KEY", new_key())

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    assert run("db", "upgrade")[0] == 0
    return run


def _count(database_url: str, model: type, *where) -> int:
    async def query() -> int:
        database = Database(database_url)
        try:
            async with database.session() as session:
                statement = select(func.count()).select_from(model)
                for condition in where:
                    statement = statement.where(condition)
                return (await session.exec(statement)).one()
        finally:
            await database.dispose()

    return asyncio.run(query())


def _seed(inbeeld) -> None:
    for code, kind in SCHOOLS.items():
        status, out, err = inbeeld(
            "school", "add", code, "--name", code.title(), "--type", kind, "--region", "M-B"
        )
        assert (status, err) == (0, ""), err
        assert f"school {code} added" in out
    assert (
        inbeeld(
            "user",
            "add",
            "aandacht@regio-midden-brabant.example",
            "--name",
            "Aandacht",
            "--role",
            "coordinator",
            "--region",
            "M-B",
        )[0]
        == 0
    )
    assert (
        inbeeld(
            "user",
            "add",
            "trajectcoach@pro-tilburg.example",
            "--name",
            "Trajectcoach",
            "--role",
            "coordinator",
            "--school",
            "PRO-TILBURG",
        )[0]
        == 0
    )


def test_import_dry_run_then_real_then_cards(inbeeld, database_url, tmp_path):
    _seed(inbeeld)
    small = str(DATA / "cohort-small.csv")

    status, out, _ = inbeeld("import", small, "--dry-run")
    assert status == 0
    assert "Proefimport" in out and "Nieuw: 40 leerlingen." in out
    assert _count(database_url, Youth) == 0

    status, out, _ = inbeeld("import", small)
    assert status == 0 and "Import klaar." in out and "Nieuw: 40." in out
    assert _count(database_url, Youth) == 40

    status, out, _ = inbeeld("import", str(DATA / "cohort-small-en.csv"), "--lang", "en")
    assert status == 0 and "Unchanged: 40." in out
    assert _count(database_url, Youth) == 40

    cards_csv = tmp_path / "cards.csv"
    status, out, _ = inbeeld("invites", "--format", "csv", "--output", str(cards_csv))
    assert status == 0 and "40 invitations" in out
    rows = list(csv.reader(io.StringIO(cards_csv.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0] == ["roepnaam", "achternaam", "school", "link", "geldig tot", "taal"]
    assert len(rows) == 41
    assert {"Daan", "Kerem", "Ömer"} <= {row[0] for row in rows[1:]}
    assert all(row[3].startswith("https://t.me/InBeeldTestBot?start=") for row in rows[1:])

    cards_pdf = tmp_path / "cards.pdf"
    status, out, _ = inbeeld(
        "invites", "--school", "pro-dongen", "--format", "pdf", "--output", str(cards_pdf)
    )
    assert status == 0 and "11 invitations" in out
    text = "\n".join(page.extract_text() for page in PdfReader(cards_pdf).pages)
    assert "Daan de Vries" in text and "Pro-Dongen" in text
    # The PDF run revoked the CSV's links for PRO-DONGEN: 11 revoked, 40 usable.
    assert _count(database_url, Invitation, Invitation.revoked_at.is_not(None)) == 11
    assert _count(database_url, Invitation, Invitation.revoked_at.is_(None)) == 40


def test_a_file_with_errors_exits_1_and_prints_every_error(inbeeld, database_url):
    _seed(inbeeld)
    broken = DATA / "cohort-broken.csv"
    from bot.cohort import parse_cohort

    expected = parse_cohort(
        broken.read_bytes(),
        known_schools=dict.fromkeys(SCHOOLS, 1),
        known_coordinators={
            "aandacht@regio-midden-brabant.example": 1,
            "trajectcoach@pro-tilburg.example": 2,
        },
    ).error_messages()
    assert expected

    status, out, _ = inbeeld("import", str(broken))

    assert status == 1
    assert "niets opgeslagen" in out
    for message in expected:
        assert message in out
    assert _count(database_url, Youth) == 0
    status, out, _ = inbeeld("import", str(broken), "--lang", "en", "--dry-run")
    assert status == 1 and "Nothing is saved" in out


def test_unreadable_input_and_unknown_names_exit_2(inbeeld, tmp_path):
    _seed(inbeeld)
    status, _, err = inbeeld("import", str(tmp_path / "nope.csv"))
    assert status == 2 and "cannot read" in err
    status, _, err = inbeeld("invites", "--school", "X", "--format", "csv", "--output", "a.csv")
    assert status == 2 and "no school" in err
    assert not (tmp_path / "a.csv").exists()
    status, _, err = inbeeld("invites", "--format", "csv", "--output", "missing/dir/a.csv")
    assert status == 2 and "does not exist" in err
    status, _, err = inbeeld("user", "link-telegram", "niemand@example.nl")
    assert status == 2 and "no account" in err
    with pytest.raises(SystemExit) as exited:
        inbeeld("school", "add", "PRO-X", "--name", "X", "--type", "mbo", "--region", "M-B")
    assert exited.value.code == 2


def test_domain_errors_exit_2_and_write_nothing(inbeeld, database_url):
    _seed(inbeeld)
    status, _, err = inbeeld(
        "school", "add", "pro-dongen", "--name", "Dubbel", "--type", "pro", "--region", "M-B"
    )
    assert status == 2 and "already exists" in err
    status, _, err = inbeeld("user", "add", "leraar@example.nl", "--name", "L", "--role", "school")
    assert status == 2 and "--school" in err
    status, _, err = inbeeld(
        "user", "add", "AANDACHT@regio-midden-brabant.example", "--name", "A", "--role", "admin"
    )
    assert status == 2 and "already exists" in err
    assert _count(database_url, School) == 6
    assert _count(database_url, StaffUser) == 2


def test_user_add_prints_a_setup_link_never_a_password(inbeeld, monkeypatch):
    async def fake_setup(database, user, clock):
        return f"/password/setup-for-{user.id}"

    monkeypatch.setattr(org_commands, "password_setup_path", fake_setup)
    monkeypatch.setenv("INBEELD_PUBLIC_URL", "https://panel.example/")
    _seed(inbeeld)
    status, out, _ = inbeeld(
        "user", "add", "Mentor@Example.nl", "--name", "Mentor", "--role", "school",
        "--school", "PRO-DONGEN",
    )  # fmt: skip
    assert status == 0
    assert "school mentor@example.nl added" in out
    assert "https://panel.example/password/setup-for-" in out
    assert "(one use, 72 hours)" in out


def test_user_add_issues_a_working_panel_setup_link(inbeeld, database_url):
    status, out, _ = inbeeld("user", "add", "B@Example.nl", "--name", "B", "--role", "admin")
    assert status == 0
    [line] = [line for line in out.splitlines() if line.startswith("password-setup link")]
    path = line.split(": ", 1)[1].split(" ", 1)[0]
    assert path.startswith("/password/")

    async def check() -> None:
        from admin.accounts import find_setup_link
        from bot.clock import SystemClock
        from bot.models import AuditEvent

        database = Database(database_url)
        try:
            async with database.session() as session:
                found = await find_setup_link(
                    session, SystemClock(), path.removeprefix("/password/")
                )
                assert found is not None and found[1].email == "b@example.nl"
                assert found[1].password_hash is None
                events = (await session.exec(select(AuditEvent))).all()
                assert [(e.action, e.target_user_id) for e in events] == [
                    ("user_added", found[1].id)
                ]
        finally:
            await database.dispose()

    asyncio.run(check())


def test_link_telegram_prints_a_one_time_deep_link(inbeeld, database_url):
    _seed(inbeeld)
    status, out, _ = inbeeld("user", "link-telegram", "trajectcoach@pro-tilburg.example")
    assert status == 0
    assert "https://t.me/InBeeldTestBot?start=" in out
    status, again, _ = inbeeld("user", "link-telegram", "TrajectCoach@pro-tilburg.example")
    assert status == 0 and again != out
    assert _count(database_url, Invitation, Invitation.revoked_at.is_(None)) == 1
    status, _, err = inbeeld("user", "link-telegram", "nobody")
    assert status == 2 and "no account" in err
