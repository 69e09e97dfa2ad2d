"""Settings of the review service (``BASTION_*``): secrets come from the environment, and a default secret is
refused outside development so a forgotten setting cannot reach production."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bastion.core.errors import ConfigError

DEV_SECRET = "development-only-secret-change-me"


class ReviewSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASTION_", extra="ignore")

    env: Literal["development", "production"] = "production"
    #: Keys the hashes of API tokens and session ids (a database dump alone cannot forge either).
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    session_hours: float = 8.0
    cookie_secure: bool | None = None  # default: secure cookies outside development
    #: A report must be in a queue this many seconds after it was received, or the pipeline is degraded.
    queue_bound_seconds: float = 60.0
    canary_interval_seconds: float = 300.0
    triage_interval_seconds: float = 0.2
    monitor_interval_seconds: float = 5.0
    alert_webhook: str | None = None
    second_review_rate: float = 0.1
    break_after_reveals: int = 20  # reveals within an hour before the console suggests a break
    claim_timeout_minutes: float = 30.0

    def checked(self) -> ReviewSettings:
        if self.env != "development" and self.secret_key.get_secret_value() == DEV_SECRET:
            raise ConfigError(
                "BASTION_SECRET_KEY is the development default; set a long random value "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))') or BASTION_ENV=development"
            )
        if len(self.secret_key.get_secret_value()) < 16:
            raise ConfigError("BASTION_SECRET_KEY must be at least 16 characters")
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.env != "development" if self.cookie_secure is None else self.cookie_secure


def load_review_settings(**overrides: object) -> ReviewSettings:
    clean = {k: v for k, v in overrides.items() if v is not None}
    return ReviewSettings(**clean).checked()  # type: ignore[arg-type]
