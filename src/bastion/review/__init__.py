"""Review: intake of user reports, triage into cases, the review console's logic, quality checks, pipeline
health and the hash-chained audit log.

Reads signals of kinds ``hash_match``, ``term_match``, ``blocked_search`` and ``network_member`` (evidence
``network_id``) to rank and group cases; writes no signals. Its tables are in ``store/tables_review.py``.
A case's final decision (a :class:`bastion.core.decision.Decision`) is handed to an injected ``on_decision``
handler in its transaction; review never imports the capability that carries it out.
"""

from __future__ import annotations

from bastion.core.roles import Role
from bastion.review.auth import Auth, Principal
from bastion.review.cases import CaseDesk
from bastion.review.intake import ReportIn, store_reports
from bastion.review.kinds import BAD_FAITH_REPORTER, CASE_OPEN, VERDICT
from bastion.review.service import Review
from bastion.review.settings import ReviewSettings, load_review_settings

__all__ = [
    "BAD_FAITH_REPORTER",
    "CASE_OPEN",
    "VERDICT",
    "Auth",
    "CaseDesk",
    "Principal",
    "ReportIn",
    "Review",
    "ReviewSettings",
    "Role",
    "load_review_settings",
    "store_reports",
]
