"""Enforcement's background passes, declared as jobs in its manifest and run by the service's leader.

In the 2023 case, a month after sellers were reported dozens were still active because nobody looked again.
The service therefore re-checks each platform's actioned and reported accounts against their latest ingested
status on a timer (escalating those still active as ``still_active`` signals) and delivers due webhook events,
instead of waiting for someone to remember ``bastion enforcement status``. Both passes are idempotent.
"""

from __future__ import annotations

import logging

from bastion.core.errors import ConfigError
from bastion.enforce.settings import EnforceSettings
from bastion.enforce.status import recheck
from bastion.enforce.webhook import dispatcher_for
from bastion.store import Store

log = logging.getLogger("bastion.followthrough")


def recheck_platforms(store: Store, settings: EnforceSettings) -> dict[str, int]:
    """Per platform, how many accounts are still active past ``still_active_days`` (and were escalated)."""
    escalated = {}
    for name in store.platforms():
        found = recheck(store, name, escalate_after_days=settings.still_active_days)
        escalated[name] = len(found.escalate)
        if found.escalate:
            log.warning("%s: %d account(s) still active after their decision", name, len(found.escalate))
    return escalated


def deliver_due(store: Store, settings: EnforceSettings) -> int:
    """Webhook events whose time has come, delivered; 0 when no webhook is set (actions are pulled by API)."""
    if not settings.webhook_url:
        return 0
    try:
        dispatcher = dispatcher_for(store, settings)
    except ConfigError as exc:  # a half-configured webhook: said in the log, the next pass tries again
        log.warning("webhook delivery skipped: %s", exc)
        return 0
    return dispatcher.deliver_due().delivered
