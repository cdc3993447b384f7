"""TOTP secrets are encrypted at rest when ``INBEELD_DATA_KEY`` is set (Fernet, key rotation
through MultiFernet: the first key encrypts, every key decrypts).

Without a key (the localhost demo) secrets are stored as they are; a sealed value carries a
prefix, so both kinds can be read and a key can be added later.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import Settings

PREFIX = "fernet:"


class SealError(ValueError):
    """A sealed value cannot be opened: the key that sealed it is no longer configured."""


def _fernet(settings: Settings) -> MultiFernet | None:
    if settings.data_key is None:
        return None
    keys = [key.strip() for key in settings.data_key.get_secret_value().split(",") if key.strip()]
    if not keys:
        return None
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def seal(settings: Settings, secret: str) -> str:
    fernet = _fernet(settings)
    if fernet is None:
        return secret
    return PREFIX + fernet.encrypt(secret.encode("utf-8")).decode("ascii")


def unseal(settings: Settings, stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    fernet = _fernet(settings)
    if fernet is None:
        raise SealError("INBEELD_DATA_KEY: needed to read encrypted TOTP secrets")
    try:
        return fernet.decrypt(stored.removeprefix(PREFIX).encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise SealError("INBEELD_DATA_KEY: no configured key opens this TOTP secret") from exc
