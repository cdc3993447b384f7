"""Cohort imports from the panel: the uploaded file, its dry run, the confirmed import.

The uploaded bytes stay in this process's memory (never in the database: a cohort file is a
list of names and dates of birth) under a random id, with their SHA-256. The confirmation
names that hash, so the import writes exactly the file whose preview the user saw; nobody can
swap the file in between, and a re-upload is a new preview. Uploads expire after 30 minutes.

Checking and importing run as background tasks (a 20,000-row file takes a while); the page
polls their state. The database work itself is `bot.cohort.apply.import_cohort`, reached
through the `CohortImporter` interface so tests can hold it back or stand in for it.
Domain code: no aiohttp.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.i18n import _
from admin.scope import school_is_visible
from bot.audit import record_event
from bot.clock import Clock
from bot.cohort import CohortIssue, parse_cohort
from bot.cohort.apply import import_cohort
from bot.cohort.messages import render as render_issue
from bot.conversations.plans import PlanSync
from bot.models import Role, School, StaffUser
from bot.scheduling import load_programmes
from bot.storage.db import Database
from flows.loader import shipped_flows

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_LIFETIME = timedelta(minutes=30)
# All pending uploads together; beyond this new uploads wait (memory is the store).
MAX_STORED_BYTES = 200 * 1024 * 1024
MAX_LISTED_ISSUES = 1000
MAX_LISTED_CHANGES = 500
IMPORT_AUDIT_ACTION = "cohort_imported"


class CohortImporter(Protocol):
    """`bot.cohort.apply.import_cohort` with the panel's fixed arguments bound; returns its
    `ImportResult` (tests may return anything with the same `report`)."""

    def __call__(
        self,
        session: AsyncSession,
        data: bytes,
        *,
        dry_run: bool,
        now: datetime,
        actor_id: int | None,
    ) -> Awaitable[Any]: ...


def default_importer(zone: tzinfo) -> CohortImporter:
    """`import_cohort` with the service's programmes and flows (read on first use)."""
    plans: list[PlanSync] = []

    async def run(
        session: AsyncSession, data: bytes, *, dry_run: bool, now: datetime, actor_id: int | None
    ) -> Any:
        if not plans:
            plans.append(PlanSync(programmes=load_programmes(), flows=shipped_flows(), zone=zone))
        return await import_cohort(
            session, data, dry_run=dry_run, plans=plans[0], now=now, lang="nl", actor_id=actor_id
        )

    return run


# -- what the pages show ------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """An error or warning as the page lists it; line/column None for whole-file problems."""

    message: str
    line: int | None = None
    column: str | None = None


@dataclass(frozen=True)
class ChangedField:
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class ChangedRow:
    line: int
    student_number: str
    name: str
    fields: tuple[ChangedField, ...]


@dataclass(frozen=True)
class Outcome:
    """A dry run's preview or an import's result, as plain data for the template."""

    dry_run: bool
    ok: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: tuple[str, ...] = ()
    created_rows: tuple[ChangedRow, ...] = ()
    changed_rows: tuple[ChangedRow, ...] = ()
    errors: tuple[Issue, ...] = ()
    error_total: int = 0
    warnings: tuple[Issue, ...] = ()
    kept_participation_lines: tuple[int, ...] = ()
    declined_recorded: int = 0
    contacts_added: int = 0
    contacts_updated: int = 0
    contacts_cancelled: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _issue(issue: CohortIssue) -> Issue:
    # The page has its own line and column cells: the reason without the "Regel 3, kolom x:"
    # prefix the CLI needs.
    reason = render_issue(issue.code, "nl", None, None, issue.value, issue.params)
    return Issue(reason, issue.line, issue.column)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().strftime("%d-%m-%Y")
    if hasattr(value, "strftime"):
        return value.strftime("%d-%m-%Y")
    return str(getattr(value, "value", value))


def outcome_from_result(result: Any, *, dry_run: bool) -> Outcome:
    """Read an `ImportResult` (or a stand-in with the same `report`, a `DryRunReport`)."""
    report = result.report
    created_rows: list[ChangedRow] = []
    changed_rows: list[ChangedRow] = []
    for change in report.rows:
        row = change.row
        name = f"{row.first_name} {row.last_name}".strip()
        kind = getattr(change.kind, "value", change.kind)
        if kind == "created" and len(created_rows) < MAX_LISTED_CHANGES:
            created_rows.append(ChangedRow(row.line, row.student_number, name, ()))
        elif kind == "updated" and len(changed_rows) < MAX_LISTED_CHANGES:
            fields = tuple(
                ChangedField(item.column, _text(item.old), _text(item.new))
                for item in change.changes
            )
            changed_rows.append(ChangedRow(row.line, row.student_number, name, fields))
    return Outcome(
        dry_run=dry_run,
        ok=bool(report.ok),
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        ignored_columns=tuple(report.ignored_columns),
        created_rows=tuple(created_rows),
        changed_rows=tuple(changed_rows),
        errors=tuple(_issue(issue) for issue in report.errors[:MAX_LISTED_ISSUES]),
        error_total=len(report.errors),
        warnings=tuple(_issue(issue) for issue in report.warnings[:MAX_LISTED_ISSUES]),
        kept_participation_lines=tuple(getattr(result, "participation_kept", ())),
        declined_recorded=getattr(result, "declined_recorded", 0),
        contacts_added=getattr(result, "contacts_added", 0),
        contacts_updated=getattr(result, "contacts_updated", 0),
        contacts_cancelled=getattr(result, "contacts_cancelled", 0),
    )


# -- who may import which school ----------------------------------------------------------------


async def allowed_school_codes(session: AsyncSession, user: StaffUser) -> dict[str, int] | None:
    """School code -> id this user may import rows for; None means every school (admins)."""
    if user.role == Role.ADMIN and user.disabled_at is None:
        return None
    rows = (await session.exec(select(School.code, School.id).where(school_is_visible(user)))).all()
    return {code: school_id for code, school_id in rows if school_id is not None}


async def scope_refusal(
    session: AsyncSession, data: bytes, allowed: dict[str, int]
) -> Outcome | None:
    """For a school or coordinator account: every row of a school that is not theirs is a row
    error, listed with the file's other errors. None when the file has no such problem."""
    coordinators = (
        await session.exec(
            select(StaffUser.email, StaffUser.id).where(
                StaffUser.role == Role.COORDINATOR, col(StaffUser.disabled_at).is_(None)
            )
        )
    ).all()
    # Only their own schools count as known, so the parser flags every other school's row
    # and its message never lists other schools' codes.
    # Parsing 20,000 rows takes a second or two of CPU: not on the event loop.
    parsed = await asyncio.to_thread(
        partial(parse_cohort, data, known_schools=allowed, known_coordinators=dict(coordinators))
    )
    if parsed.ok:
        return None
    own = ", ".join(sorted(allowed)) or "-"
    errors = tuple(
        Issue(
            _(
                "'{value}' is niet jouw school. Je mag alleen leerlingen van deze school of "
                "scholen importeren: {schools}.",
                value=issue.value or "",
                schools=own,
            ),
            issue.line,
            issue.column,
        )
        if issue.code == "school_unknown"
        else _issue(issue)
        for issue in parsed.errors
    )
    return Outcome(
        dry_run=True,
        ok=False,
        ignored_columns=parsed.ignored_columns,
        errors=errors[:MAX_LISTED_ISSUES],
        error_total=len(errors),
        warnings=tuple(_issue(issue) for issue in parsed.warnings[:MAX_LISTED_ISSUES]),
    )


# -- uploads and their jobs ---------------------------------------------------------------------


class Stage(StrEnum):
    CHECKING = "checking"  # the dry run is running
    PREVIEW = "preview"  # dry run done: waiting for the user's confirmation
    IMPORTING = "importing"  # confirmed, the import is running
    DONE = "done"  # imported (or refused: the result says which)
    FAILED = "failed"  # something broke; nothing was written

    @property
    def busy(self) -> bool:
        return self in (Stage.CHECKING, Stage.IMPORTING)


@dataclass
class Upload:
    id: str
    owner_id: int
    filename: str
    data: bytes
    sha256: str
    created_at: datetime
    expires_at: datetime
    stage: Stage = Stage.CHECKING
    preview: Outcome | None = None
    result: Outcome | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def line_count(self) -> int:
        return self.data.count(b"\n") + (0 if self.data.endswith(b"\n") else 1)


class UploadRefused(Exception):
    """The upload cannot be taken; the message is for the user."""


class ImportJobs:
    """The uploads of this process and the tasks that check and import them."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        importer: CohortImporter,
    ) -> None:
        self.database = database
        self.clock = clock
        self.importer = importer
        self._uploads: dict[str, Upload] = {}

    def get(self, upload_id: str, owner_id: int) -> Upload | None:
        """The upload if it is this user's and has not expired."""
        self._expire()
        upload = self._uploads.get(upload_id)
        if upload is None or upload.owner_id != owner_id:
            return None
        return upload

    def add(self, user: StaffUser, filename: str, data: bytes) -> Upload:
        if not data:
            raise UploadRefused(_("Het bestand is leeg. Kies een CSV-bestand met leerlingen."))
        if len(data) > MAX_UPLOAD_BYTES:
            raise UploadRefused(too_large_message())
        self._expire()
        assert user.id is not None
        for other in [u for u in self._uploads.values() if u.owner_id == user.id]:
            if other.stage.busy:
                raise UploadRefused(
                    _("Je vorige bestand wordt nog verwerkt. Wacht tot dat klaar is.")
                )
            del self._uploads[other.id]  # one upload per person: the newest counts
        if sum(len(u.data) for u in self._uploads.values()) + len(data) > MAX_STORED_BYTES:
            raise UploadRefused(
                _(
                    "Er worden nu veel bestanden tegelijk verwerkt. Probeer het over een paar "
                    "minuten opnieuw."
                )
            )
        now = self.clock.now()
        upload = Upload(
            id=secrets.token_urlsafe(18),
            owner_id=user.id,
            filename=filename[:200],
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            created_at=now,
            expires_at=now + UPLOAD_LIFETIME,
        )
        self._uploads[upload.id] = upload
        upload.task = asyncio.create_task(self._check(upload, user))
        return upload

    def confirm(self, upload: Upload, user: StaffUser, sha256: str, client_address: str) -> None:
        """Start importing exactly the previewed bytes."""
        if upload.stage is not Stage.PREVIEW or upload.preview is None or not upload.preview.ok:
            raise UploadRefused(_("Dit bestand kan niet (meer) worden geïmporteerd."))
        if not secrets.compare_digest(sha256, upload.sha256):
            raise UploadRefused(
                _("Dit is niet het bestand van de proefimport. Upload het bestand opnieuw.")
            )
        upload.stage = Stage.IMPORTING  # one event loop: no second confirm can pass the check
        upload.task = asyncio.create_task(self._import(upload, user, client_address))

    def discard(self, upload: Upload) -> None:
        if not upload.stage.busy:
            self._uploads.pop(upload.id, None)

    async def wait(self, upload: Upload) -> None:
        """For tests and shutdown: until the upload's current job is finished."""
        if upload.task is not None:
            await asyncio.shield(upload.task)

    async def close(self) -> None:
        tasks = [u.task for u in self._uploads.values() if u.task and not u.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._uploads.clear()

    def _expire(self) -> None:
        now = self.clock.now()
        for upload in list(self._uploads.values()):
            if upload.expires_at <= now and not upload.stage.busy:
                del self._uploads[upload.id]

    async def _check(self, upload: Upload, user: StaffUser) -> None:
        importer = self.importer
        try:
            async with self.database.session() as session:
                allowed = await allowed_school_codes(session, user)
                refusal = (
                    await scope_refusal(session, upload.data, allowed)
                    if allowed is not None
                    else None
                )
                if refusal is not None:
                    upload.preview = refusal
                else:
                    result = await importer(
                        session,
                        upload.data,
                        dry_run=True,
                        now=self.clock.now(),
                        actor_id=user.id,
                    )
                    upload.preview = outcome_from_result(result, dry_run=True)
                await session.rollback()  # a dry run writes nothing, whatever it flushed
            upload.stage = Stage.PREVIEW
        except Exception:
            log.exception("import.check_failed", extra={"upload": upload.id[:6]})
            upload.stage = Stage.FAILED
        log.info(
            "import.checked",
            extra={"ok": bool(upload.preview and upload.preview.ok), "bytes": len(upload.data)},
        )

    async def _import(self, upload: Upload, user: StaffUser, client_address: str) -> None:
        importer = self.importer
        try:
            async with self.database.transaction() as session:
                result = await importer(
                    session, upload.data, dry_run=False, now=self.clock.now(), actor_id=user.id
                )
                outcome = outcome_from_result(result, dry_run=False)
                if outcome.ok:
                    await record_event(
                        session,
                        self.clock,
                        action=IMPORT_AUDIT_ACTION,
                        actor_id=user.id,
                        client_address=client_address,
                        detail={
                            "sha256": upload.sha256,
                            "created": outcome.created,
                            "updated": outcome.updated,
                            "unchanged": outcome.unchanged,
                        },
                    )
                # Not ok: the database changed since the preview and the file no longer fits.
                # The importer wrote nothing then (all or nothing); the result lists why.
            upload.result = outcome
            upload.stage = Stage.DONE
        except Exception:
            log.exception("import.failed", extra={"upload": upload.id[:6]})
            upload.stage = Stage.FAILED
        upload.data = b""  # imported or not, the bytes are no longer needed
        log.info("import.finished", extra={"stage": upload.stage.value})


def too_large_message() -> str:
    return _(
        "Het bestand is te groot. Een bestand mag hoogstens {mb} MB zijn. Splits de lijst in "
        "kleinere bestanden.",
        mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )
