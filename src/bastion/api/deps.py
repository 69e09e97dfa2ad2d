"""How the service knows who is calling: platforms send ``Authorization: Bearer <token>``, people carry a
session cookie; a session's unsafe requests must also carry its CSRF token (header ``X-CSRF-Token`` or form
field ``csrf_token``). What a caller may do is decided in one place, :func:`bastion.api.access.authorise`."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from bastion.api.access import authorise, rule_for
from bastion.core.errors import AuthError, Forbidden
from bastion.core.roles import Role
from bastion.review.auth import Principal, check_role
from bastion.review.service import Review

SESSION_COOKIE = "bastion_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ALL_ROLES = tuple(Role)


def get_review(request: Request) -> Review:
    review: Review = request.app.state.review
    return review


ReviewDep = Annotated[Review, Depends(get_review)]


async def authenticate(request: Request, review: Review) -> Principal | None:
    """The caller, ``None`` without credentials; wrong credentials or a missing CSRF token raise."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return review.auth.token(header[7:].strip())
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        return None
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


async def identify(request: Request) -> Principal | None:
    """The service's resolver for :func:`bastion.api.access.identify`: on a public route (the login form)
    stale or wrong credentials count as nobody, so an expired cookie cannot lock anyone out of logging in."""
    try:
        return await authenticate(request, get_review(request))
    except (AuthError, Forbidden):
        if rule_for(request).public:
            return None
        raise


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller :func:`authorise` let through, and (again, for the reader) one of ``roles``."""
    allowed = roles or ALL_ROLES

    async def dependency(principal: Annotated[Principal | None, Depends(authorise)]) -> Principal:
        if principal is None:
            raise AuthError("authentication required: a Bearer token or a console session")
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
