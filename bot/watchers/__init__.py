"""The service side of signals, escalations, the crisis protocol and the human handoff.

`build_watchers(services, runner)` returns the `WatchersService` the inbound router calls
(`bot.conversations.hooks.Watchers`). Besides the protocol it offers:

- the tick: `await escalation_tick(watchers)` (or `watchers.tick()`): reminders, backup
  coordinators, blocked-bot events from the dispatcher, e-mail fallback;
- the panel's escalation API (`bot.watchers.lifecycle`): `acknowledge`, `start_work`,
  `request_handover`, `accept_handover`, `withdraw_handover`, `close`;
- `watchers.send_staff_message(session, youth, staff, text, now)`;
- `signals_for(session, youth_id)` for the timeline.

Direct sends (the crisis reply, urgent alerts) and e-mails start right after the caller's
transaction commits, through the session's own `after_commit` event (`aftercommit.py`), so the
router, the tick and the panel need no extra wiring; they run as background tasks, which
`await watchers.settle()` waits for (call it at shutdown).

A coordinator who answers a youth (a Telegram reply, or `send_staff_message`) or taps "Ik pak
het op" moves the escalation to `acknowledged`; `bot.outreach.holds` treats `acknowledged` and
`in_progress` as an open human conversation and holds automated check-ins meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.escalation import DEFAULT_POLICY, AckPolicy
from bot.signals import load_rules
from bot.watchers.direct import DirectSender, Sleep
from bot.watchers.lifecycle import (
    EscalationNotFound,
    accept_handover,
    acknowledge,
    close,
    request_handover,
    start_work,
    withdraw_handover,
)
from bot.watchers.mail import Mailer, MailSettings
from bot.watchers.notify import Notifier
from bot.watchers.service import RelayError, WatchersService
from bot.watchers.signalstore import SignalTimeline, SignalView, signals_for
from bot.watchers.tick import TickReport, run_tick

if TYPE_CHECKING:
    from bot.context import Services
    from bot.conversations.runner import FlowRunner

__all__ = [
    "EscalationNotFound",
    "MailSettings",
    "Mailer",
    "RelayError",
    "SignalTimeline",
    "SignalView",
    "TickReport",
    "WatchersService",
    "accept_handover",
    "acknowledge",
    "build_watchers",
    "close",
    "escalation_tick",
    "request_handover",
    "signals_for",
    "start_work",
    "withdraw_handover",
]


def build_watchers(
    services: Services,
    runner: FlowRunner | None = None,
    *,
    mailer: Mailer | None = None,
    policy: AckPolicy = DEFAULT_POLICY,
    sleep: Sleep | None = None,
) -> WatchersService:
    """The watchers for a running service. `runner` is accepted for the composition root."""
    settings = services.settings
    if mailer is None:
        mail_settings = MailSettings.from_settings(settings)
        mailer = Mailer(mail_settings) if mail_settings else None
    direct = None
    if services.channel is not None:
        kwargs = {"sleep": sleep} if sleep is not None else {}
        direct = DirectSender(services.database, services.channel, services.clock, **kwargs)
    holder: list[WatchersService] = []
    notifier = Notifier(
        services.database,
        services.clock,
        panel_url=settings.panel_url,
        direct=direct,
        mailer=mailer,
        spawn=lambda factory: holder[0].spawn(factory),
        policy=policy,
    )
    service = WatchersService(
        services.database,
        services.clock,
        notifier=notifier,
        direct=direct,
        rules=load_rules(),
        policy=policy,
    )
    holder.append(service)
    return service


async def escalation_tick(watchers: WatchersService, now: datetime | None = None) -> TickReport:
    """One pass of reminders, backups, blocked events and e-mail; call it from the service tick.

    Same as `await watchers.tick(now)`."""
    return await run_tick(watchers, now or watchers.clock.now())
