"""Errors as pages for a person's browser (the API keeps its JSON): a short title, what went wrong, and a
way back; an expired session goes to the login form, which then returns to the page the person was on."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from bastion.api.deps import SESSION_COOKIE
from bastion.web.pages import local_path, templates

TITLES = {
    400: "That request was not understood",
    403: "Not allowed",
    404: "Not found",
    405: "Not available here",
    409: "Someone or something got there first",
    413: "Too large",
    422: "Something in the form needs fixing",
    429: "Too many requests",
    503: "Not available right now",
}
CASE_ACTION = re.compile(r"^(/cases/\d+)/[a-z]+$")


def error_page(request: Request, code: int, detail: str) -> HTMLResponse:
    context = {"me": None, "csrf": "", "exposure": 0, "break_after": 1 << 30}
    context |= {"code": code, "title": TITLES.get(code, "Something went wrong"), "detail": detail}
    return templates.TemplateResponse(request, "error.html", context, status_code=code)


def to_login(request: Request) -> RedirectResponse:
    """The login form, told where the person was: the page itself, or for a form sent after the session
    ended (a decision), the case page it came from, where the typed decision is restored."""
    path = request.url.path
    if request.method == "GET":
        back = path + (f"?{request.url.query}" if request.url.query else "")
    else:
        found = CASE_ACTION.match(path)
        back = found.group(1) if found else "/"
    query: dict[str, str] = {}
    if request.cookies.get(SESSION_COOKIE):  # it had a session: say what happened, not just "log in"
        query["error"] = "your session has ended; log in again (anything you typed is kept in this browser)"
    if local_path(back) and back != "/":
        query["next"] = back
    return RedirectResponse(f"/login?{urlencode(query)}", status_code=303)
