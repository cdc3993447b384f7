"""Fault injection for the Bot API side: 5xx, slow answers, dropped connections, 429 storms.

Faults come from two sources, checked in this order for every Bot API call:
1. an explicit queue ("the next N calls get X"), consumed one entry per matching call;
2. per-call probabilities drawn from a seeded `random.Random`, so runs are reproducible.
A fault can be limited to a set of method names; `None` means every method (getUpdates too).
"""

from __future__ import annotations

import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field, fields
from typing import Literal

from .ratelimit import Monotonic

FaultKind = Literal["error", "slow", "drop", "drop_after", "storm"]
FAULT_KINDS: tuple[FaultKind, ...] = ("error", "slow", "drop", "drop_after", "storm")


@dataclass(frozen=True)
class Fault:
    """One injected fault. `drop` closes the connection before the call is processed;
    `drop_after` processes it (a message IS delivered) and then closes without answering."""

    kind: FaultKind
    status: int = 502
    seconds: float = 0.0  # delay for "slow"
    retry_after: int = 1  # for "storm"
    methods: frozenset[str] | None = None

    def applies_to(self, method: str) -> bool:
        return self.methods is None or method in self.methods

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "status": self.status,
            "seconds": self.seconds,
            "retry_after": self.retry_after,
            "methods": sorted(self.methods) if self.methods is not None else None,
        }


@dataclass
class FaultRates:
    """Probabilities (0..1) per call; all zero by default."""

    error_rate: float = 0.0
    error_status: int = 502
    slow_rate: float = 0.0
    slow_seconds: float = 10.0
    drop_rate: float = 0.0
    drop_after_rate: float = 0.0
    methods: frozenset[str] | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["methods"] = sorted(self.methods) if self.methods is not None else None
        return out


@dataclass
class _Storm:
    until: float
    retry_after: int
    methods: frozenset[str] | None


def _methods(methods: object) -> frozenset[str] | None:
    if methods is None:
        return None
    if isinstance(methods, str) or not all(isinstance(m, str) for m in methods):  # type: ignore[union-attr]
        raise ValueError("methods must be a list of Bot API method names, e.g. ['sendMessage']")
    return frozenset(methods)  # type: ignore[arg-type]


@dataclass
class FaultInjector:
    seed: int = 0
    monotonic: Monotonic = time.monotonic
    rates: FaultRates = field(default_factory=FaultRates)
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._queue: deque[Fault] = deque()
        self._storm: _Storm | None = None

    # -- configuration -------------------------------------------------------------------------
    def set_rates(
        self,
        *,
        error_rate: float = 0.0,
        error_status: int = 502,
        slow_rate: float = 0.0,
        slow_seconds: float = 10.0,
        drop_rate: float = 0.0,
        drop_after_rate: float = 0.0,
        methods: list[str] | tuple[str, ...] | frozenset[str] | None = None,
    ) -> None:
        for name, rate in (
            ("error_rate", error_rate),
            ("slow_rate", slow_rate),
            ("drop_rate", drop_rate),
            ("drop_after_rate", drop_after_rate),
        ):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate!r}")
        if error_rate + slow_rate + drop_rate + drop_after_rate > 1.0:
            raise ValueError("the fault rates together must not exceed 1")
        if not 500 <= error_status <= 599:
            raise ValueError(f"error_status must be a 5xx code, got {error_status!r}")
        self.rates = FaultRates(
            error_rate,
            error_status,
            slow_rate,
            slow_seconds,
            drop_rate,
            drop_after_rate,
            _methods(methods),
        )

    def next_calls(
        self,
        kind: FaultKind,
        count: int = 1,
        *,
        status: int = 502,
        seconds: float = 10.0,
        retry_after: int = 1,
        methods: list[str] | tuple[str, ...] | frozenset[str] | None = None,
    ) -> None:
        """Queue `count` faults of one kind for the next matching calls."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {list(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if retry_after < 1:
            raise ValueError("retry_after must be at least 1 second")
        fault = Fault(kind, status, seconds, retry_after, _methods(methods))
        self._queue.extend([fault] * count)

    def storm(
        self,
        retry_after: int,
        seconds: float,
        methods: list[str] | tuple[str, ...] | frozenset[str] | None = None,
    ) -> None:
        """Answer every matching call with 429 for `seconds` (monotonic clock)."""
        if retry_after < 1 or seconds <= 0:
            raise ValueError("a storm needs retry_after >= 1 and a positive duration")
        self._storm = _Storm(self.monotonic() + seconds, retry_after, _methods(methods))

    def clear(self) -> None:
        self._queue.clear()
        self._storm = None
        self.rates = FaultRates()

    def to_dict(self) -> dict[str, object]:
        storm = None
        if self._storm is not None and self._storm.until > self.monotonic():
            storm = {
                "seconds_left": round(self._storm.until - self.monotonic(), 3),
                "retry_after": self._storm.retry_after,
            }
        return {
            "rates": self.rates.to_dict(),
            "queued": [f.to_dict() for f in self._queue],
            "storm": storm,
            "injected": dict(self.injected),
        }

    # -- decision ------------------------------------------------------------------------------
    def decide(self, method: str) -> Fault | None:
        fault = self._decide(method)
        if fault is not None:
            self.injected[fault.kind] += 1
        return fault

    def _decide(self, method: str) -> Fault | None:
        for index, queued in enumerate(self._queue):
            if queued.applies_to(method):
                del self._queue[index]
                return queued
        storm = self._storm
        if storm is not None:
            if storm.until <= self.monotonic():
                self._storm = None
            elif storm.methods is None or method in storm.methods:
                return Fault("storm", retry_after=storm.retry_after)
        rates = self.rates
        if rates.methods is not None and method not in rates.methods:
            return None
        total = rates.error_rate + rates.slow_rate + rates.drop_rate + rates.drop_after_rate
        if total == 0:
            return None
        draw = self._rng.random()
        for kind, rate in (
            ("error", rates.error_rate),
            ("slow", rates.slow_rate),
            ("drop", rates.drop_rate),
            ("drop_after", rates.drop_after_rate),
        ):
            if draw < rate:
                return Fault(kind, status=rates.error_status, seconds=rates.slow_seconds)  # type: ignore[arg-type]
            draw -= rate
        return None
