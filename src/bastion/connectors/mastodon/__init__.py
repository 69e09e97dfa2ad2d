"""Bastion on a Mastodon server: its admin webhooks are received by Bastion's service
(``POST /v1/mastodon/webhook``, :mod:`bastion.api.routers.mastodon`, with this package's signature check and
payload mapping), and Bastion's actions are carried out through Mastodon's admin API with Mastodon.py
(:class:`Enforcer`, run by ``bastion mastodon enforce``), preserving evidence before a suspension. Like every
connector it imports nothing of Bastion but ``bastion.core``."""

from bastion.connectors.mastodon.admin import MastodonAdmin, Retry
from bastion.connectors.mastodon.enforcer import ActionPoller, Enforcer
from bastion.connectors.mastodon.payloads import EVENTS, Mapped, MediaRef, map_webhook, parse
from bastion.connectors.mastodon.preserve import Preserver
from bastion.connectors.mastodon.signature import BadSignature, sign, verify
from bastion.connectors.mastodon.state import State

__all__ = [
    "EVENTS",
    "ActionPoller",
    "BadSignature",
    "Enforcer",
    "Mapped",
    "MastodonAdmin",
    "MediaRef",
    "Preserver",
    "Retry",
    "State",
    "map_webhook",
    "parse",
    "sign",
    "verify",
]
