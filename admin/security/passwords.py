"""Password hashing with Argon2id and the password rules (ASVS 2.1)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from admin.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not reveal which e-mail
# addresses have an account.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


class PasswordRejected(ValueError):
    """The new password does not meet the rules; the message says which (Dutch, for the form)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_new_password(password: str, confirmation: str, *, email: str) -> None:
    if password != confirmation:
        raise PasswordRejected(_("De twee wachtwoorden zijn niet gelijk."))
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(_("Kies een wachtwoord van minstens {n} tekens.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(_("Kies een wachtwoord van hoogstens {n} tekens.", n=MAX_LENGTH))
    if email and email.split("@")[0].lower() in password.lower():
        raise PasswordRejected(_("Gebruik je e-mailadres niet in je wachtwoord."))
