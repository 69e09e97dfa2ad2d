"""Settings of the platform connectors that Bastion's own service runs (Mastodon), kept here below the layers
like :class:`bastion.core.settings.ApiLimits`, so the one settings tree can hold them and the connector, which
may import only ``bastion.core``, can read them too."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["MastodonSettings"]


class MastodonSettings(BaseSettings):
    """A Mastodon server: its admin webhooks come to ``POST /v1/mastodon/webhook``, Bastion's actions go
    back through its admin API (the ``mastodon-enforce`` job of ``bastion serve``, or
    ``bastion mastodon enforce --once``)."""

    model_config = SettingsConfigDict(
        env_prefix="BASTION_MASTODON_", extra="ignore", use_attribute_docstrings=True
    )

    platform: str = "mastodon"
    """The platform name the server's accounts, statuses and reports are stored under."""
    webhook_secret: SecretStr | None = None
    """The secret Mastodon shows for the webhook (Administration > Webhooks); unset: the receiver is off."""
    url: str | None = None
    """The Mastodon server's base URL, e.g. `https://mastodon.example` (admin API calls go there)."""
    access_token: SecretStr | None = None
    """An admin's access token with the scopes listed in the README's Mastodon section."""
    media_max_bytes: int = 16 * 1024 * 1024
    """Reported media larger than this is not fetched (it is recorded as not hashed)."""
    media_timeout_seconds: float = 5.0
    """How long fetching one reported media file may take."""
    media_per_webhook: int = 16
    """At most this many media files are fetched and hashed for one webhook."""
    media_budget_seconds: float = 20.0
    """Fetching and hashing one webhook's media stops after this long (the rest is recorded as not hashed)."""
    media_private_hosts: bool = False
    """Allow fetching media from loopback, private or reserved addresses (off: a remote post cannot make
    Bastion fetch from its own network)."""
    suspend_type: Literal["suspend", "disable", "silence"] = "suspend"
    """What `disable_account` does on Mastodon (`suspend` deletes the account's data after 30 days)."""
    restrict_type: Literal["silence", "none"] = "silence"
    """What the restriction actions (search, recommendations, messages to minors) do on Mastodon."""
    poll_seconds: float = 5.0
    """How often the `mastodon-enforce` job of `bastion serve` reads Bastion's action feed."""
    evidence_statuses: int = 200
    """At most this many of an account's latest statuses are preserved before it is suspended."""

    @field_validator("media_max_bytes", "media_per_webhook", "evidence_statuses")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be a positive whole number")
        return value

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/") if value else value
