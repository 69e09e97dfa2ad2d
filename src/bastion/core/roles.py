"""Who acts in Bastion: one scheme for logins, tokens, the API's access table and the evidence vault."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    LEAD = "lead"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    PLATFORM = "platform"


#: Roles a person can hold (a platform is a token, never a login).
PEOPLE_ROLES = (Role.ADMIN, Role.LEAD, Role.REVIEWER, Role.AUDITOR)


def parse_roles(text: str, *, setting: str) -> frozenset[Role]:
    """``"admin,lead"`` from a setting; an unknown name is a configuration error naming the setting."""
    from bastion.core.errors import ConfigError

    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in Role._value2member_map_]
    if unknown:
        raise ConfigError(f"{setting}: unknown role(s) {unknown}; roles are {[r.value for r in Role]}")
    return frozenset(Role(n) for n in names)
