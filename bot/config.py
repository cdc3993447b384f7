"""Settings, read from the environment (prefix ``INBEELD_``) or an optional ``.env`` file.

Every setting is documented in README.md; a test fails when one is not.
"""

from __future__ import annotations

import re
import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "INBEELD_"
DEFAULT_DATABASE_URL = "sqlite:///inbeeld.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; sqlite:///file.db (default) or postgresql://user@host/db.",
    )
    telegram_token: SecretStr | None = Field(None, description="The bot token from @BotFather.")
    telegram_api_url: str = Field(
        "https://api.telegram.org",
        description="Bot API base; the bot calls {url}/bot{token}/{method}. "
        "Point it at a local Bot API server or the emulator.",
    )
    telegram_check_chat_id: int | None = Field(
        None,
        description="A basic group of the bot's own where it posts (and deletes) a marker, to "
        "check whether a send that went unanswered arrived when nothing else was sent. Unset: "
        "such a send is retried unchecked and may show twice (README: The check chat).",
    )
    webhook_url: str | None = Field(
        None, description="Public https URL for Telegram updates; unset means long polling."
    )
    webhook_secret: SecretStr | None = Field(
        None, description="Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token."
    )
    admin_host: str = Field("127.0.0.1", description="Address the admin panel binds to.")
    admin_port: int = Field(8080, ge=1, le=65535, description="Port of the admin panel.")
    timezone: str = Field("Europe/Amsterdam", description="Time zone for schedules and display.")
    data_key: SecretStr | None = Field(
        None,
        description="Fernet key(s) that encrypt free text at rest, comma-separated, newest first.",
    )
    retention_months: int = Field(
        12,
        ge=1,
        le=120,
        description="Months after a youth's programme ends before their data is erased.",
    )
    worker_id: str | None = Field(
        None,
        description="This process's name on the outbox rows it claims: the same after a restart, "
        "different for every process sending for the bot. Default: host name and process id.",
    )
    public_url: str | None = Field(
        None, description="Public base URL of the panel, used in links sent to coordinators."
    )
    bot_username: str = Field(
        "InBeeldBot",
        description="The bot's Telegram username, for invitation deep links (works offline).",
    )
    smtp_host: str | None = Field(
        None, description="Mail server for coordinator alerts by e-mail; unset means no e-mail."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="Port of the mail server.")
    smtp_user: str | None = Field(None, description="Login name at the mail server, if any.")
    smtp_password: SecretStr | None = Field(None, description="Password at the mail server.")
    smtp_from: str = Field(
        "In Beeld <inbeeld@localhost>", description="Sender address of alert e-mails."
    )
    smtp_starttls: bool = Field(True, description="Upgrade the connection with STARTTLS.")

    @property
    def panel_url(self) -> str:
        """Base URL of the panel for links in alerts: PUBLIC_URL, else the local address."""
        return self.public_url or f"http://{self.admin_host}:{self.admin_port}"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("use sqlite:///path.db or postgresql://user@host:port/db")
        return value

    @field_validator("telegram_api_url", "webhook_url", "public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("bot_username")
    @classmethod
    def _telegram_username(cls, value: str) -> str:
        name = value.strip().removeprefix("@")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", name, re.ASCII):
            raise ValueError("4-32 letters, digits or _, starting with a letter")
        return name

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable."""


def describe_validation_error(error: ValidationError) -> str:
    first = error.errors()[0]
    location = [str(part) for part in first.get("loc", ()) if part != "__root__"]
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    if location:
        return f"{ENV_PREFIX}{location[0].upper()}: {message}"
    if ":" in message:
        return f"{ENV_PREFIX}{message}"
    return message


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def load_settings_or_exit(**overrides: object) -> Settings:
    """For the CLI: one line naming the variable and the problem, exit status 2, no traceback."""
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        print(f"inbeeld: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def require(settings: Settings, name: str) -> None:
    if getattr(settings, name) in (None, ""):
        print(
            f"inbeeld: configuration error: {ENV_PREFIX}{name.upper()}: required for this command",
            file=sys.stderr,
        )
        raise SystemExit(2)
