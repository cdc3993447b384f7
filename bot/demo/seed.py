"""Seeds the demo region once; re-running the demo reuses what is there.

Invitation tokens are stored only as hashes, so the demo keeps the plain ones in its own state
file (inside the demo's data directory) to put them behind the phone page's start button.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyotp
from sqlmodel import select

from admin.security.passwords import hash_password
from admin.security.sealing import seal
from bot.config import Settings
from bot.conversations.plans import PlanSync
from bot.demo import cast
from bot.invites import hash_token, invite_expires_at, new_invite_token
from bot.models import Invitation, Region, School, StaffUser, Youth
from bot.storage.db import Database


@dataclass(frozen=True)
class DemoState:
    totp_secret: str
    youth_tokens: dict[int, str]  # telegram id -> invitation token
    coordinator_token: str

    def save(self, path: Path) -> None:
        data = {
            "totp_secret": self.totp_secret,
            "youth_tokens": {str(k): v for k, v in self.youth_tokens.items()},
            "coordinator_token": self.coordinator_token,
        }
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path) -> DemoState:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            totp_secret=data["totp_secret"],
            youth_tokens={int(k): v for k, v in data["youth_tokens"].items()},
            coordinator_token=data["coordinator_token"],
        )


async def seed_demo(
    database: Database, settings: Settings, plans: PlanSync, now: datetime, state_file: Path
) -> DemoState:
    async with database.transaction() as session:
        existing = (
            await session.exec(select(School).where(School.code == cast.SCHOOL_CODE))
        ).first()
        if existing is not None and state_file.exists():
            return DemoState.load(state_file)

        region = Region(name=cast.REGION)
        session.add(region)
        await session.flush()
        totp_secret = pyotp.random_base32()
        staff = {}
        for email, name, role in (
            (cast.COORDINATOR_EMAIL, cast.COORDINATOR_NAME, "coordinator"),
            (cast.ADMIN_EMAIL, cast.ADMIN_NAME, "admin"),
        ):
            staff[role] = StaffUser(
                email=email,
                name=name,
                role=role,
                region_id=region.id,
                password_hash=hash_password(cast.DEMO_PASSWORD),
                totp_secret=seal(settings, totp_secret),
                created_at=now,
            )
            session.add(staff[role])
        await session.flush()
        school = School(
            code=cast.SCHOOL_CODE,
            name=cast.SCHOOL_NAME,
            type="pro",
            region_id=region.id,  # type: ignore[arg-type]
            contact_name=cast.SCHOOL_CONTACT,
            default_coordinator_id=staff["coordinator"].id,
        )
        session.add(school)
        await session.flush()

        tokens: dict[int, str] = {}
        for person in cast.YOUTHS:
            youth = Youth(
                school_id=school.id,  # type: ignore[arg-type]
                student_number=person.student_number,
                first_name=person.first_name,
                last_name=person.last_name,
                date_of_birth=person.date_of_birth,
                leaving_date=person.leaving_date,
                profile=person.profile,
                municipality="Tilburg",
                language=person.language,
                coordinator_id=staff["coordinator"].id,
                created_at=now,
                updated_at=now,
            )
            session.add(youth)
            await session.flush()
            tokens[person.telegram_id] = _invite(session, now, youth_id=youth.id)
            await plans.sync(session, youth, now)
        coordinator_token = _invite(session, now, staff_user_id=staff["coordinator"].id)
    state = DemoState(totp_secret, tokens, coordinator_token)
    state.save(state_file)
    return state


def _invite(
    session, now: datetime, *, youth_id: int | None = None, staff_user_id: int | None = None
) -> str:  # type: ignore[no-untyped-def]
    token = new_invite_token()
    session.add(
        Invitation(
            token_hash=hash_token(token),
            youth_id=youth_id,
            staff_user_id=staff_user_id,
            created_at=now,
            expires_at=invite_expires_at(now),
        )
    )
    return token


async def coordinator_linked(database: Database) -> bool:
    async with database.session() as session:
        staff = (
            await session.exec(select(StaffUser).where(StaffUser.email == cast.COORDINATOR_EMAIL))
        ).first()
    return staff is not None and staff.telegram_chat_id is not None
