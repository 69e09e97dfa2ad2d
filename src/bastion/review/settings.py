"""Settings of the review service (``BASTION_*``): secrets come from the environment, and a default secret is
refused outside development so a forgotten setting cannot reach production."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bastion.core.errors import ConfigError

DEV_SECRET = "development-only-secret-change-me"


class ReviewSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASTION_", extra="ignore", use_attribute_docstrings=True)

    env: Literal["development", "production"] = "production"
    """``development`` allows the built-in secrets; anything else refuses them at start."""
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    """Keys the hashes of API tokens and session ids (a database dump alone cannot forge either)."""
    session_hours: float = 8.0
    """How long a console login lasts."""
    cookie_secure: bool | None = None
    """Secure-only cookies; unset means secure outside development."""
    queue_bound_seconds: float = 60.0
    """A report must be in a queue this many seconds after it arrived, or the pipeline is degraded."""
    canary_interval_seconds: float = 300.0
    """How often the service sends itself a canary report to prove intake reaches a queue."""
    triage_interval_seconds: float = 0.2
    """How often triage looks for new reports."""
    monitor_interval_seconds: float = 5.0
    """How often pipeline health is checked."""
    alert_webhook: str | None = None
    """Where pipeline alerts are posted (a chat webhook URL)."""
    second_review_rate: float = 0.1
    """Share of decisions sampled for a blind second review ("not violating" on a child-safety case with a
    hash match or network membership is always second-reviewed)."""
    break_after_reveals: int = 20
    """Reveals within an hour before the console suggests a break."""
    claim_timeout_minutes: float = 30.0
    """A claimed case returns to its queue after this long without a decision."""

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
