"""Encryption at rest of free text: answers, chat messages, notes.

`EncryptedText` is a column type that Fernet-encrypts on write and decrypts on read, so the rest
of the code reads and writes plain strings through the ORM and never sees ciphertext. A raw copy
of the database (the SQLite file, its WAL, a PostgreSQL dump) holds only Fernet tokens.

The keys come from ``INBEELD_DATA_KEY`` (comma-separated, newest first: the first key encrypts,
every key decrypts). They live in one process-wide key ring, configured once at start-up by the
composition root or the CLI with `configure_data_keys(settings)`; tests install a key with
`use_key_ring`.

Without ``INBEELD_DATA_KEY`` (decision, see README "Data keys"):
- an embedded SQLite database gets a key generated into ``<database>.key`` next to it (mode 0600),
  once, and logged; later starts read that file, so the data stays readable after a restart.
  ``inbeeld demo`` keeps its SQLite database in its data dir, so its key lands there too;
- PostgreSQL (or an in-memory SQLite) refuses to start: a key that lives only in one process would
  make the data unreadable after a restart, and a key file on an app server next to a remote
  database is no protection policy we want to choose for the operator.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

KEY_FILE_SUFFIX = ".key"
KEY_FILE_MODE = 0o600


class DataKeyError(RuntimeError):
    """The data keys are missing, malformed, or do not open a stored value. The message names
    ``INBEELD_DATA_KEY`` and says what to do; it never contains the data or a key."""


class KeyRing:
    """The configured Fernet keys; the first one encrypts, all of them decrypt."""

    def __init__(self, keys: Sequence[str]) -> None:
        cleaned = [key.strip() for key in keys if key.strip()]
        if not cleaned:
            raise DataKeyError("INBEELD_DATA_KEY: no key given; create one with `inbeeld keys new`")
        fernets: list[Fernet] = []
        for position, key in enumerate(cleaned, start=1):
            try:
                fernets.append(Fernet(key.encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                raise DataKeyError(
                    f"INBEELD_DATA_KEY: key {position} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes); create one with `inbeeld keys new`"
                ) from None
        self._primary = fernets[0]
        self._all = MultiFernet(fernets)
        self.size = len(fernets)

    @classmethod
    def from_setting(cls, value: str) -> KeyRing:
        return cls(value.split(","))

    def encrypt(self, plain: str) -> str:
        return self._all.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._all.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            raise DataKeyError(
                "INBEELD_DATA_KEY: none of the configured keys opens a stored value; "
                "was a key removed before `inbeeld keys rotate` finished, or is this the wrong "
                "key for this database?"
            ) from None

    def is_current(self, token: str) -> bool:
        """True when the newest key alone opens the token: rotation can skip it."""
        try:
            self._primary.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return False
        return True

    def rotate(self, token: str) -> str:
        """The same plaintext, encrypted with the newest key."""
        try:
            return self._all.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError):
            raise DataKeyError(
                "INBEELD_DATA_KEY: a stored value cannot be re-encrypted because none of the "
                "configured keys opens it; put the old key back (after the new one) and retry"
            ) from None


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


_ring: KeyRing | None = None


def configure_key_ring(ring: KeyRing | None) -> None:
    """Install (or with None, remove) the process-wide key ring."""
    global _ring
    _ring = ring


def key_ring() -> KeyRing:
    if _ring is None:
        raise DataKeyError(
            "INBEELD_DATA_KEY: no data key configured in this process; the service configures "
            "it at start-up (bot.privacy.crypto.configure_data_keys)"
        )
    return _ring


def key_ring_configured() -> bool:
    return _ring is not None


@contextmanager
def use_key_ring(ring: KeyRing) -> Iterator[KeyRing]:
    """Install a key ring for a block (tests), restoring the previous one afterwards."""
    previous = _ring
    configure_key_ring(ring)
    try:
        yield ring
    finally:
        configure_key_ring(previous)


def sqlite_key_file(database_url: str) -> Path | None:
    """Where the generated key of an embedded SQLite database lives; None for other databases
    and for in-memory SQLite."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return None
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return Path(url.database).with_name(Path(url.database).name + KEY_FILE_SUFFIX)


def _read_key_file(path: Path) -> str:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise DataKeyError(
            f"INBEELD_DATA_KEY: the key file {path} is readable by others (mode {mode:o}); "
            f"run `chmod 600 {path}`"
        )
    return path.read_text(encoding="ascii").strip()


def _create_key_file(path: Path) -> str:
    key = new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes starting at once must not each write a different key.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    log.warning("data_key_generated", extra={"key_file": str(path)})
    return key


def resolve_data_keys(data_key: str | None, database_url: str) -> KeyRing:
    """The key ring the service must use, following the rules in this module's docstring."""
    if data_key and data_key.strip():
        return KeyRing.from_setting(data_key)
    path = sqlite_key_file(database_url)
    if path is None:
        raise DataKeyError(
            "INBEELD_DATA_KEY: required with this database (only an embedded SQLite file gets a "
            "generated key file); create one with `inbeeld keys new`"
        )
    try:
        return KeyRing([_read_key_file(path)])
    except FileNotFoundError:
        pass
    try:
        return KeyRing([_create_key_file(path)])
    except FileExistsError:
        # Another process created it between our read and our create: use theirs.
        return KeyRing([_read_key_file(path)])


def configure_data_keys(settings: Any) -> KeyRing:
    """Start-up hook for `inbeeld run`, `inbeeld demo` and key commands: resolve the keys from
    the settings and install them process-wide. Raises DataKeyError with an actionable message."""
    secret = settings.data_key.get_secret_value() if settings.data_key is not None else None
    ring = resolve_data_keys(secret, settings.database_url)
    configure_key_ring(ring)
    return ring


def configure_data_keys_or_exit(settings: Any) -> KeyRing:
    """For the CLI (`inbeeld run`, `inbeeld demo`): one line naming INBEELD_DATA_KEY and what
    to do, exit status 2, no traceback."""
    try:
        return configure_data_keys(settings)
    except DataKeyError as exc:
        print(f"inbeeld: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


class EncryptedText(TypeDecorator[str]):
    """Text encrypted with the process key ring. Stored as TEXT (a Fernet token is about 4/3 of
    the UTF-8 length plus 100 characters), so the plaintext limit is checked here instead."""

    impl = Text
    cache_ok = True

    def __init__(self, max_chars: int | None = None) -> None:
        super().__init__()
        self.max_chars = max_chars

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError("an encrypted text column takes a str")
        if self.max_chars is not None and len(value) > self.max_chars:
            raise ValueError(f"text longer than {self.max_chars} characters")
        return key_ring().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return key_ring().decrypt(value)

    # SQL comparisons against ciphertext never match (every encryption differs): refuse them
    # loudly instead of returning an empty result. IS [NOT] NULL still works.
    class comparator_factory(TypeDecorator.Comparator):  # type: ignore[type-arg]
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            if op in (operators.is_, operators.is_not):
                return super().operate(op, *other, **kwargs)
            raise TypeError(_NO_SQL_COMPARISON)

        def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
            raise TypeError(_NO_SQL_COMPARISON)


_NO_SQL_COMPARISON = (
    "encrypted columns cannot be compared or sorted in SQL; load the rows and filter in Python"
)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document (e.g. an outgoing message: its text and buttons) encrypted as one token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return key_ring().encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(key_ring().decrypt(value))

    comparator_factory = EncryptedText.comparator_factory


# Every column type whose stored value is a Fernet token (key rotation finds them by this).
ENCRYPTED_TYPES: tuple[type, ...] = (EncryptedText, EncryptedJSON)
