"""The transactional outbox and its dispatcher.

Writing: `enqueue(session, message, ...)` adds a row in the caller's transaction, so an answer,
its new flow state and the reply commit together or not at all.

Sending: `Dispatcher(database, channel, clock, worker_id=...)`, with `drain()` (everything due
now, then return), `run_forever()` and `stop()`.

Handing over: a transaction in the dispatcher's own process that enqueued rows (the router's,
for a reply) may claim them for it with `dispatcher.claim_new(session, ids, now)` before it
commits and `dispatcher.offer(batch, complete=...)` after: the dispatcher then sends them
without a claim transaction of its own. Same claim rule as the dispatcher's (due, chat not busy:
a reply never overtakes an earlier message of its chat); what it does not claim stays pending.
A claim rolled back with its transaction never happened; a claimed row whose process dies is
claimable again when the lease ends, as any claim.

Guarantees
- Order: higher `priority` first (crisis replies skip the queue), then `not_before`, then id.
  Per chat strictly in id order: one message per chat in flight, a later message never overtakes
  an earlier one that is due or being retried (a message scheduled for later does not block).
- Pacing by the dispatcher itself: sends start 1/rate apart, and `per_chat_interval` apart per
  chat; the network calls themselves are limited again (at most `rate` in any second, per-chat
  spacing), so a stalled send-time check cannot release a burst; a global 429 pauses every send
  for exactly `retry_after`.
- Send-time check, in one transaction with marking the row `sending`: consent for check-ins
  (derived from the ledger), unreachable youth, pause, open human conversation. A withdrawal
  committed before that transaction means the message is not sent (`cancelled`, reason in
  `last_error`). Pause policy (paused while the Amsterdam date is on or before `paused_until`):
  automated messages (check-ins, reminders, re-offers) are cancelled, not kept: a question sent
  after a three-month rest is stale, and the planner plans anew when the pause ends; replies,
  crisis and staff messages are sent. An open human conversation (`hold_check`) holds automated
  messages for `hold_for`, then checks again.
- Several workers on one database (each with a unique `worker_id`, see `INBEELD_WORKER_ID`, and
  its share of the global rate): PostgreSQL claims with `FOR UPDATE SKIP LOCKED`; SQLite with
  one `UPDATE ... RETURNING`. A claim is a lease; a crashed worker's rows are claimable again
  once the lease ends.
- Transient failures (5xx, timeouts, dropped connections) are retried with backoff until the
  policy gives up. The Bot API has no idempotency key: a call that went unanswered may have been
  carried out. So before such a message is sent again, it is checked (below).

Unanswered sends: a crash between marking a row `sending` (committed just before the network
call) and recording the answer leaves it in `sending`; a timeout or a dropped connection leaves
the same doubt while running. With a `ProbingChannel` (Telegram's, the in-memory one) the row
becomes `checking` and the dispatcher asks the network whether the message arrived
(`bot.delivery.checking`): found, it is recorded as sent with its message id; missing, it is
sent again. Either way it is shown exactly once. `reconcile()` (at start, and for expired leases
while running) takes over the rows a stopped worker left. The check needs a later send to bound
the message ids to search; when none comes within `check_patience`, a `Marker` (the check chat,
if the deployment has one) sends a message for its id. Without one, when the range is too wide,
or when another message of the chat is unaccounted for, the row is settled as before these
checks: an unanswered call is retried (a second copy if it had arrived), a crash's row becomes
`uncertain` and is not resent, since a youth shown the same question twice is confused (crisis
rows, priority >= PRIORITY_CRISIS, are sent again: a duplicate crisis reply is better than
none). An `uncertain` check-in that never arrived is not silence forever: the reminder ladder
(day 3 and 7) asks the open question again and the silence signal follows. Coordinators see it
too: the youth's timeline entry (`ChatMessage.outbox_id` links it to this row) says that the
message is being checked, or may not have arrived (`admin/views/delivery.py`).
No more sends are in flight than the channel has connections, so a `sending` row does not queue
for one. The channel's own timeout must be shorter than the lease (default two minutes).
"""

from bot.delivery.dispatcher import Dispatcher, DispatchStats
from bot.delivery.outbox import (
    PRIORITY_CRISIS,
    PRIORITY_REPLY,
    PRIORITY_ROUTINE,
    Status,
    enqueue,
)
from bot.delivery.retry import RATE_LIMITED, RATE_LIMITED_CHAT, RetryPolicy
from bot.delivery.store import Cancel, HoldCheck, Reconciled

__all__ = [
    "PRIORITY_CRISIS",
    "PRIORITY_REPLY",
    "PRIORITY_ROUTINE",
    "RATE_LIMITED",
    "RATE_LIMITED_CHAT",
    "Cancel",
    "DispatchStats",
    "Dispatcher",
    "HoldCheck",
    "Reconciled",
    "RetryPolicy",
    "Status",
    "enqueue",
]
