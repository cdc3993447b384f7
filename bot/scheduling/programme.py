"""Programmes as data: when a school contacts its leavers, read from `flows/programmes/*.yaml`.

A broken file must stop start-up with a message a school administrator can act on, naming the
file, the key and the problem; unknown keys are errors so that a typo never silently falls back
to a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Self

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.scheduling.window import SendWindow

# The law's longest term: aanvullende loopbaanbegeleiding runs up to two years after leaving.
MAX_TERM_MONTHS = 24

# The first practice template; a school without a choice of its own gets this one.
DEFAULT_PROGRAMME_ID = "klas-van"

PROGRAMMES_DIR = Path(__file__).resolve().parents[2] / "flows" / "programmes"

_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# Flow ids follow the flow files (flows/README.md): a-z 0-9 _, at most 24 characters.
_FLOW_PATTERN = r"^[a-z0-9_]{1,24}$"


def _between(low: int, high: int) -> AfterValidator:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return AfterValidator(check)


def Between(low: int, high: int) -> Any:  # used like a type in annotations
    """A whole number in [low, high] whose error names both bounds."""
    return Annotated[int, Field(strict=True), _between(low, high)]


TermMonth = Between(1, MAX_TERM_MONTHS)
CalendarMonth = Between(1, 12)
DayOfMonth = Between(1, 28)
ReminderDay = Between(1, 30)
SilenceDays = Between(1, 60)
InviteDelayDays = Between(0, 60)
Ident = Annotated[str, Field(pattern=_ID_PATTERN)]
FlowId = Annotated[str, Field(pattern=_FLOW_PATTERN)]


class ProgrammeError(Exception):
    """A programme file cannot be used; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_term_months(values: tuple[int, ...]) -> tuple[int, ...]:
    if not values:
        raise ValueError("must list at least one month")
    if list(values) != sorted(set(values)):
        raise ValueError("must be increasing, without repeats")
    return values


def _check_calendar_months(values: tuple[int, ...]) -> tuple[int, ...]:
    if not values:
        raise ValueError("must list at least one month")
    if len(set(values)) != len(values):
        raise ValueError("names a month twice")
    return values


class Nudges(_Strict):
    """What happens after a check-in goes unanswered."""

    reminder_days: tuple[ReminderDay, ...] = (3, 7)
    silence_days: SilenceDays = 14

    @field_validator("reminder_days")
    @classmethod
    def _increasing(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if list(value) != sorted(set(value)):
            raise ValueError("must be increasing, without repeats")
        return value

    @model_validator(mode="after")
    def _reminders_before_silence(self) -> Self:
        if self.reminder_days and self.reminder_days[-1] >= self.silence_days:
            raise ValueError("every reminder must come before silence_days")
        return self


class Reoffer(_Strict):
    """The law's second offer to a leaver who declined: one year after leaving."""

    enabled: bool = True
    after_months: TermMonth = 12
    flow: FlowId = "reoffer"


class CoordinatorTask(_Strict):
    """A recurring job for the coordinator, optionally with an invitation to the youth.

    Example: in January-February the coordinator plans the in-person meeting; the youth is
    invited a week after the coordinator's reminder, once there is time to propose a date.
    """

    id: Ident
    description: Annotated[str, Field(min_length=1)]
    calendar_months: tuple[CalendarMonth, ...] | None = None
    contact_months: tuple[TermMonth, ...] | None = None
    day: DayOfMonth = 1
    youth_flow: FlowId | None = None
    invite_after_days: InviteDelayDays = 7

    @field_validator("calendar_months")
    @classmethod
    def _calendar(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        return None if value is None else _check_calendar_months(value)

    @field_validator("contact_months")
    @classmethod
    def _term(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        return None if value is None else _check_term_months(value)

    @model_validator(mode="after")
    def _one_schedule(self) -> Self:
        if (self.calendar_months is None) == (self.contact_months is None):
            raise ValueError("give exactly one of calendar_months or contact_months")
        return self


class Programme(_Strict):
    """One school's (or region's) rhythm of contact over the term after leaving."""

    id: Ident
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    duration_months: TermMonth
    # Either months counted from the leaving date...
    contact_months: tuple[TermMonth, ...] | None = None
    # ...or fixed calendar months every year within the term (e.g. September and June).
    calendar_months: tuple[CalendarMonth, ...] | None = None
    calendar_day: DayOfMonth = 1
    checkin_flow: FlowId = "checkin"
    send_window: SendWindow = SendWindow()
    nudges: Nudges = Nudges()
    reoffer: Reoffer = Reoffer()
    coordinator_tasks: tuple[CoordinatorTask, ...] = ()

    @field_validator("contact_months")
    @classmethod
    def _term(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        return None if value is None else _check_term_months(value)

    @field_validator("calendar_months")
    @classmethod
    def _calendar(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        return None if value is None else _check_calendar_months(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.contact_months is None) == (self.calendar_months is None):
            raise ValueError("give exactly one of contact_months or calendar_months")
        if self.contact_months and self.contact_months[-1] > self.duration_months:
            raise ValueError(
                f"contact_months: month {self.contact_months[-1]} lies after the term "
                f"(duration_months is {self.duration_months})"
            )
        for task in self.coordinator_tasks:
            if task.contact_months and task.contact_months[-1] > self.duration_months:
                raise ValueError(
                    f"coordinator_tasks: {task.id}: month {task.contact_months[-1]} lies after "
                    f"the term (duration_months is {self.duration_months})"
                )
        task_ids = [task.id for task in self.coordinator_tasks]
        if len(set(task_ids)) != len(task_ids):
            raise ValueError("coordinator_tasks: two tasks share an id")
        return self


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


_TYPE_MESSAGES = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "dict_type": "must be a mapping of keys to values",
}


def format_validation_error(source: str, error: ValidationError) -> str:
    """One line per problem: 'flows/programmes/x.yaml: contact_months[2]: must be ...'."""
    lines = []
    for problem in error.errors():
        where = _location(problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        elif problem["type"] == "missing":
            message = "required key is missing"
        elif problem["type"] in _TYPE_MESSAGES:
            message = _TYPE_MESSAGES[problem["type"]]
        elif problem["type"] == "string_pattern_mismatch":
            message = (
                "a flow id uses only a-z, 0-9 and '_' (at most 24)"
                if _FLOW_PATTERN in str(problem.get("ctx", {}).get("pattern", ""))
                else "must use only lowercase letters, digits and '-'"
            )
        lines.append(f"{source}: {where}: {message}" if where else f"{source}: {message}")
    return "\n".join(lines)


def parse_programme(text: str, source: str) -> Programme:
    """Validate one programme's YAML text; `source` names it in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProgrammeError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ProgrammeError(f"{source}: must be a mapping of keys to values")
    try:
        return Programme.model_validate(data)
    except ValidationError as exc:
        raise ProgrammeError(format_validation_error(source, exc)) from exc


def load_programme(path: Path, *, base: Path | None = None) -> Programme:
    """Load one file; messages name it relative to `base` when given."""
    source = str(path.relative_to(base)) if base else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProgrammeError(f"{source}: cannot be read: {exc.strerror}") from exc
    programme = parse_programme(text, source)
    if programme.id != path.stem:
        raise ProgrammeError(
            f"{source}: id: is {programme.id!r} but must match the file name {path.stem!r}"
        )
    return programme


def load_programmes(
    directory: Path = PROGRAMMES_DIR, *, base: Path | None = None
) -> dict[str, Programme]:
    """Every programme in `directory`, by id; all problems in all files are reported at once.

    Messages name files relative to `base` (the project root for the shipped directory), e.g.
    "flows/programmes/x.yaml: contact_months[2]: must be between 1 and 24".
    """
    if base is None and directory == PROGRAMMES_DIR:
        base = PROGRAMMES_DIR.parent.parent
    programmes: dict[str, Programme] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            programme = load_programme(path, base=base)
        except ProgrammeError as exc:
            problems.append(str(exc))
            continue
        programmes[programme.id] = programme
    if problems:
        raise ProgrammeError("\n".join(problems))
    if not programmes:
        raise ProgrammeError(f"{directory}: no programme files (*.yaml) found")
    return programmes
