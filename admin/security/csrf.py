"""Cross-site request forgery defence, in two independent layers.

1. Fetch metadata: an unsafe request is refused unless ``Sec-Fetch-Site`` is ``same-origin`` or
   ``none``; browsers without it must send an ``Origin`` whose host is ours (the algorithm of
   Go 1.25's CrossOriginProtection and datasette).
2. A per-session token in every form, compared in constant time. Before login there is no
   session, so the token is a random value in its own cookie (double submit).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from aiohttp import web

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_FIELD = "csrf_token"
TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})


def cross_origin_refusal(request: web.Request, public_url: str | None) -> str | None:
    """Why the request looks cross-site, or None when it is acceptable."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return None if fetch_site in TRUSTED_FETCH_SITES else f"Sec-Fetch-Site {fetch_site}"
    origin = request.headers.get("Origin")
    if origin is None:
        # Not a browser (browsers send Origin on every unsafe request); the token still counts.
        return None
    if origin == "null":
        return "opaque origin"
    if urlsplit(origin).netloc.lower() == request.host.lower():
        return None
    if public_url and origin.rstrip("/") == public_url:
        return None
    return "origin does not match host"


def token_matches(expected: str | None, submitted: str | None) -> bool:
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))
