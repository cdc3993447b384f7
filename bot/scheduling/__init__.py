"""Scheduling as pure functions: programmes, the send window, the planner, catch-up and replan.

Nothing here touches the database, Telegram, aiohttp or the clock: `now` is always passed in.
The service stores each planned contact as a row keyed by (youth, key) and one job ticks.
"""

from bot.scheduling.calendar import (
    add_months,
    birthday,
    days_until_birthday,
    months_since_leaving,
)
from bot.scheduling.catchup import Resolution, Skipped, resolve_missed
from bot.scheduling.contacts import ContactKind, ContactStatus, PlannedContact, StoredContact
from bot.scheduling.nudges import plan_nudges
from bot.scheduling.planner import (
    ConsentState,
    Participation,
    Profile,
    plan_contacts,
    term_end,
)
from bot.scheduling.programme import (
    DEFAULT_PROGRAMME_ID,
    Programme,
    ProgrammeError,
    load_programme,
    load_programmes,
    parse_programme,
)
from bot.scheduling.replan import ReplanResult, replan
from bot.scheduling.window import (
    DEFAULT_WINDOW,
    SendWindow,
    in_window,
    next_window_start,
)

__all__ = [
    "DEFAULT_PROGRAMME_ID",
    "DEFAULT_WINDOW",
    "ConsentState",
    "ContactKind",
    "ContactStatus",
    "Participation",
    "PlannedContact",
    "Profile",
    "Programme",
    "ProgrammeError",
    "ReplanResult",
    "Resolution",
    "SendWindow",
    "Skipped",
    "StoredContact",
    "add_months",
    "birthday",
    "days_until_birthday",
    "in_window",
    "load_programme",
    "load_programmes",
    "months_since_leaving",
    "next_window_start",
    "parse_programme",
    "plan_contacts",
    "plan_nudges",
    "replan",
    "resolve_missed",
    "term_end",
]
