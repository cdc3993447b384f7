"""Time-based one-time codes (RFC 6238) for every staff account."""

from __future__ import annotations

import hmac
import io
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg

ISSUER = "In Beeld"
# One 30-second step either side absorbs clock drift between phone and server.
_DRIFT_STEPS = (0, -1, 1)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def matching_counter(secret: str, code: str, now: datetime) -> int | None:
    """The time step the code belongs to, or None when it is wrong. The caller refuses a
    step that was used before, so a code cannot be replayed."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for offset in _DRIFT_STEPS:
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None


def qr_svg(uri: str) -> bytes:
    """The provisioning URI as an SVG QR code, drawn on the server (no external service)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
