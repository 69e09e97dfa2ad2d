"""Authentication and authorisation for every route: platforms send ``Authorization: Bearer <token>``,
people carry a session cookie; a session's unsafe requests must also carry its CSRF token (header
``X-CSRF-Token`` or form field ``csrf_token``)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from bastion.review.auth import AuthError, Forbidden, Principal, Role, check_role
from bastion.review.service import Review

SESSION_COOKIE = "bastion_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ALL_ROLES = tuple(Role)


def get_review(request: Request) -> Review:
    review: Review = request.app.state.review
    return review


ReviewDep = Annotated[Review, Depends(get_review)]


async def authenticate(request: Request, review: ReviewDep) -> Principal:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return review.auth.token(header[7:].strip())
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        raise AuthError("authentication required: a Bearer token or a console session")
    principal = review.auth.session(sid)
    if request.method in UNSAFE:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            value = (await request.form()).get("csrf_token")
            sent = value if isinstance(value, str) else None
        if not sent or not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
            raise Forbidden("missing or wrong CSRF token")
    return principal


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency: authenticated and one of ``roles``."""
    allowed = roles or ALL_ROLES

    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        check_role(principal, allowed)
        return principal

    return dependency


Authenticated = Annotated[Principal, Depends(require())]
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER, Role.LEAD))]
Lead = Annotated[Principal, Depends(require(Role.LEAD))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Oversight = Annotated[Principal, Depends(require(Role.AUDITOR, Role.ADMIN))]
Figures = Annotated[Principal, Depends(require(Role.LEAD, Role.ADMIN, Role.AUDITOR))]
Platform = Annotated[Principal, Depends(require(Role.PLATFORM, Role.ADMIN))]
Appeals = Annotated[Principal, Depends(require(Role.PLATFORM, Role.LEAD))]
