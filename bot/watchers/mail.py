"""E-mail for coordinators without a Telegram link, or when Telegram refused an alert."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from bot.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "In Beeld <inbeeld@localhost>"
    starttls: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> MailSettings | None:
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
        )


class MailError(Exception):
    """The mail server did not take the message; the text says why (no addresses in it)."""


class Mailer:
    def __init__(self, settings: MailSettings, *, timeout: float = 20.0) -> None:
        self.settings = settings
        self.timeout = timeout

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.settings.host,
                port=self.settings.port,
                username=self.settings.user,
                password=self.settings.password,
                start_tls=self.settings.starttls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The class and SMTP code only: the server's text may repeat the address.
            code = getattr(exc, "code", None)
            raise MailError(f"{type(exc).__name__}{f' {code}' if code else ''}") from None
