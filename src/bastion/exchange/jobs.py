"""What the exchange capability runs on a schedule in ``bastion serve`` (the service runs a capability's jobs
on the elected leader only, so two replicas never sync or publish twice): each job takes the façade and
returns what it did, for the log. The manifest (:mod:`bastion.exchange.plugin`) names them with their
intervals.

- exchange sync: every enabled hash exchange, from its checkpoint (``sync_interval_seconds``);
- flood sweep: scans' stored matches counted for flood protection, old counts pruned (:data:`SWEEP_SECONDS`);
- verdicts: reviewers' verdicts that decisions recorded, sent to the exchanges (:data:`SWEEP_SECONDS`);
- policy list: the Matrix moderation policy list brought up to date, only when its homeserver and token file
  are set (``policylist_interval_seconds``);
- shared-signal pulls: each partner's signed feed (``shared_pull_interval_seconds``); a partner that fails
  does not stop the others, and the pass is reported failed.

This module imports nothing heavy at import time, so the manifest can name its functions.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bastion.exchange.service import ExchangeService
    from bastion.exchange.settings import ExchangeSettings

log = logging.getLogger("bastion.exchange.jobs")
#: Flood checks of scan matches and verdict sending: well inside the one minute a surge must be caught in.
SWEEP_SECONDS = 20.0


def _service(b: Any) -> ExchangeService:
    svc: ExchangeService = b.service("exchange")
    return svc


def sync_exchanges(b: Any) -> object:
    return _service(b).exchanges.sync_all()


def sweep_floods(b: Any) -> object:
    return _service(b).flood.sweep()


def send_verdicts(b: Any) -> object:
    return _service(b).send_verdicts()


def policylist_configured(settings: ExchangeSettings) -> bool:
    return bool(settings.policylist_homeserver_url and settings.policylist_token_file)


def publish_policy_list(b: Any) -> object:
    """Publish the policy list when it is configured; ``None`` (nothing done) when it is not."""
    from bastion.exchange.policylist import PolicyListPublisher

    svc = _service(b)
    if not policylist_configured(svc.settings):
        return None
    publisher = PolicyListPublisher(svc.store, svc.settings)
    try:
        return publisher.publish()
    finally:
        publisher.close()


def partners(settings: ExchangeSettings) -> list[str]:
    """The partners whose feed we can pull: a partnership key and the token the partner issued us."""
    return sorted(settings.partner_keys.keys() & settings.partner_tokens.keys())


def pull_partners(b: Any) -> dict[str, int]:
    """Each partner's feed pulled: {partner: signals changed}. A partner that fails does not stop the others;
    the pass then raises, naming every failure, so the scheduler counts it as failed."""
    from bastion.core.errors import UpstreamError

    svc = _service(b)
    out: dict[str, int] = {}
    failed: dict[str, str] = {}
    for partner in partners(svc.settings):
        try:
            out[partner] = svc.shared.pull(partner)
        except Exception as exc:  # one partner down does not stop the others
            log.error("shared-signal pull from %s failed: %s", partner, exc)
            failed[partner] = f"{type(exc).__name__}: {str(exc)[:200]}"
    if failed:
        why = "; ".join(f"{p}: {e}" for p, e in sorted(failed.items()))
        raise UpstreamError(f"shared-signal pull failed for {len(failed)} partner(s) ({why}); pulled {out}")
    return out


def sync_every(b: Any) -> float:
    return float(b.section("exchange").sync_interval_seconds)


def sweep_every(b: Any) -> float:
    return SWEEP_SECONDS


def policylist_every(b: Any) -> float:
    return float(b.section("exchange").policylist_interval_seconds)


def pull_every(b: Any) -> float:
    return float(b.section("exchange").shared_pull_interval_seconds)


__all__ = [
    "SWEEP_SECONDS",
    "partners",
    "policylist_configured",
    "policylist_every",
    "publish_policy_list",
    "pull_every",
    "pull_partners",
    "send_verdicts",
    "sweep_every",
    "sweep_floods",
    "sync_every",
    "sync_exchanges",
]
