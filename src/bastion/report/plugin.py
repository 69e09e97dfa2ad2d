"""The report capability's manifest: CyberTipline reports and evidence preservation.

Its commands sit in the ``report`` group of the enforce commands, and its settings in the enforce section
(they share the environment and secrets rules); it owns no migration branch of its own yet.
"""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability


def _service(b: Any) -> object:
    from bastion.report.service import CyberTipService

    return CyberTipService(b.store, b.section("enforce"))


CAPABILITY = Capability(
    name="report",
    summary="CyberTipline reports built, validated and submitted; evidence preserved and purged on time",
    order=80,
    service=_service,
)
