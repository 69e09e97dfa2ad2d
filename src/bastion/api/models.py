"""Public (response) and input models of the API; stored rows never leave the service as they are, so a
password hash, a token hash or a session id cannot leak into an answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from bastion.core.roles import Role


class ErrorOut(BaseModel):
    """Every error the service answers with (401, 403, 404, 409, 413, 422, 503): the kind, what went wrong
    and, for bad input, the field."""

    error: str
    detail: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="for a request that does not match its schema: each problem found"
    )


class ItemResultPublic(BaseModel):
    index: int
    report_id: str | None
    status: Literal["stored", "duplicate", "rejected"]
    field: str | None = None
    error: str | None = None


class IntakeResponse(BaseModel):
    stored: int
    duplicate: int
    rejected: int
    items: list[ItemResultPublic]


class ReportStatus(BaseModel):
    platform: str
    report_id: str
    received_at: datetime | None
    case_id: int | None
    queued_at: datetime | None


class DecisionPublic(BaseModel):
    decision_id: int | None = None  # what actions (``POST /v1/actions``) and CyberTipline drafts reference
    reviewer: str
    stage: str
    outcome: str
    clause: str
    reason: str
    created_at: datetime
    final: bool = False  # this decision closed the case, and the decision policy carried it out


class CasePublic(BaseModel):
    case_id: int
    platform: str
    group_type: str
    group_id: str
    account_id: str | None
    category: str
    severity: int
    priority: int
    score: float
    flags: dict[str, Any]
    status: str
    stage: str
    assignee: str | None
    outcome: str | None
    report_count: int
    created_at: datetime
    due_at: datetime
    time_left: str
    decisions: list[DecisionPublic] = []
    #: What the decision just recorded did (ids of actions, reversals, CyberTipline drafts); on decide only.
    effects: dict[str, list[int]] | None = None


class CaseEvidence(BaseModel):
    case: CasePublic
    reports: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    signals: list[dict[str, Any]]
    media: list[dict[str, Any]]
    members: list[dict[str, Any]]
    guidance: str
    clauses: list[str]


class DecisionIn(BaseModel):
    outcome: Literal["violating", "not_violating", "escalate"]
    clause: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=5_000)


class ReferIn(BaseModel):
    """A case no one reported: on one account, or on a detected network (one of them)."""

    platform: str = Field(min_length=1, max_length=255)
    account_id: str | None = Field(default=None, min_length=1, max_length=255)
    network_id: str | None = Field(default=None, min_length=1, max_length=255)
    reason: str = Field(min_length=1, max_length=5_000)
    category: str = Field(default="child_safety", min_length=1, max_length=64)


class AppealIn(BaseModel):
    reason: str = Field(min_length=1, max_length=5_000)


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    role: Literal["admin", "lead", "reviewer", "auditor"]
    password: str = Field(min_length=12, max_length=1_000)


class UserPublic(BaseModel):
    user_id: int
    name: str
    role: Role


class TokenIn(BaseModel):
    label: str = Field(min_length=1, max_length=255, description="the platform this token writes for")
    role: Literal["platform", "auditor"] = "platform"


class TokenCreated(BaseModel):
    label: str
    role: str
    token: str = Field(description="shown once; only a keyed hash is stored")


class AuditEntryPublic(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    hash: str


class AuditVerdict(BaseModel):
    ok: bool
    rows: int
    head: str
    problems: list[str]


class ReviewerFiguresPublic(BaseModel):
    reviewer: str
    decisions: int
    checked: int
    agreement: float | None
    accuracy: float | None
