"""Signing in and out. The login form has its own CSRF cookie; failed logins are throttled per account and
address (a browser that signed in before is never held by the account limit); after an expired session the
form takes the person back to the page they were on (``next``)."""

from __future__ import annotations

import hmac
import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bastion.api.deps import SESSION_COOKIE, Authenticated, ReviewDep
from bastion.core.errors import AuthError
from bastion.core.roles import Role
from bastion.review import audit
from bastion.web.pages import back, local_path, page

LOGIN_CSRF = "bastion_login_csrf"
KNOWN_DEVICE = "bastion_known_device"
router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(
    request: Request, review: ReviewDep, error: str = "", next_page: Annotated[str, Query(alias="next")] = ""
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(
        request, "login.html", None, review, login_csrf=token, error=error, next=local_path(next_page)
    )
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="strict", secure=review.settings.secure_cookies
    )
    return response


@router.post("/login")
def login(
    request: Request,
    review: ReviewDep,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next_page: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """Sign in; ``next`` (a path on this site) is where a person whose session expired was working."""
    again = {"next": local_path(next_page)} if local_path(next_page) else {}
    cookie = request.cookies.get(LOGIN_CSRF, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf_token.encode()):
        return back("/login", error="form expired, try again", **again)
    name, address = name[:255], request.client.host if request.client else "unknown"
    throttle = review.auth.throttle
    device = request.cookies.get(KNOWN_DEVICE, "").encode()
    trusted = hmac.compare_digest(device, review.auth.device_token(name).encode())
    hold = throttle.check(name, address, trusted=trusted)
    if hold is not None:  # answered without checking the password; audited once per burst
        if hold.first_of_burst:
            details = {"by": hold.key, "address": address, "failures": hold.failures}
            audit.record(review.engine, name, "login.throttled", f"user:{name[:200]}", details)
        wait = max(1, math.ceil(hold.wait_seconds))
        held = back("/login", error=f"too many failed logins, try again in {wait} seconds", **again)
        held.headers["Retry-After"] = str(wait)
        return held
    try:
        user = review.auth.check_password(name, password)
    except AuthError:
        if throttle.failed(name, address):
            audit.record(review.engine, name, "login.failed", f"user:{name[:200]}")
        return back("/login", error="wrong name or password", **again)
    throttle.succeeded(user.name, address)
    sid, _csrf = review.auth.open_session(user)
    audit.record(review.engine, user.name, "login", f"user:{user.name}")
    target = local_path(next_page) or ("/queues" if user.role in (Role.REVIEWER, Role.LEAD) else "/audit")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        httponly=True,
        samesite="strict",
        secure=review.settings.secure_cookies,
        max_age=int(review.settings.session_hours * 3600),
    )
    response.set_cookie(  # this browser is known-good for this account: the account limit never holds it
        KNOWN_DEVICE,
        review.auth.device_token(user.name),
        httponly=True,
        samesite="strict",
        secure=review.settings.secure_cookies,
        max_age=30 * 24 * 3600,
    )
    response.delete_cookie(LOGIN_CSRF)
    return response


@router.post("/logout")
def logout(request: Request, me: Authenticated, review: ReviewDep) -> Response:
    review.auth.close_session(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(me: Authenticated) -> Response:
    return RedirectResponse("/queues" if me.role in (Role.REVIEWER, Role.LEAD) else "/audit", status_code=303)
