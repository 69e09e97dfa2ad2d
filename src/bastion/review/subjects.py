"""Whom a case's decision is about: the case's account, or every member of the network it was opened on.

Read from the case and the ``network_member`` signals (evidence ``network_id`` and ``role``), in the caller's
transaction, so the decision record names exactly the accounts the reviewer decided on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from bastion.core.decision import Subject
from bastion.store.tables import signals

MEMBER_KIND = "network_member"


def network_members(conn: Connection, platform: str, network_id: str) -> dict[str, str]:
    """Members of one network: account id -> role (``unknown`` when the detector named none)."""
    rows = conn.execute(
        select(signals.c.entity_id, signals.c.evidence).where(
            signals.c.platform == platform, signals.c.kind == MEMBER_KIND
        )
    ).all()
    return {
        r.entity_id: str((r.evidence or {}).get("role") or "unknown")
        for r in sorted(rows, key=lambda r: r.entity_id)
        if str((r.evidence or {}).get("network_id")) == network_id
    }


def case_subjects(conn: Connection, case: Any) -> tuple[Subject, ...]:
    """The subjects of a decision on ``case`` (a review_cases row); none for a case on no account."""
    if case.group_type == "network":
        members = network_members(conn, case.platform, case.group_id)
        return tuple(
            Subject(case.platform, account, role, network_id=case.group_id)
            for account, role in sorted(members.items())
        )
    if case.account_id is None:
        return ()
    post_id = case.group_id if case.group_type == "post" else None
    return (Subject(case.platform, case.account_id, "subject", post_id=post_id),)
