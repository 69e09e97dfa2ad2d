"""Bastion on a Mastodon server: its admin webhooks are received by Bastion's service
(``POST /v1/mastodon/webhook``, :mod:`bastion.api.routers.mastodon`, with this package's signature check and
payload mapping), and Bastion's actions are carried out through Mastodon's admin API with Mastodon.py
(:class:`Enforcer`, a job of ``bastion serve`` or ``bastion mastodon enforce --once``), preserving evidence
in Bastion's preservation vault before a suspension. Like every connector it imports nothing of Bastion but
``bastion.core``: the store-backed ledger and vault are handed in (its manifest, :mod:`.plugin`, wires
them)."""

from bastion.connectors.mastodon.admin import MastodonAdmin, Retry
from bastion.connectors.mastodon.enforcer import ActionPoller, Enforcer
from bastion.connectors.mastodon.payloads import EVENTS, Mapped, MediaRef, map_webhook, parse
from bastion.connectors.mastodon.preserve import Preserver
from bastion.connectors.mastodon.signature import BadSignature, sign, verify
from bastion.connectors.mastodon.state import EvidenceVault, Ledger

__all__ = [
    "EVENTS",
    "ActionPoller",
    "BadSignature",
    "Enforcer",
    "EvidenceVault",
    "Ledger",
    "Mapped",
    "MastodonAdmin",
    "MediaRef",
    "Preserver",
    "Retry",
    "map_webhook",
    "parse",
    "sign",
    "verify",
]
