"""Invitation tokens: shape, randomness, hostile payloads, hashing, links and expiry."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.invites import (
    INVITE_VALIDITY,
    deep_link,
    hash_token,
    invite_expires_at,
    is_expired,
    is_valid_token_format,
    new_invite_token,
)
from bot.invites.tokens import TOKEN_BYTES

TELEGRAM_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


def test_tokens_fit_a_telegram_start_payload() -> None:
    for _ in range(200):
        token = new_invite_token()
        assert TELEGRAM_PAYLOAD.fullmatch(token)
        assert is_valid_token_format(token)


def test_tokens_carry_at_least_96_random_bits_by_construction() -> None:
    assert TOKEN_BYTES * 8 >= 96
    raw = base64.urlsafe_b64decode(new_invite_token() + "==")
    assert len(raw) == TOKEN_BYTES


def test_tokens_use_the_secrets_module(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fake(nbytes: int) -> str:
        calls.append(nbytes)
        return "A" * 32

    monkeypatch.setattr("bot.invites.tokens.secrets.token_urlsafe", fake)
    assert new_invite_token() == "A" * 32
    assert calls == [TOKEN_BYTES]


def test_tokens_are_unique() -> None:
    tokens = {new_invite_token() for _ in range(20_000)}
    assert len(tokens) == 20_000


@pytest.mark.parametrize(
    "payload",
    [
        None,
        42,
        b"A" * 32,
        "",
        "A" * 31,
        "A" * 33,
        "A" * 65,
        "A" * 31 + "\n",
        "A" * 32 + "\n",
        "A" * 31 + "=",
        "A" * 31 + " ",
        "A" * 31 + "é",
        "A" * 31 + "\u0410",  # Cyrillic A looks like a Latin A
        "A" * 31 + "٣",  # Arabic-Indic digit
        "../../etc/passwd" + "A" * 16,
        "' OR 1=1 --" + "A" * 21,
    ],
)
def test_hostile_payloads_are_rejected(payload: object) -> None:
    assert is_valid_token_format(payload) is False


@given(st.one_of(st.text(max_size=100), st.binary(max_size=80), st.integers(), st.none()))
def test_payload_validation_never_raises_and_accepts_only_the_token_shape(payload: object) -> None:
    accepted = is_valid_token_format(payload)
    assert accepted is (
        isinstance(payload, str)
        and len(payload) == 32
        and all(c.isascii() and (c.isalnum() or c in "_-") for c in payload)
    )


def test_only_a_hash_is_stored() -> None:
    token = new_invite_token()
    digest = hash_token(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert token not in digest
    assert hash_token(new_invite_token()) != digest


def test_deep_link() -> None:
    token = new_invite_token()
    assert deep_link("InBeeldBot", token) == f"https://t.me/InBeeldBot?start={token}"
    assert deep_link("@InBeeldBot", token) == f"https://t.me/InBeeldBot?start={token}"
    with pytest.raises(ValueError):
        deep_link("in beeld", token)
    with pytest.raises(ValueError):
        deep_link("InBeeldBot", token + "&x=1")


def test_invitations_last_90_days() -> None:
    issued = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    expires = invite_expires_at(issued)
    assert expires - issued == INVITE_VALIDITY == timedelta(days=90)
    assert not is_expired(expires, expires - timedelta(seconds=1))
    assert is_expired(expires, expires)
    with pytest.raises(ValueError):
        invite_expires_at(datetime(2026, 1, 1))  # naive on purpose
