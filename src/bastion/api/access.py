"""One authorisation scheme for every route of the service: who is calling (a :class:`Principal`: nobody, a
person with a role, a platform's token or an auditor's token), and one dependency, :func:`authorise`, that
looks the route up in :data:`bastion.api.policy.POLICY` and decides what the caller may do and which
platform it may see.

A platform token only ever sees and acts on its own platform: a ``platform`` named in the path or query is
checked here; a platform named in a body is checked by the endpoint with :func:`own_platform`, which also
derives it from the token when none is named; a record fetched by id is checked with :func:`check_owner`.
A route without a rule is refused to everyone (fail closed), and the service refuses to start with one.
Refusals are plain HTTP errors, so a router mounted in another app answers them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from bastion.core.roles import PEOPLE_ROLES, Role
from bastion.review.auth import Principal

ANONYMOUS = "anonymous"
PEOPLE = frozenset(PEOPLE_ROLES)
SIGNED_IN = PEOPLE | {Role.PLATFORM}
EVERYONE = SIGNED_IN | {ANONYMOUS}


class Scope(StrEnum):
    #: No platform's own data shown or changed for a platform token (it may not call it, or it is global).
    NONE = "none"
    #: The route names a platform (path, query or body): a token may name only its own, none means its own.
    OWN = "own"
    #: The route names a record by id: a token gets 404 for another platform's record.
    RESOURCE = "resource"


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[str]
    scope: Scope = Scope.NONE

    @property
    def public(self) -> bool:
        return ANONYMOUS in self.roles


def rule(*roles: str | frozenset[str], scope: Scope = Scope.NONE) -> Rule:
    names: set[str] = set()
    for r in roles:
        names.update({r} if isinstance(r, str) else r)
    unknown = names - EVERYONE
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    if "platform" in names and ANONYMOUS not in names and scope == Scope.NONE:
        raise ValueError("a route platform tokens may call must say how it is scoped (OWN or RESOURCE)")
    return Rule(frozenset(names), scope)


async def identify(request: Request) -> Principal | None:
    """Who is calling, by the service's resolver (``app.state.identify``: its sessions and tokens); a router
    mounted anywhere else knows nobody, so every non-public route answers 401 there (fail closed)."""
    resolve = getattr(request.app.state, "identify", None)
    if resolve is None:
        return None
    principal: Principal | None = await resolve(request)
    return principal


def rule_for(request: Request) -> Rule:
    from bastion.api.policy import POLICY

    route = request.scope.get("route")
    path = getattr(route, "path", None)
    method = "GET" if request.method == "HEAD" else request.method
    found = POLICY.get((method, path)) if isinstance(path, str) else None
    if found is None:
        raise HTTPException(403, f"no access rule for {method} {path}: refused")
    return found


async def authorise(
    request: Request, who: Annotated[Principal | None, Depends(identify)]
) -> Principal | None:
    """The one gate: authenticated, of an allowed role, and (for tokens) on its own platform."""
    found = rule_for(request)
    if who is None:
        if found.public:
            return None
        raise HTTPException(
            401,
            "authentication required: a Bearer token or a console session",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if str(who.role) not in found.roles:
        allowed = ", ".join(sorted(found.roles - {ANONYMOUS}))
        raise HTTPException(403, f"role {who.role} may not do this (needs one of {allowed})")
    if who.role == Role.PLATFORM:  # whatever the route, a platform named in the URL must be its own
        named = request.path_params.get("platform")
        if named is not None and named != who.platform:
            raise HTTPException(404, "not found")
        asked = request.query_params.get("platform")
        if asked is not None:
            own_platform(who, asked)
    return who


def own_platform(who: Principal | None, named: str | None) -> str | None:
    """The platform a call acts on: a platform token's own (derived when none is named, refused when another
    is named); for people, what they named (``None``: every platform, where the route allows it)."""
    if who is None or who.role != Role.PLATFORM:
        return named
    if not who.platform:
        raise HTTPException(403, "this platform token names no platform")
    if named is not None and named != who.platform:
        raise HTTPException(403, f"this token acts for platform {who.platform!r} only")
    return who.platform


def check_owner(who: Principal | None, platform: str, what: str) -> None:
    """A platform token may see a record only if it belongs to its platform; otherwise it does not exist."""
    if who is not None and who.role == Role.PLATFORM and platform != who.platform:
        raise HTTPException(404, f"{what} not found")


Caller = Annotated[Principal, Depends(authorise)]
MaybeCaller = Annotated[Principal | None, Depends(authorise)]
