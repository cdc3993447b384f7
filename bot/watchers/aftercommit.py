"""Run a callback right after the caller's transaction commits (and never if it rolls back).

The crisis reply and urgent alerts go out directly through the channel, not through the outbox
queue, but only once the rows that record them are committed. Callers (the inbound router, the
tick, a panel route) need not know: the callback rides on the session's own `after_commit`
event, so whoever commits the transaction triggers it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

_PENDING = "inbeeld.after_commit"
_LISTENING = "inbeeld.after_commit.listening"


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Call `callback` (synchronously, so it should only start a task) after the next commit."""
    sync = session.sync_session
    sync.info.setdefault(_PENDING, []).append(callback)
    if not sync.info.get(_LISTENING):
        event.listen(sync, "after_commit", _run)
        event.listen(sync, "after_rollback", _drop)
        sync.info[_LISTENING] = True


def _run(session: Session) -> None:
    for callback in session.info.pop(_PENDING, []):
        try:
            callback()
        except Exception:  # one failing callback must not stop the others
            log.exception("after-commit callback failed")


def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)
