"""Invitations: deep-link tokens and printable cards (pure helpers, no database, no Telegram)."""

from bot.invites.cards import InviteCard, expiry_day, render_cards_csv
from bot.invites.pdf import render_cards_pdf
from bot.invites.tokens import (
    INVITE_VALIDITY,
    deep_link,
    hash_token,
    invite_expires_at,
    is_expired,
    is_valid_token_format,
    new_invite_token,
)

__all__ = [
    "INVITE_VALIDITY",
    "InviteCard",
    "deep_link",
    "expiry_day",
    "hash_token",
    "invite_expires_at",
    "is_expired",
    "is_valid_token_format",
    "new_invite_token",
    "render_cards_csv",
    "render_cards_pdf",
]
