"""The send window: when the bot may message a youth.

Rules are calendar rules, so they are evaluated in the window's local time zone
(Europe/Amsterdam by default) while every moment going in and out is aware UTC. Evaluating in
local time is what keeps "10:00" at 10:00 across the daylight-saving changes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

# Dutch day abbreviations, as a school would write them in a programme file.
DAY_NAMES: dict[str, int] = {"ma": 0, "di": 1, "wo": 2, "do": 3, "vr": 4, "za": 5, "zo": 6}

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

# A window that allows at least one day a week always opens within a week plus a run of
# holidays; this bound only protects against a window no day can satisfy.
_MAX_DAYS_AHEAD = 366


class SendWindow(BaseModel):
    """Days and hours in which youth-facing messages may go out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: tuple[str, ...] = ("ma", "di", "wo", "do", "vr", "za")
    start: time = time(10, 0)
    end: time = time(19, 0)
    timezone: str = "Europe/Amsterdam"
    skip_public_holidays: bool = True
    holiday_country: str = "NL"

    @field_validator("days")
    @classmethod
    def _known_days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("must name at least one day (ma, di, wo, do, vr, za, zo)")
        unknown = [day for day in value if day not in DAY_NAMES]
        if unknown:
            raise ValueError(f"unknown day {unknown[0]!r}; use ma, di, wo, do, vr, za, zo")
        if len(set(value)) != len(value):
            raise ValueError("names a day twice")
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _hhmm(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted 10:00 as the sexagesimal integer 600; refuse it loudly
        # instead of letting it become 00:10.
        if isinstance(value, time):
            return value
        if not isinstance(value, str) or not _HHMM.match(value):
            raise ValueError("must be a quoted time like '10:00'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("holiday_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value not in holidays.list_supported_countries():
            raise ValueError(f"unknown holiday country {value!r}")
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> SendWindow:
        if self.start >= self.end:
            raise ValueError("start must be earlier than end (windows do not cross midnight)")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def allows_day(self, day: date) -> bool:
        """Whether messages may go out on this local calendar day at all."""
        if day.weekday() not in {DAY_NAMES[name] for name in self.days}:
            return False
        return not (self.skip_public_holidays and day in _holiday_calendar(self.holiday_country))


DEFAULT_WINDOW = SendWindow()


@cache
def _holiday_calendar(country: str) -> holidays.HolidayBase:
    # The calendar expands to new years on lookup, so one cached instance serves every year.
    return holidays.country_holidays(country)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")


def _local_at(day: date, clock_time: time, zone: ZoneInfo) -> datetime:
    # Round-trip through UTC so a wall time that does not exist (the spring-forward gap) lands
    # on a real instant.
    return datetime.combine(day, clock_time, tzinfo=zone).astimezone(UTC).astimezone(zone)


def in_window(moment: datetime, window: SendWindow = DEFAULT_WINDOW) -> bool:
    """Whether a message may be sent at this moment."""
    _require_aware(moment)
    local = moment.astimezone(window.zone)
    if not window.allows_day(local.date()):
        return False
    return (
        _local_at(local.date(), window.start, window.zone)
        <= local
        < _local_at(local.date(), window.end, window.zone)
    )


def next_window_start(moment: datetime, window: SendWindow = DEFAULT_WINDOW) -> datetime:
    """The first moment on or after `moment` inside the window, in UTC.

    A moment already inside the window is returned unchanged.
    """
    _require_aware(moment)
    if in_window(moment, window):
        return moment.astimezone(UTC)
    zone = window.zone
    local = moment.astimezone(zone)
    day = local.date()
    if local >= _local_at(day, window.start, zone):
        day += timedelta(days=1)
    for _ in range(_MAX_DAYS_AHEAD):
        if window.allows_day(day):
            return _local_at(day, window.start, zone).astimezone(UTC)
        day += timedelta(days=1)
    raise ValueError("the send window never opens")  # pragma: no cover - days is non-empty


def window_start_on_or_after(day: date, window: SendWindow = DEFAULT_WINDOW) -> datetime:
    """The window opening on `day` (local), or the next allowed day's opening, in UTC."""
    return next_window_start(_local_at(day, window.start, window.zone), window)
