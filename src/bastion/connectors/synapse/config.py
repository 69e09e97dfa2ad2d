"""The module's configuration, from the ``config:`` block of its entry in the homeserver's ``modules:``."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from bastion.core.errors import ConfigError

DEFAULT_HELP = (
    "This was not sent: it contains words this server does not allow. If you or a child are at risk, "
    "contact your local child-protection hotline."
)


@dataclass(frozen=True)
class ConnectorConfig:
    """Where Bastion is, who this homeserver is to it, and what to do on a match or when it is down."""

    bastion_url: str
    #: a platform token from ``POST /v1/tokens`` (role platform, label = the platform's name)
    bastion_token: str
    #: the platform name the token writes as; accounts are the Matrix user ids, posts the event ids
    platform: str
    #: Synapse's own client URL, for the admin API (event reports, enforcement)
    homeserver_url: str = "http://127.0.0.1:8008"
    #: an access token of a Synapse server admin; without it reports are not polled and nothing is enforced
    admin_token: str | None = None
    #: or a file holding it (read when needed, so the token can be created or rotated after start)
    admin_token_file: str | None = None
    #: outbox, checkpoints and audit log (a small SQLite file); keep it on durable storage
    state_dir: str = "bastion-connector"
    #: at most this many events wait in the outbox while Bastion is unreachable (on disk)
    queue_max: int = 1_000_000
    #: a lexicon match in a message, display name, room name, topic or alias: refuse it, or let it through
    #: and have Bastion flag it (its term scan reads the forwarded text)
    text_policy: Literal["block", "flag"] = "block"
    #: when Bastion does not answer in time: let uploads and messages through (their hashes and text are
    #: queued, so Bastion's scans catch them later) or refuse them until it answers
    when_unreachable: Literal["allow", "refuse"] = "allow"
    help_message: str = DEFAULT_HELP
    timeout_seconds: float = 3.0
    report_poll_seconds: float = 1.0
    action_poll_seconds: float = 2.0
    send_batch: int = 500
    #: hide accounts whose name or display name matches a lexicon from user-directory search
    filter_user_directory: bool = True
    #: forward message text (needed for Bastion's term scans); off forwards metadata only
    forward_text: bool = True

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> ConnectorConfig:
        """Validate the block, naming the key that is wrong (Synapse shows this at start)."""
        raw = dict(raw or {})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ConfigError(f"bastion module: unknown config key(s) {unknown}; known: {sorted(known)}")
        for key in ("bastion_url", "bastion_token", "platform"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise ConfigError(f"bastion module: config key {key!r} is required (text)")
        choices = {"text_policy": ("block", "flag"), "when_unreachable": ("allow", "refuse")}
        for key, allowed in choices.items():
            if key in raw and raw[key] not in allowed:
                raise ConfigError(f"bastion module: {key} must be one of {allowed}, got {raw[key]!r}")
        for key in ("queue_max", "send_batch"):
            if key in raw and (not isinstance(raw[key], int) or raw[key] < 1):
                raise ConfigError(f"bastion module: {key} must be a positive whole number")
        raw["bastion_url"] = raw["bastion_url"].rstrip("/")
        raw["homeserver_url"] = str(raw.get("homeserver_url", cls.homeserver_url)).rstrip("/")
        return cls(**raw)
