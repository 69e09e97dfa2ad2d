"""Whom a case's decision is about: the case's account, or every member of the network it was opened on.

Read from the case and the ``network_member`` signals (evidence ``network_id`` and ``role``), in the caller's
transaction, so the decision record names exactly the accounts the reviewer decided on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from bastion.core.decision import Subject
from bastion.core.signals import named
from bastion.store.signals import SignalRepository

MEMBER_KIND = named("network_member")


def network_members(conn: Connection, platform: str, network_id: str) -> dict[str, str]:
    """Members of one network: account id -> role (``unknown`` when the detector named none)."""
    found = SignalRepository(conn.engine).of_kind(MEMBER_KIND, platform, conn=conn)
    return {
        s.entity_id: str((s.evidence or {}).get("role") or "unknown")
        for s in sorted(found, key=lambda s: s.entity_id)
        if of_network(s.evidence or {}, network_id)
    }


def of_network(evidence: Mapping[str, Any], network_id: str) -> bool:
    """Whether a member signal is of ``network_id``: its network, or one that merged into it."""
    merged = evidence.get("merged")
    if str(evidence.get("network_id")) == network_id:
        return True
    return isinstance(merged, list) and network_id in merged


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
