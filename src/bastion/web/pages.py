"""What every console page shares: the templates, the page frame (who is signed in, their exposure this hour,
the pipeline's state), the façade of the running service, and the wording of priorities."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Path as PathParam
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from bastion.core.roles import Role
from bastion.core.signals import lookup
from bastion.core.timefmt import utcnow
from bastion.enforce import DecisionPolicy, load_decision_policy
from bastion.review.auth import Principal
from bastion.review.policy import CATEGORIES, CHILD_SAFETY, MINOR_WEIGHT, SLA, signal_weight, time_left
from bastion.system import Bastion

#: A record id in a path: the database's integer range (a larger one is a form error, not a server error).
Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))

#: What each priority means, from triage's own rules (review.policy.rank: the score adds the category's
#: base, each signal's weight, a minor involved, up to 0.15 for more reports and 0.1 for waiting).
PRIORITY_WHY = {
    1: "child safety, or a triage score of 1.0 or more",
    2: "a triage score of 0.6 or more",
    3: "a triage score of 0.35 or more",
    4: "a triage score below 0.35",
}


def priority_label(priority: int) -> str:
    hours = int(SLA.get(priority, SLA[4]).total_seconds() // 3600)
    return f"P{priority} · first decision within {hours} h · {PRIORITY_WHY.get(priority, '')}"


def priority_why(case: dict[str, Any]) -> str:
    """This case's own reasons for its priority, in triage's terms (category, signals, a minor, reports)."""
    raw = case.get("flags")
    flags: dict[str, Any] = raw if isinstance(raw, dict) else {}
    category = str(case.get("category", "other"))
    words = ["child safety always comes first" if category == CHILD_SAFETY else category.replace("_", " ")]
    base = CATEGORIES.get(category, CATEGORIES["other"])[0]
    if category != CHILD_SAFETY:
        words[0] += f" ({base:.2f})"
    kinds = sorted(k for k, v in flags.items() if v is True and k != "minor")
    words += [f"{k.replace('_', ' ')} (+{signal_weight(lookup(k)):.2f})" for k in kinds]
    if flags.get("minor"):
        words.append(f"a minor involved (+{MINOR_WEIGHT:.2f})")
    reports = int(case.get("report_count") or 0)
    if reports > 1:
        words.append(f"{reports} reports")
    return "; ".join(words)


def age(since: Any, now: Any) -> str:
    """How long something has waited, in the largest unit that says it."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def system(request: Request) -> Bastion:
    found: Bastion = request.app.state.bastion
    return found


@lru_cache(maxsize=4)
def _policy(path: str | None) -> DecisionPolicy:
    return load_decision_policy(path)


def decision_policy(request: Request) -> DecisionPolicy:
    """The operator's decision policy (checked when the service started; read once here)."""
    return _policy(system(request).section("enforce").decision_policy)


def page(request: Request, name: str, me: Principal | None, review: Any, **context: Any) -> HTMLResponse:
    exposure = (
        review.desk.exposure(me.name) if me is not None and me.role in (Role.REVIEWER, Role.LEAD) else 0
    )
    return templates.TemplateResponse(
        request,
        name,
        {
            "me": me,
            "csrf": me.csrf_token if me else "",
            "exposure": exposure,
            "break_after": review.settings.break_after_reveals,
            "time_left": time_left,
            "age": age,
            "priority_label": priority_label,
            "priority_why": priority_why,
            "now": utcnow(),
            **context,
        },
    )


def back(path: str, **query: Any) -> RedirectResponse:
    """A redirect after a form (303, so Back does not post again), with a note for the next page."""
    params = {k: v for k, v in query.items() if v not in (None, "")}
    return RedirectResponse(f"{path}?{urlencode(params)}" if params else path, status_code=303)


def local_path(value: str) -> str:
    """Where to go after logging in: only a path on this site (never ``//host`` or a scheme)."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and len(value) < 300:
        return value
    return ""
