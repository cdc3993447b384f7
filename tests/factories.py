"""Small builders for test data; each returns the stored row."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.invites import hash_token, new_invite_token
from bot.models import Invitation, Region, School, StaffUser, Youth


async def region(session: AsyncSession, name: str = "Midden-Brabant") -> Region:
    row = Region(name=name)
    session.add(row)
    await session.flush()
    return row


async def school(
    session: AsyncSession, region_row: Region, code: str = "PRO-TLB", name: str = "Pro Tilburg"
) -> School:
    row = School(
        code=code, name=name, type="pro", region_id=region_row.id, contact_name="Mevrouw Jansen"
    )
    session.add(row)
    await session.flush()
    return row


async def coordinator(
    session: AsyncSession,
    now: datetime,
    region_row: Region,
    email: str = "anouk@example.nl",
    name: str = "Anouk",
) -> StaffUser:
    row = StaffUser(
        email=email, name=name, role="coordinator", region_id=region_row.id, created_at=now
    )
    session.add(row)
    await session.flush()
    return row


async def youth(
    session: AsyncSession,
    now: datetime,
    school_row: School,
    *,
    first_name: str = "Sem",
    student_number: str = "1001",
    date_of_birth: date = date(2008, 5, 1),
    leaving_date: date = date(2026, 7, 1),
    profile: str = "arbeid",
    language: str = "nl",
    participation: str = "onbekend",
    coordinator_row: StaffUser | None = None,
    representative_required: bool = False,
) -> Youth:
    row = Youth(
        school_id=school_row.id,
        student_number=student_number,
        first_name=first_name,
        date_of_birth=date_of_birth,
        leaving_date=leaving_date,
        profile=profile,
        municipality="Tilburg",
        language=language,
        participation=participation,
        coordinator_id=coordinator_row.id if coordinator_row else None,
        representative_required=representative_required,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def invitation(
    session: AsyncSession,
    now: datetime,
    *,
    youth_row: Youth | None = None,
    staff_row: StaffUser | None = None,
    days: int = 90,
) -> str:
    token = new_invite_token()
    session.add(
        Invitation(
            token_hash=hash_token(token),
            youth_id=youth_row.id if youth_row else None,
            staff_user_id=staff_row.id if staff_row else None,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    await session.flush()
    return token
