"""Security headers on every response, errors included."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.config import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
STATIC_PREFIX = "/static/"


def security_headers_middleware(settings: Settings) -> web.Middleware:
    https_everywhere = bool(settings.public_url and settings.public_url.startswith("https://"))

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            # Redirects and error pages are responses too; they get the same headers.
            _apply(exc, request, https_everywhere)
            raise
        _apply(response, request, https_everywhere)
        return response

    return middleware


def _apply(response: web.StreamResponse, request: web.Request, https: bool) -> None:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith(STATIC_PREFIX):
        # Every page may show personal data; never keep it in a browser or proxy cache.
        headers["Cache-Control"] = "no-store"
    if https or request.secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
