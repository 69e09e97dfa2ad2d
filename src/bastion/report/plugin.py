"""The report capability's manifest: CyberTipline reports and evidence preservation.

Its settings sit in the enforce section (they share the environment and secrets rules), and its tables in
enforce's migration branch; it owns neither of its own yet.
"""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability


def _service(b: Any) -> object:
    from bastion.report.service import CyberTipService

    return CyberTipService(b.store, b.section("enforce"))


def _commands(app: Any) -> None:
    from bastion.cli.report_cmd import register

    register(app)


CAPABILITY = Capability(
    name="report",
    summary="CyberTipline reports built, validated and submitted; evidence preserved and purged on time",
    order=80,
    service=_service,
    commands=_commands,
)
