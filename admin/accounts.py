"""Staff accounts: adding, disabling and password-setup links. Domain code: no aiohttp here,
so the CLI (``inbeeld user add``) and the panel share it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.i18n import _
from admin.security.passwords import check_new_password, hash_password
from admin.security.sessions import EndReason, end_all_sessions
from admin.security.tokens import new_token, token_hash
from bot.audit import AuditAction, record_event
from bot.clock import Clock
from bot.models import PasswordSetupToken, Region, Role, School, StaffUser
from bot.storage.db import Database

SETUP_LINK_LIFETIME = timedelta(hours=72)
SETUP_PATH_PREFIX = "/password/"


class AccountError(ValueError):
    """A request about an account cannot be carried out; the message is for the form."""


@dataclass(frozen=True)
class NewStaff:
    email: str
    name: str
    role: Role
    school_id: int | None = None
    region_id: int | None = None


async def issue_password_setup(database: Database, user: StaffUser, clock: Clock) -> str:
    """A fresh single-use link (path only, e.g. ``/password/<token>``) for ``user`` to set a
    password; earlier unused links of the account stop working. Valid for 72 hours."""
    async with database.transaction() as session:
        return await issue_password_setup_in(session, clock, user)


async def issue_password_setup_in(session: AsyncSession, clock: Clock, user: StaffUser) -> str:
    assert user.id is not None
    now = clock.now()
    await _revoke_setup_links(session, clock, user.id)
    raw = new_token()
    session.add(
        PasswordSetupToken(
            token_hash=token_hash(raw),
            staff_user_id=user.id,
            created_at=now,
            expires_at=now + SETUP_LINK_LIFETIME,
        )
    )
    await session.flush()
    return SETUP_PATH_PREFIX + raw


async def _revoke_setup_links(session: AsyncSession, clock: Clock, user_id: int) -> None:
    await session.exec(
        update(PasswordSetupToken)
        .where(
            col(PasswordSetupToken.staff_user_id) == user_id,
            col(PasswordSetupToken.used_at).is_(None),
            col(PasswordSetupToken.revoked_at).is_(None),
        )
        .values(revoked_at=clock.now())
    )


async def find_setup_link(
    session: AsyncSession, clock: Clock, raw_token: str
) -> tuple[PasswordSetupToken, StaffUser] | None:
    """The token and its account when the link is still usable, else None."""
    row = (
        await session.exec(
            select(PasswordSetupToken, StaffUser)
            .join(StaffUser, col(StaffUser.id) == col(PasswordSetupToken.staff_user_id))
            .where(PasswordSetupToken.token_hash == token_hash(raw_token))
        )
    ).first()
    if row is None:
        return None
    token, user = row
    if (
        token.used_at is not None
        or token.revoked_at is not None
        or token.expires_at <= clock.now()
        or user.disabled_at is not None
    ):
        return None
    return token, user


async def complete_password_setup(
    session: AsyncSession,
    clock: Clock,
    raw_token: str,
    password: str,
    confirmation: str,
    *,
    client_address: str | None = None,
) -> StaffUser:
    """Set the password through a link; the link is then spent. Raises AccountError or
    PasswordRejected (both ValueError) with a message for the form."""
    found = await find_setup_link(session, clock, raw_token)
    if found is None:
        raise AccountError(_("Deze link werkt niet meer. Vraag een beheerder om een nieuwe link."))
    token, user = found
    assert user.id is not None
    check_new_password(password, confirmation, email=user.email)
    token.used_at = clock.now()
    user.password_hash = hash_password(password)
    session.add_all([token, user])
    await end_all_sessions(session, clock, user.id, EndReason.PASSWORD_RESET)
    await record_event(
        session,
        clock,
        action=AuditAction.PASSWORD_SET,
        actor_id=user.id,
        target_user_id=user.id,
        client_address=client_address,
    )
    await session.flush()
    return user


async def add_staff_user(
    session: AsyncSession,
    clock: Clock,
    new: NewStaff,
    *,
    actor_id: int | None,
    client_address: str | None = None,
) -> tuple[StaffUser, str]:
    """Create an account without a password; returns it and its password-setup link path."""
    email = new.email.strip().lower()
    name = new.name.strip()
    if "@" not in email or len(email) > 254:
        raise AccountError(_("Vul een geldig e-mailadres in."))
    if not name:
        raise AccountError(_("Vul een naam in."))
    if new.role == Role.SCHOOL and new.school_id is None:
        raise AccountError(_("Een schoolgebruiker hoort bij een school. Kies een school."))
    if new.school_id is not None and await session.get(School, new.school_id) is None:
        raise AccountError(_("Die school bestaat niet."))
    if new.region_id is not None and await session.get(Region, new.region_id) is None:
        raise AccountError(_("Die regio bestaat niet."))
    existing = (await session.exec(select(StaffUser).where(StaffUser.email == email))).first()
    if existing is not None:
        raise AccountError(_("Er is al een account met dit e-mailadres."))
    user = StaffUser(
        email=email,
        name=name,
        role=new.role,
        school_id=new.school_id if new.role == Role.SCHOOL else None,
        region_id=new.region_id,
        created_at=clock.now(),
    )
    session.add(user)
    await session.flush()
    link = await issue_password_setup_in(session, clock, user)
    await record_event(
        session,
        clock,
        action=AuditAction.USER_ADDED,
        actor_id=actor_id,
        target_user_id=user.id,
        client_address=client_address,
        detail={"role": str(new.role)},
    )
    return user, link


async def disable_staff_user(
    session: AsyncSession,
    clock: Clock,
    user: StaffUser,
    *,
    actor_id: int | None,
    client_address: str | None = None,
) -> None:
    """Block the account: its sessions end now and its setup links stop working."""
    assert user.id is not None
    if user.disabled_at is None:
        user.disabled_at = clock.now()
        session.add(user)
    await end_all_sessions(session, clock, user.id, EndReason.DISABLED)
    await _revoke_setup_links(session, clock, user.id)
    await record_event(
        session,
        clock,
        action=AuditAction.USER_DISABLED,
        actor_id=actor_id,
        target_user_id=user.id,
        client_address=client_address,
    )


async def reset_staff_password(
    session: AsyncSession,
    clock: Clock,
    user: StaffUser,
    *,
    actor_id: int | None,
    client_address: str | None = None,
) -> str:
    """Forget the password and the second factor (a lost phone is the usual reason), end the
    sessions, and return a new setup link path. The next login enrols TOTP again."""
    assert user.id is not None
    if user.disabled_at is not None:
        raise AccountError(_("Dit account is uitgeschakeld."))
    user.password_hash = None
    user.totp_secret = None
    session.add(user)
    await end_all_sessions(session, clock, user.id, EndReason.PASSWORD_RESET)
    link = await issue_password_setup_in(session, clock, user)
    await record_event(
        session,
        clock,
        action=AuditAction.PASSWORD_RESET_ISSUED,
        actor_id=actor_id,
        target_user_id=user.id,
        client_address=client_address,
    )
    return link
