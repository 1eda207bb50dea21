"""Settings of the service (``loyalloop serve``, invitations, sync), from the environment.

One :class:`ServiceSettings` object (pydantic-settings) holds everything the web service and
the operational store need. Each field is read from ``LOYALLOOP_<FIELD>`` (upper case), e.g.
``LOYALLOOP_DATABASE_URL``, ``LOYALLOOP_SECRET_KEY``, ``LOYALLOOP_SMTP_HOST``. The analytics
settings (home, time zone …) stay in :class:`loyalloop.core.config.Settings`; this class adds
the service's.

The secret key signs invitation links and CSRF tokens. Outside ``LOYALLOOP_ENV=local`` a
missing, short (< 32 characters) or well-known default secret is refused; in ``local`` without
one, a random key is made once and kept in ``<home>/.secret_key`` (readable by the owner only),
so links made by ``loyalloop surveys invite`` still work after ``loyalloop serve`` restarts.

The class is named ``ServiceSettings`` rather than ``Settings`` so that ``loyalloop.core``
can export both without a clash.
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import time
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from loyalloop.errors import ConfigError

__all__ = [
    "Environment",
    "FollowupChannel",
    "ServiceSettings",
    "SmtpSecurity",
    "load_service_settings",
]

log = logging.getLogger(__name__)

#: Secrets that appear in examples and must never protect a real deployment.
KNOWN_DEFAULT_SECRETS = frozenset({"changethis", "change-me", "secret", "dev", "development"})
MIN_SECRET_LENGTH = 32
#: Name of the SQLite file of the operational store under the project home.
STORE_FILE = "service.sqlite3"
#: The local-mode secret under the project home.
LOCAL_SECRET_FILE = ".secret_key"


class Environment(StrEnum):
    local = "local"
    staging = "staging"
    production = "production"


class FollowupChannel(StrEnum):
    """How the follow-up survey after a resolved case reaches the customer."""

    email = "email"
    sms = "sms"


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected: none, STARTTLS upgrade, or TLS from the start."""

    none = "none"
    starttls = "starttls"
    tls = "tls"


class ServiceSettings(BaseSettings):
    """Everything the service is configured with (see the module docstring)."""

    model_config = SettingsConfigDict(env_prefix="LOYALLOOP_", extra="ignore", frozen=True)

    env: Environment = Environment.local
    #: Project home (the same as the CLI's ``--home``); the SQLite store lives here by default.
    home: Path = Path("loyalloop-data")
    #: SQLAlchemy URL of the operational store; empty = SQLite file under ``home``.
    database_url: str = ""
    secret_key: SecretStr = SecretStr("")
    #: Base URL customers reach the service at (used in invitation links).
    public_url: str = "http://127.0.0.1:8000"
    #: Mark cookies ``Secure`` always (they are also marked when the request came over HTTPS).
    secure_cookies: bool = False
    #: Business time zone; also the customers' default for quiet hours.
    timezone: str = "UTC"

    # sessions and logins
    session_hours: float = Field(default=12.0, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    lockout_minutes: float = Field(default=15.0, gt=0)
    #: Login attempts per minute from one client address (throttle, before lockout).
    login_per_minute: int = Field(default=20, ge=1)

    # public survey submissions
    submit_per_minute_per_client: int = Field(default=120, ge=1)
    submit_per_minute_per_token: int = Field(default=10, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)

    # invitations
    invitation_days: int = Field(default=30, ge=1)
    reminder_days: int = Field(default=3, ge=1)
    frequency_cap_days: int = Field(default=30, ge=0)
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)

    # e-mail
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: SmtpSecurity = SmtpSecurity.none
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = "loyalloop@localhost"
    smtp_timeout: float = Field(default=10.0, gt=0)

    # SMS through an HTTP gateway: POST JSON {"to", "text", "id"}
    sms_gateway_url: str = ""
    sms_gateway_token: SecretStr = SecretStr("")

    # campaigns: the outbox and `loyalloop worker` (services/outbox.py)
    #: Webhook for call-campaign hand-offs (POST JSON with an ``Idempotency-Key`` header).
    webhook_url: str = ""
    webhook_token: SecretStr = SecretStr("")
    #: No customer gets more than one campaign message per this many days (0 = no cap).
    campaign_frequency_cap_days: int = Field(default=7, ge=0)
    #: Failed attempts before a message is dead-lettered.
    outbox_max_attempts: int = Field(default=6, ge=1)
    #: First retry delay; each further failure doubles it (capped at one hour).
    outbox_backoff_seconds: float = Field(default=30.0, gt=0)
    #: How long a worker holds a claimed message before another worker may take it over.
    outbox_lease_seconds: float = Field(default=60.0, gt=0)
    #: Per-channel send rates of one worker process (messages per second; 0 = unlimited).
    email_per_second: float = Field(default=20.0, ge=0)
    sms_per_second: float = Field(default=20.0, ge=0)
    webhook_per_second: float = Field(default=20.0, ge=0)
    #: Deliver to files in this folder instead of SMTP / HTTP (dry runs, the demo): one
    #: ``<idempotency key>.eml`` or ``.json`` per message.
    outbox_sink_dir: Path | None = None

    # cases: the scheduler inside `loyalloop serve` and the follow-up survey (casedash)
    #: Run the SLA scheduler inside `loyalloop serve` (`--no-scheduler` turns it off).
    scheduler: bool = True
    #: Seconds between two rounds of the in-process scheduler.
    scheduler_interval_seconds: float = Field(default=30.0, ge=0.05)
    #: How long a scheduler holds the home's lease without renewing it before another may
    #: take over (a killed server's lease runs out after this).
    scheduler_lease_seconds: float = Field(default=120.0, ge=0.1)
    #: Key of the survey sent as the follow-up after a case is resolved (empty: none is sent).
    followup_survey: str = ""
    #: Hours after the resolution before the follow-up invitation is queued.
    followup_delay_hours: float = Field(default=72.0, ge=0)
    followup_channel: FollowupChannel = FollowupChannel.email

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known IANA time zone") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _secret(self) -> ServiceSettings:
        key = self.secret_key.get_secret_value()
        weak = not key or len(key) < MIN_SECRET_LENGTH or key.lower() in KNOWN_DEFAULT_SECRETS
        if weak and self.env is not Environment.local:
            raise ValueError(
                "LOYALLOOP_SECRET_KEY is missing, a known default or shorter than "
                f"{MIN_SECRET_LENGTH} characters; set a random one, e.g. "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"` '
                "(only LOYALLOOP_ENV=local runs without)"
            )
        if not key:
            object.__setattr__(self, "secret_key", SecretStr(_local_secret(self.home)))
        return self

    @property
    def store_url(self) -> str:
        """The SQLAlchemy URL of the operational store."""
        return self.database_url or f"sqlite:///{(self.home / STORE_FILE).resolve()}"

    @property
    def secret(self) -> bytes:
        return self.secret_key.get_secret_value().encode()

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def sms_enabled(self) -> bool:
        return bool(self.sms_gateway_url)

    @property
    def webhook_enabled(self) -> bool:
        return bool(self.webhook_url)


def _local_secret(home: Path) -> str:
    """The project home's own random secret (made on first use, mode 0600)."""
    path = home / LOCAL_SECRET_FILE
    try:
        value = path.read_text(encoding="utf-8").strip()
        if len(value) >= MIN_SECRET_LENGTH:
            return value
    except FileNotFoundError:
        pass
    home.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    tmp = path.with_name(f"{LOCAL_SECRET_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value)
    try:
        os.link(tmp, path)  # first writer wins; a concurrent one reads the winner's key
    except FileExistsError:
        value = path.read_text(encoding="utf-8").strip()
    finally:
        tmp.unlink()
    log.info("LOYALLOOP_SECRET_KEY is not set (LOYALLOOP_ENV=local): using %s", path)
    return value


def load_service_settings(home: Path | str | None = None, **overrides: object) -> ServiceSettings:
    """Read the settings from the environment, with ``home`` and ``overrides`` on top.

    Invalid settings raise :class:`~loyalloop.errors.ConfigError` naming the variable.
    """
    if home is not None:
        overrides["home"] = Path(home)
    try:
        return ServiceSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            name = "LOYALLOOP_" + "_".join(str(p) for p in e["loc"]).upper()
            msg = str(e["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {msg}" if e["loc"] else msg)
        raise ConfigError("; ".join(problems)) from None
