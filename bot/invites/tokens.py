"""Invitation tokens: single-use deep-link payloads that let a youth start the bot.

Only the SHA-256 of a token is stored, so a copy of the database does not contain usable links.
Tokens carry 192 random bits, so a plain (unsalted) hash is not open to guessing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

TOKEN_BYTES = 24  # 192 bits of randomness; the brief's floor is 96
TOKEN_LENGTH = 32  # base64url of 24 bytes, no padding
INVITE_VALIDITY = timedelta(days=90)

# Telegram allows A-Za-z0-9_- and at most 64 characters in a /start payload. We accept only
# the length we issue, so every other payload is rejected before touching the database.
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}", re.ASCII)
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}", re.ASCII)


def new_invite_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_valid_token_format(payload: object) -> bool:
    """True only for a string shaped like a token we issue; never raises."""
    return isinstance(payload, str) and _TOKEN.fullmatch(payload) is not None


def hash_token(token: str) -> str:
    """Hex SHA-256 of the token: the only form that is stored."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def deep_link(bot_username: str, token: str) -> str:
    username = bot_username.removeprefix("@")
    if not _BOT_USERNAME.fullmatch(username):
        raise ValueError("not a Telegram bot username")
    if not is_valid_token_format(token):
        raise ValueError("not an invitation token")
    return f"https://t.me/{username}?start={token}"


def invite_expires_at(issued_at: datetime) -> datetime:
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    return issued_at + INVITE_VALIDITY


def is_expired(expires_at: datetime, now: datetime) -> bool:
    return now >= expires_at
