"""Settings of the exchange capability (``BASTION_EXCHANGE_*``): hash exchange credentials come only from here
(never from an API call), NCMEC's test environment is the default, and flood protection's thresholds."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ExchangeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BASTION_EXCHANGE_", extra="ignore", use_attribute_docstrings=True
    )

    ncmec_user: str | None = None
    """NCMEC hash sharing user name."""
    ncmec_password: SecretStr | None = None
    """NCMEC hash sharing password."""
    ncmec_environment: str = "test_Exploitative"
    """NCMEC environment (threatexchange NCMECEnvironment name); the test one unless set."""
    ncmec_base_url: str | None = None
    """NCMEC API base URL override (a proxy, or a stand-in in tests); the environment's URL unless set."""
    ncmec_downvote_reason: str | None = None
    """NCMEC's negative-feedback reason for a false positive (its name or GUID); needed when NCMEC offers more
    than one for the fingerprint type."""
    stopncii_subscription_key: SecretStr | None = None
    """StopNCII subscription key (Ocp-Apim-Subscription-Key)."""
    stopncii_fetch_key: SecretStr | None = None
    """StopNCII fetch function key."""
    stopncii_feedback_key: SecretStr | None = None
    """StopNCII SubmitFeedback function key (feedback is not sent without it)."""
    stopncii_base_url: str | None = None
    """StopNCII API base URL override (a stand-in in tests)."""
    threatexchange_token: SecretStr | None = None
    """Facebook ThreatExchange access token."""
    sync_interval_seconds: float = 3600.0
    """How often `bastion serve` syncs every enabled exchange."""
    sync_batch: int = 250_000
    """Updates applied per checkpoint: a killed sync resumes from the last one."""
    hma_fetch_prefixes: list[str] = []
    """URL prefixes HMA's `url` parameter may fetch media from (none: fetching is refused)."""
    flood_window_seconds: int = 60
    """Flood protection looks at matches per hash in windows of this length."""
    flood_factor: float = 20.0
    """A hash is quarantined when its matches in a window exceed this many times its usual rate..."""
    flood_min_matches: int = 50
    """...and at least this many."""
    flood_history_minutes: int = 7 * 24 * 60
    """How far back a hash's usual rate is measured."""
    instance_name: str = "bastion"
    """This instance's name in the feeds it signs for partners."""
    partner_keys: dict[str, SecretStr] = {}
    """Shared-signal partnerships: {partner: key} (JSON); the key signs the feed and HMACs identifiers."""
    partner_urls: dict[str, str] = {}
    """{partner: base URL} of each partner's Bastion (JSON)."""
    partner_tokens: dict[str, SecretStr] = {}
    """{partner: the platform token it issued us} (JSON)."""
    policylist_homeserver_url: str | None = None
    """Matrix homeserver the moderation policy list is published on (`bastion policylist publish`)."""
    policylist_token_file: str | None = None
    """File holding the access token of the Matrix account that owns the policy room (never the token)."""
    policylist_room: str = "#bastion-policy"
    """The policy room: a room id (``!…``) or an alias (``#name`` or ``#name:server``), created if absent."""
    policylist_interval_seconds: float = 300.0
    """How often `bastion serve` publishes the policy list (when its homeserver and token file are set)."""
    shared_pull_interval_seconds: float = 900.0
    """How often `bastion serve` pulls each partner's shared-signal feed (partners with a key and a token)."""
