"""Settings of enforcement and reporting (``BASTION_*``): secrets come only from the environment, and a
missing or default secret is refused outside development, so a forgotten setting cannot reach production."""

from __future__ import annotations

import base64
import hashlib
from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bastion.core.errors import ConfigError
from bastion.core.roles import Role, parse_roles

#: 18 U.S.C. 2258A(h)(1): preserve for one year; an operator may keep longer, never shorter.
MIN_PRESERVATION_DAYS = 365
DEV_SECRET = "development-only-secret-change-me"
TEST_BASE_URL = "https://exttest.cybertip.org/ispws"
PRODUCTION_BASE_URL = "https://report.cybertip.org/ispws"


class EnforceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASTION_", extra="ignore", use_attribute_docstrings=True)

    env: Literal["development", "production"] = "production"
    webhook_url: str | None = None
    """Where enforcement actions are delivered (the platform's endpoint)."""
    webhook_secret: SecretStr | None = None
    """HMAC key that signs every delivery; required outside development."""
    webhook_max_attempts: int = 8
    """Deliveries tried this many times (with backoff) before they become dead letters."""
    webhook_backoff_seconds: float = 2.0
    """First retry delay; doubles each attempt."""
    webhook_timeout_seconds: float = 10.0
    """How long one delivery may take."""
    still_active_days: int = 7
    """Accounts still active this many days after a decision are escalated."""
    followthrough_interval_seconds: float = 3600.0
    """How often `bastion serve` re-checks accounts and purges expired evidence (it polls for due webhook
    deliveries every few seconds)."""
    cybertip_environment: Literal["test", "production"] = "test"
    """NCMEC's test environment unless set to `production` explicitly."""
    cybertip_url: str | None = None
    """Override of the CyberTipline URL (a local stand-in in tests)."""
    cybertip_username: str | None = None
    """CyberTipline credentials (required to submit)."""
    cybertip_password: SecretStr | None = None
    """CyberTipline password (with the username)."""
    cybertip_reporter_email: str = "trust-and-safety@example.invalid"
    """The reporting person's contact in each report."""
    cybertip_reporter_first_name: str = "Trust"
    """The reporting person's name in each report."""
    cybertip_reporter_last_name: str = "Safety"
    cybertip_platform_url: str = ""
    """Profile URL template for reported users, e.g. `https://example.com/u/{username}`."""
    cybertip_xsd: str | None = None
    """NCMEC's own XSD (from `GET /xsd`), used in place of the bundled encoding of the element order."""
    preservation_key: SecretStr | None = None
    """Fernet key (32 url-safe base64 bytes) for preserved contents; required outside development."""
    preservation_days: int = MIN_PRESERVATION_DAYS
    """How long preserved contents are kept; never less than a year (18 U.S.C. 2258A(h))."""
    preservation_roles: str = "admin,lead"
    """Roles that may read preserved contents."""
    decision_policy: str | None = None
    """TOML file: the actions after a final review decision (default `enforce/data/decision_policy.toml`)."""

    @field_validator("preservation_days")
    @classmethod
    def _not_shorter(cls, value: int) -> int:
        if value < MIN_PRESERVATION_DAYS:
            raise ValueError(f"preservation must last at least {MIN_PRESERVATION_DAYS} days (2258A(h))")
        return value

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def cybertip_base_url(self) -> str:
        if self.cybertip_url:
            return self.cybertip_url.rstrip("/")
        return PRODUCTION_BASE_URL if self.cybertip_environment == "production" else TEST_BASE_URL

    @property
    def reader_roles(self) -> frozenset[Role]:
        return parse_roles(self.preservation_roles, setting="BASTION_PRESERVATION_ROLES")

    def webhook_key(self) -> bytes:
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not secret or secret == DEV_SECRET:
            if not self.development:
                raise ConfigError("BASTION_WEBHOOK_SECRET is not set; set a long random value")
            secret = DEV_SECRET
        if len(secret) < 16:
            raise ConfigError("BASTION_WEBHOOK_SECRET must be at least 16 characters")
        return secret.encode()

    def fernet_key(self) -> bytes:
        if self.preservation_key is None:
            if not self.development:
                raise ConfigError(
                    "BASTION_PRESERVATION_KEY is not set; make one with "
                    "python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'"
                )
            return base64.urlsafe_b64encode(hashlib.sha256(DEV_SECRET.encode()).digest())
        return self.preservation_key.get_secret_value().encode()

    def cybertip_credentials(self) -> tuple[str, str]:
        user = self.cybertip_username
        password = self.cybertip_password.get_secret_value() if self.cybertip_password else ""
        if not user or not password:
            raise ConfigError("BASTION_CYBERTIP_USERNAME and BASTION_CYBERTIP_PASSWORD must be set")
        return user, password


def load_enforce_settings(**overrides: object) -> EnforceSettings:
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return EnforceSettings(**clean)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
