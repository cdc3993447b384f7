"""Who may see which youth. Every youth query in the panel starts from `visible_youths`, so the
rule lives in one place. Domain code: no aiohttp here."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.models import Region, Role, School, StaffUser, Youth


def youth_is_visible(user: StaffUser) -> ColumnElement[bool]:
    """A condition on `Youth` columns: true for the youths this user may see."""
    if user.disabled_at is not None:
        return false()
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.COORDINATOR:
        conditions: list[ColumnElement[bool]] = [col(Youth.coordinator_id) == user.id]
        if user.region_id is not None:
            conditions.append(
                col(Youth.school_id).in_(
                    select(School.id).where(col(School.region_id) == user.region_id)
                )
            )
        return or_(*conditions)
    if user.role == Role.SCHOOL and user.school_id is not None:
        return col(Youth.school_id) == user.school_id
    return false()


def visible_youths(user: StaffUser) -> SelectOfScalar[Youth]:
    return select(Youth).where(youth_is_visible(user))


async def get_visible_youth(session: AsyncSession, user: StaffUser, youth_id: int) -> Youth | None:
    """The youth, or None when it does not exist or is not this user's to see (the panel
    answers both with 404, so ids of other schools' youths reveal nothing)."""
    return (await session.exec(visible_youths(user).where(col(Youth.id) == youth_id))).first()


async def can_see_answers(session: AsyncSession, user: StaffUser, youth: Youth) -> bool:
    """Check-in answers are for coordinators and admins; schools only when their region
    allows it."""
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    if user.role != Role.SCHOOL:
        return False
    allowed = (
        await session.exec(
            select(Region.schools_see_answers)
            .join(School, col(School.region_id) == col(Region.id))
            .where(col(School.id) == youth.school_id)
        )
    ).first()
    return bool(allowed)


def school_is_visible(user: StaffUser) -> ColumnElement[bool]:
    """A condition on `School` columns: the schools whose lists (imports, invitations,
    re-offers) this user may handle. Admins all, coordinators their region, schools their own."""
    if user.disabled_at is not None:
        return false()
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.COORDINATOR and user.region_id is not None:
        return col(School.region_id) == user.region_id
    if user.role == Role.SCHOOL and user.school_id is not None:
        return col(School.id) == user.school_id
    return false()


def visible_schools(user: StaffUser) -> SelectOfScalar[School]:
    return select(School).where(school_is_visible(user)).order_by(col(School.name))


async def get_visible_school(
    session: AsyncSession, user: StaffUser, school_id: int
) -> School | None:
    """The school, or None when it does not exist or is not this user's (the panel answers
    both with 404)."""
    return (
        await session.exec(
            select(School).where(school_is_visible(user), col(School.id) == school_id)
        )
    ).first()
