"""Pytest plugin: the whole test run's logs must hold no names, message texts, tokens or ids of
sessions.

Every log record that reaches the root logger is formatted with `bot.logs.LogfmtFormatter`
(what production writes) and kept. At the end of the session the lines are checked against the
sensitive values the tests used:
- names: every name stored in a person-name column (recorded by ORM insert/update listeners),
  and the first and last names in the cohort sample files in tests/data;
- message texts: every free text written to an encrypted column (answers, chat messages, notes,
  outgoing messages) that looks like a sentence;
- invitation tokens: every token `bot.invites.new_invite_token` handed out;
- anything shaped like a secret: Telegram bot tokens and long mixed-case random strings
  (invitation tokens, session cookies).
A leak fails the run (exit status 1) and the summary names the logger and the kind of value,
with the value masked.

The root logger is set to INFO for the run, like `bot.logs.configure()` does in production, so
info lines are checked too.
"""

from __future__ import annotations

import csv
import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.logs import LogfmtFormatter

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MIN_NAME_LENGTH = 3
MIN_TEXT_LENGTH = 8
# The loggers bot.logs.configure() quietens in production (their lines carry URLs with tokens).
QUIET_LOGGERS = ("httpx", "httpcore", "telegram", "apscheduler", "aiohttp.access")

_BOT_TOKEN = re.compile(r"(?<![\w-])\d{5,}:[A-Za-z0-9_-]{30,}(?![\w-])")
_RANDOM_RUN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,64}(?![A-Za-z0-9_-])")


def looks_random(candidate: str) -> bool:
    """A token_urlsafe() string: upper and lower case letters and digits mixed. Hex digests,
    snake_case names and paths do not qualify."""
    return (
        sum(c.isupper() for c in candidate) >= 2
        and sum(c.islower() for c in candidate) >= 2
        and sum(c.isdigit() for c in candidate) >= 2
    )


@dataclass
class SensitiveValues:
    names: set[str] = field(default_factory=set)
    texts: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)

    def add_name(self, value: object) -> None:
        if isinstance(value, str):
            for part in (value.strip(), *value.split()):
                if len(part) >= MIN_NAME_LENGTH and part[0].isupper():
                    self.names.add(part)

    def add_text(self, value: object) -> None:
        if isinstance(value, str) and len(value.strip()) >= MIN_TEXT_LENGTH and " " in value:
            self.texts.add(value.strip())


@dataclass(frozen=True)
class Leak:
    kind: str  # name | text | token | secret-shaped value
    logger: str
    line_number: int
    masked_line: str  # the line with the value replaced by ***, safe to print

    def describe(self) -> str:
        where = f"line {self.line_number} (logger {self.logger})"
        return f"{where} has a {self.kind}: {self.masked_line}"


def _first_match(line: str, sensitive: SensitiveValues, names: re.Pattern[str] | None):
    if names is not None and (found := names.search(line)):
        return "name", found.group()
    for text in sensitive.texts:
        if text in line:
            return "message text", text
    for token in sensitive.tokens:
        if token in line:
            return "token", token
    if found := _BOT_TOKEN.search(line):
        return "secret-shaped value", found.group()
    for found in _RANDOM_RUN.finditer(line):
        if looks_random(found.group()):
            return "secret-shaped value", found.group()
    return None


def find_leaks(lines: Iterable[tuple[str, str]], sensitive: SensitiveValues) -> list[Leak]:
    """Check (logger, formatted line) pairs; pure, so it can be tested on its own."""
    names = (
        re.compile(
            r"(?<!\w)(?:"
            + "|".join(re.escape(n) for n in sorted(sensitive.names, key=len, reverse=True))
            + r")(?!\w)"
        )
        if sensitive.names
        else None
    )
    leaks: list[Leak] = []
    for number, (logger, line) in enumerate(lines, start=1):
        match = _first_match(line, sensitive, names)
        if match is not None:
            kind, value = match
            leaks.append(Leak(kind, logger, number, line.replace(value, "***")))
    return leaks


class LogGuard(logging.Handler):
    """Collects formatted log lines; `leaks()` checks them."""

    def __init__(self, sensitive: SensitiveValues | None = None) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(LogfmtFormatter())
        self.sensitive = sensitive if sensitive is not None else SensitiveValues()
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append((record.name, self.format(record)))
        except Exception:  # a record that cannot be formatted is checked as its raw message
            self.lines.append((record.name, str(record.msg)))

    def leaks(self) -> list[Leak]:
        return find_leaks(self.lines, self.sensitive)


# --- recording the values tests use -------------------------------------------------------------


def cohort_file_names(directory: Path = DATA_DIR) -> set[str]:
    found = SensitiveValues()
    for path in sorted(directory.glob("*.csv")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        try:
            dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,\t")
        except (csv.Error, IndexError):
            continue  # a deliberately broken file: its names are in the other files anyway
        for row in csv.DictReader(text.splitlines(), dialect=dialect):
            for column, value in row.items():
                if column and column.strip().lower() in NAME_COLUMNS:
                    found.add_name(value)
    return found.names


NAME_COLUMNS = {"roepnaam", "achternaam", "first_name", "last_name"}
# Columns holding a person's name, per table; the listeners record what tests store in them.
PERSON_NAME_COLUMNS = {
    "Youth": ("first_name", "last_name"),
    "StaffUser": ("name",),
    "School": ("contact_name",),
    "ConsentEvent": ("representative_name",),
    "Escalation": ("handover_receiver_name",),
}


def _record_names(sensitive: SensitiveValues) -> None:
    from sqlalchemy import event

    import bot.models as models

    for class_name, columns in PERSON_NAME_COLUMNS.items():
        model = getattr(models, class_name)

        def listener(_mapper: Any, _connection: Any, target: Any, columns=columns) -> None:
            for column in columns:
                sensitive.add_name(getattr(target, column, None))

        event.listen(model, "before_insert", listener)
        event.listen(model, "before_update", listener)


def _record_texts(sensitive: SensitiveValues) -> None:
    from bot.privacy.crypto import EncryptedJSON, EncryptedText

    original = EncryptedText.process_bind_param

    @functools.wraps(original)
    def recording(self: Any, value: Any, dialect: Any) -> Any:
        sensitive.add_text(value)
        return original(self, value, dialect)

    EncryptedText.process_bind_param = recording  # type: ignore[method-assign]

    original_json = EncryptedJSON.process_bind_param

    @functools.wraps(original_json)
    def recording_json(self: Any, value: Any, dialect: Any) -> Any:
        if isinstance(value, dict):
            sensitive.add_text(value.get("text"))
        return original_json(self, value, dialect)

    EncryptedJSON.process_bind_param = recording_json  # type: ignore[method-assign]


def _record_tokens(sensitive: SensitiveValues) -> None:
    import bot.invites
    import bot.invites.tokens

    original: Callable[[], str] = bot.invites.tokens.new_invite_token

    @functools.wraps(original)
    def recording() -> str:
        token = original()
        sensitive.tokens.add(token)
        return token

    bot.invites.tokens.new_invite_token = recording
    bot.invites.new_invite_token = recording


# --- the pytest hooks -------------------------------------------------------------------------

GUARD_KEY = pytest.StashKey[LogGuard]()
_LEAKS_KEY = pytest.StashKey[list[Leak]]()


def pytest_configure(config: pytest.Config) -> None:
    sensitive = SensitiveValues()
    sensitive.names |= cohort_file_names()
    _record_names(sensitive)
    _record_texts(sensitive)
    _record_tokens(sensitive)
    guard = LogGuard(sensitive)
    root = logging.getLogger()
    root.addHandler(guard)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    config.stash[GUARD_KEY] = guard


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    guard = session.config.stash.get(GUARD_KEY, None)
    if guard is None:
        return
    logging.getLogger().removeHandler(guard)
    leaks = guard.leaks()
    session.config.stash[_LEAKS_KEY] = leaks
    if leaks and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    guard = config.stash.get(GUARD_KEY, None)
    leaks = config.stash.get(_LEAKS_KEY, [])
    if guard is None:
        return
    if not leaks:
        terminalreporter.write_line(
            f"log guard: {len(guard.lines)} log lines checked, no personal data"
        )
        return
    terminalreporter.section("log guard: personal data in the logs", sep="=", red=True)
    for leak in leaks[:50]:
        terminalreporter.write_line(leak.describe())
    if len(leaks) > 50:
        terminalreporter.write_line(f"... and {len(leaks) - 50} more")
