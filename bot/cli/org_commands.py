"""`inbeeld school add` and `inbeeld user add|link-telegram`."""

from __future__ import annotations

import argparse

from bot.audit import AuditAction, record_event
from bot.cli.dbaccess import fail, open_database
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.models import Role, SchoolType, StaffUser
from bot.organisations import OrganisationError, add_school, add_user, coordinator_link, find_user
from bot.storage.db import Database


def register_school(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("school", help="schools")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a school (its region is created when new)")
    add.add_argument("code", metavar="CODE", help="the code cohort files use, e.g. PRO-TILBURG")
    add.add_argument("--name", required=True, help="the school's name as people know it")
    add.add_argument("--type", required=True, choices=[t.value for t in SchoolType])
    add.add_argument("--region", required=True, help="region name, e.g. Midden-Brabant")
    add.set_defaults(handler=_school_add)


def register_user(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("user", help="staff accounts")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add a staff account and print a one-time password-setup link",
        description="Adds a staff account without a password and prints a one-time link to "
        "set one. A coordinator named with --school becomes that school's default "
        "coordinator when it has none.",
    )
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--school", metavar="CODE", help="required for the school role")
    add.add_argument("--region", metavar="REGION", help="a coordinator's region")
    add.set_defaults(handler=_user_add)
    link = actions.add_parser(
        "link-telegram",
        help="print a coordinator's one-time Telegram link (older unused links stop working)",
    )
    link.add_argument("email", metavar="EMAIL")
    link.set_defaults(handler=_link_telegram)


async def _school_add(args: argparse.Namespace) -> int:
    clock = SystemClock()
    async with open_database() as (_settings, database):
        try:
            async with database.transaction() as session:
                school = await add_school(
                    session, args.code, args.name, args.type, args.region, clock.now()
                )
        except OrganisationError as error:
            return fail(str(error))
    print(f"school {school.code} added ({school.type}, region id {school.region_id})")
    return 0


async def _user_add(args: argparse.Namespace) -> int:
    clock = SystemClock()
    async with open_database() as (settings, database):
        try:
            async with database.transaction() as session:
                user = await add_user(
                    session,
                    args.email,
                    args.name,
                    args.role,
                    args.school,
                    args.region,
                    now=clock.now(),
                )
                # As the panel records it; no actor: the CLI runs with the server's rights.
                await record_event(
                    session,
                    clock,
                    action=AuditAction.USER_ADDED,
                    actor_id=None,
                    target_user_id=user.id,
                    detail={"role": str(user.role), "via": "cli"},
                )
        except OrganisationError as error:
            return fail(str(error))
        print(f"{user.role} {user.email} added (id {user.id})")
        path = await password_setup_path(database, user, clock)
    print(f"password-setup link (one use, 72 hours): {_absolute(settings, path)}")
    if user.role == Role.COORDINATOR:
        print(f"link their Telegram with: inbeeld user link-telegram {user.email}")
    return 0


async def password_setup_path(database: Database, user: StaffUser, clock: Clock) -> str:
    """The panel's one-time password-setup link path for `user` (the panel owns the tokens)."""
    from admin.accounts import issue_password_setup

    return await issue_password_setup(database, user, clock)


def _absolute(settings: Settings, path: str) -> str:
    if settings.public_url:
        return settings.public_url + path
    return f"{path} (on the panel's address; set INBEELD_PUBLIC_URL to print a full link)"


async def _link_telegram(args: argparse.Namespace) -> int:
    clock = SystemClock()
    async with open_database() as (settings, database):
        try:
            async with database.transaction() as session:
                staff = await find_user(session, args.email)
                if staff is None:
                    return fail(f"no account for {args.email.strip().lower()}")
                link = await coordinator_link(session, staff, settings.bot_username, clock.now())
        except OrganisationError as error:
            return fail(str(error))
    print(f"Telegram link for {staff.email} (one use, 7 days): {link}")
    return 0
