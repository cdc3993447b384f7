"""Signals as stored rows: idempotent inserts, and a youth's signals with their trend."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Signal
from bot.signals import Evidence, Severity, SignalHit
from bot.storage.dialects import dialect_of, insert_for

TREND_WINDOW = timedelta(days=90)


def reason_of(hit: SignalHit) -> dict[str, Any]:
    """The WHY of a signal: the rule, and each answer/event/fact with its date. Never free text
    (the evaluator only passes a crisis category for text answers)."""
    dated = [e.at for e in hit.evidence if e.at is not None and e.kind != "previous_answer"]
    return {
        "rule": hit.rule_id,
        "description": hit.description,
        "severity": str(hit.severity),
        "since": min(dated).isoformat() if dated else None,
        "evidence": [
            {
                "kind": e.kind,
                "key": e.key,
                "value": e.value,
                "at": e.at.isoformat() if e.at else None,
                "source": e.source_id,
            }
            for e in hit.evidence
        ],
    }


def hit_of(signal: Signal) -> SignalHit:
    """A stored signal back as a hit (for `bot.escalation.build_alert`)."""
    reason = signal.reason or {}
    evidence = tuple(
        Evidence(
            kind=str(e.get("kind", "")),
            key=str(e.get("key", "")),
            value=str(e.get("value", "")),
            at=datetime.fromisoformat(e["at"]) if e.get("at") else None,
            source_id=e.get("source"),
        )
        for e in reason.get("evidence", [])
    )
    return SignalHit(
        rule_id=signal.rule_id,
        description=str(reason.get("description", signal.rule_id)),
        severity=Severity(signal.severity),
        evidence=evidence,
        idempotence_key=signal.source_key,
    )


async def store_hits(
    session: AsyncSession, youth_id: int, hits: list[SignalHit], now: datetime
) -> list[tuple[Signal, SignalHit]]:
    """Insert each hit unless its (youth, rule, source_key) exists; return only the new ones.

    A redelivered update, a re-run tick or a second evaluation of the same check-in produces the
    same idempotence keys, so nothing is stored (or alerted) twice, even by two processes at once.
    """
    insert = insert_for(dialect_of(session))
    new: list[tuple[Signal, SignalHit]] = []
    for hit in hits:
        statement = (
            insert(Signal)
            .values(
                youth_id=youth_id,
                rule_id=hit.rule_id,
                severity=str(hit.severity),
                source_key=hit.idempotence_key[:120],
                reason=reason_of(hit),
                fired_at=now,
            )
            .on_conflict_do_nothing(index_elements=["youth_id", "rule_id", "source_key"])
            .returning(col(Signal.id))
        )
        connection = await session.connection()
        signal_id = (await connection.execute(statement)).scalar_one_or_none()
        if signal_id is not None:
            signal = await session.get(Signal, signal_id)
            assert signal is not None
            new.append((signal, hit))
    return new


@dataclass(frozen=True)
class SignalView:
    id: int
    rule_id: str
    description: str
    severity: str
    fired_at: datetime
    since: datetime | None  # when the answer was given or the event happened
    escalation_id: int | None
    reason: dict[str, Any]


@dataclass(frozen=True)
class SignalTimeline:
    """A youth's signals, oldest first, and whether they come more or less often lately.

    `trend` compares attention and urgent signals in the last 90 days with the 90 days before:
    "rising", "falling", "steady", or "none" when there are none in either window.
    """

    signals: tuple[SignalView, ...]
    recent: int
    earlier: int
    trend: str
    by_month: tuple[tuple[str, int], ...]


async def signals_for(
    session: AsyncSession, youth_id: int, *, now: datetime | None = None
) -> SignalTimeline:
    rows = (
        await session.exec(
            select(Signal)
            .where(Signal.youth_id == youth_id)
            .order_by(col(Signal.fired_at), col(Signal.id))
        )
    ).all()
    views = tuple(
        SignalView(
            id=r.id,  # type: ignore[arg-type]
            rule_id=r.rule_id,
            description=str((r.reason or {}).get("description", r.rule_id)),
            severity=r.severity,
            fired_at=r.fired_at,
            since=_since(r),
            escalation_id=r.escalation_id,
            reason=r.reason or {},
        )
        for r in rows
    )
    reference = now or (views[-1].fired_at if views else None)
    serious = [v for v in views if v.severity != Severity.INFO]
    recent = earlier = 0
    if reference is not None:
        recent = sum(1 for v in serious if reference - TREND_WINDOW < v.fired_at <= reference)
        earlier = sum(
            1
            for v in serious
            if reference - 2 * TREND_WINDOW < v.fired_at <= reference - TREND_WINDOW
        )
    if recent == earlier == 0:
        trend = "none"
    elif recent > earlier:
        trend = "rising"
    elif recent < earlier:
        trend = "falling"
    else:
        trend = "steady"
    months = Counter(v.fired_at.strftime("%Y-%m") for v in views)
    return SignalTimeline(views, recent, earlier, trend, tuple(sorted(months.items())))


def _since(signal: Signal) -> datetime | None:
    value = (signal.reason or {}).get("since")
    return datetime.fromisoformat(value) if value else None
