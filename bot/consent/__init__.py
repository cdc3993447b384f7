"""Consent: derived from the append-only ledger (`ConsentEvent`), never stored beside it."""

from bot.consent.queries import ConsentSubject, active_consents, has_active_consent, ledger
from bot.consent.rules import age_on, counts, deciding_entry, is_active, needs_representative

__all__ = [
    "ConsentSubject",
    "active_consents",
    "age_on",
    "counts",
    "deciding_entry",
    "has_active_consent",
    "is_active",
    "ledger",
    "needs_representative",
]
