"""Regions, schools and staff accounts as the CLI (and later the panel) create them.

Domain code: a session in, rows out, and an `OrganisationError` with a readable message for
anything a person typed wrong. No aiohttp, no Telegram.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cohort.values import is_plausible_email
from bot.invites import deep_link, hash_token, new_invite_token
from bot.models import Invitation, Region, Role, School, SchoolType, StaffUser

# A staff link makes a Telegram chat receive alerts about youths: keep it short-lived.
STAFF_LINK_VALIDITY = timedelta(days=7)
_SCHOOL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}", re.ASCII)
_MAX_NAME = 120


class OrganisationError(ValueError):
    """A request about schools or staff cannot be carried out; `code` is stable for tests."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


async def add_school(
    session: AsyncSession,
    code: str,
    name: str,
    type: str,
    region_name: str,
    now: datetime,
) -> School:
    """Create a school, and its region when the region is new."""
    del now  # schools carry no timestamps yet; kept so every domain call has the same shape
    code = code.strip()
    if not _SCHOOL_CODE.fullmatch(code):
        raise OrganisationError(
            "school_code_invalid",
            f"school code {code!r} is not valid: use 1-40 letters, digits, '.', '_' or '-'",
        )
    name = _required_name(name, "school name", limit=200)
    kind = type.strip().lower()
    if kind not in {t.value for t in SchoolType}:
        allowed = "|".join(t.value for t in SchoolType)
        raise OrganisationError("school_type_invalid", f"school type {type!r}: use {allowed}")
    if await _school_by_code(session, code) is not None:
        raise OrganisationError("school_exists", f"a school with code {code!r} already exists")
    region = await _region(session, _required_name(region_name, "region name"), create=True)
    assert region is not None and region.id is not None
    school = School(code=code, name=name, type=kind, region_id=region.id)
    session.add(school)
    await session.flush()
    return school


async def add_user(
    session: AsyncSession,
    email: str,
    name: str,
    role: str,
    school_code: str | None = None,
    region_name: str | None = None,
    *,
    now: datetime,
) -> StaffUser:
    """Create a staff account without a password (a setup link is issued separately).

    - `school`: needs `school_code`; sees that school only.
    - `coordinator`: needs a region, named or taken from `school_code`; when a school is named
      and has no default coordinator yet, this coordinator becomes its default, so cohort rows
      with an empty `begeleider` have someone.
    - `admin`: belongs to no school or region.
    """
    address = email.strip().lower()
    if not is_plausible_email(address):
        raise OrganisationError("email_invalid", f"{email!r} is not a valid e-mail address")
    name = _required_name(name, "name")
    try:
        kind = Role(role.strip().lower())
    except ValueError:
        allowed = "|".join(r.value for r in Role)
        raise OrganisationError("role_invalid", f"role {role!r}: use {allowed}") from None
    existing = await session.exec(select(StaffUser.id).where(StaffUser.email == address))
    if existing.first() is not None:
        raise OrganisationError("user_exists", f"an account for {address} already exists")

    school = None
    if school_code:
        school = await _school_by_code(session, school_code.strip())
        if school is None:
            raise OrganisationError("school_unknown", f"no school with code {school_code!r}")
    region = await _region(session, region_name.strip(), create=False) if region_name else None
    if region_name and region is None:
        raise OrganisationError("region_unknown", f"no region called {region_name!r}")

    if kind is Role.SCHOOL and school is None:
        raise OrganisationError("school_required", "a school user needs --school CODE")
    if kind is Role.ADMIN and (school is not None or region is not None):
        raise OrganisationError("admin_has_no_school", "an admin belongs to no school or region")
    if kind is Role.COORDINATOR and region is None and school is None:
        raise OrganisationError(
            "region_required", "a coordinator needs --region REGION (or --school CODE)"
        )
    if school is not None and region is not None and school.region_id != region.id:
        raise OrganisationError(
            "region_mismatch", f"school {school.code} is not in region {region.name!r}"
        )
    # Only a coordinator's scope is a region; a school user's is their school (as the panel).
    region_id = None
    if kind is Role.COORDINATOR:
        region_id = region.id if region else school.region_id if school else None
    user = StaffUser(
        email=address,
        name=name,
        role=kind,
        school_id=school.id if school and kind is Role.SCHOOL else None,
        region_id=region_id,
        created_at=_aware(now),
    )
    session.add(user)
    await session.flush()
    if kind is Role.COORDINATOR and school is not None and school.default_coordinator_id is None:
        school.default_coordinator_id = user.id
        session.add(school)
        await session.flush()
    return user


async def find_user(session: AsyncSession, email: str) -> StaffUser | None:
    address = email.strip().lower()
    return (await session.exec(select(StaffUser).where(StaffUser.email == address))).first()


async def coordinator_link(
    session: AsyncSession, staff: StaffUser, bot_username: str, now: datetime
) -> str:
    """A one-time deep link that ties the coordinator's Telegram chat to their account.

    Earlier unused links of this account stop working, so only the newest printed link counts.
    """
    if staff.role != Role.COORDINATOR:
        raise OrganisationError(
            "not_a_coordinator", f"{staff.email} is not a coordinator (role {staff.role})"
        )
    if staff.disabled_at is not None:
        raise OrganisationError("user_disabled", f"the account of {staff.email} is disabled")
    now = _aware(now)
    await session.exec(
        update(Invitation)
        .where(
            col(Invitation.staff_user_id) == staff.id,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    token = new_invite_token()
    link = deep_link(bot_username, token)  # checks the username before anything is stored
    session.add(
        Invitation(
            token_hash=hash_token(token),
            staff_user_id=staff.id,
            created_at=now,
            expires_at=now + STAFF_LINK_VALIDITY,
        )
    )
    await session.flush()
    return link


async def _school_by_code(session: AsyncSession, code: str) -> School | None:
    # Cohort files match codes case-insensitively, so two codes differing in case would clash.
    statement = select(School).where(func.lower(School.code) == code.lower())
    return (await session.exec(statement)).first()


async def _region(session: AsyncSession, name: str, *, create: bool) -> Region | None:
    statement = select(Region).where(func.lower(Region.name) == name.lower())
    region = (await session.exec(statement)).first()
    if region is None and create:
        region = Region(name=name)
        session.add(region)
        await session.flush()
    return region


def _required_name(value: str, what: str, limit: int = _MAX_NAME) -> str:
    text = " ".join(value.split())
    if not text:
        raise OrganisationError("name_required", f"{what} is empty")
    if len(text) > limit:
        raise OrganisationError("name_too_long", f"{what} is longer than {limit} characters")
    return text


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now
