"""The report capability's manifest: CyberTipline reports and evidence preservation.

Its settings sit in the enforce section (they share the environment and secrets rules), and its tables in
enforce's migration branch; it owns neither of its own yet.
"""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability, Job


def _service(b: Any) -> object:
    from bastion.report.service import CyberTipService

    return CyberTipService(b.store, b.section("enforce"))


def _purge(b: Any) -> object:
    """Preserved reports whose legal period has ended, deleted (skipped, and logged, while no preservation
    key is set outside development)."""
    import logging

    from bastion.core.errors import ConfigError
    from bastion.report.preservation import PreservationVault

    settings = b.section("enforce")
    try:
        vault = PreservationVault(b.store, settings.fernet_key(), days=settings.preservation_days)
    except ConfigError as exc:
        logging.getLogger("bastion.followthrough").warning("preservation purge skipped: %s", exc)
        return 0
    return vault.purge_due(actor="scheduler")


def _every(b: Any) -> float:
    return float(b.section("enforce").followthrough_interval_seconds)


def _commands(app: Any) -> None:
    from bastion.cli.report_cmd import register

    register(app)


CAPABILITY = Capability(
    name="report",
    summary="CyberTipline reports built, validated and submitted; evidence preserved and purged on time",
    order=80,
    service=_service,
    commands=_commands,
    jobs=(Job("preservation-purge", _purge, _every),),
)
