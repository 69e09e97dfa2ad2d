"""A lead's decision that a whole server (a Matrix homeserver) is run for abuse: the one way a Bastion
decision names a server, published on the policy list as ``m.policy.rule.server``.

Nothing else honestly names a server. A network whose members all sit on one remote homeserver says nothing
about the server's other users (two sellers on a large public server must not ban that server), so no rule is
derived from takedowns; a lead decides, with a reason and a clause, as for any decision outside a case. The
decision is stored like the others (``review_decisions``, stage :data:`~bastion.core.decision.SERVER_BAN`,
one subject of role :data:`~bastion.core.decision.SERVER_ROLE` whose ``account_id`` is the server name), so
it is audited, and a later decision on the same server (``not_violating``: the ban lifted) supersedes it.
It is stored without running the decision hooks: there is no account to act on.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bastion.core.decision import SERVER_BAN, SERVER_ROLE, Decision, Subject
from bastion.core.errors import InputError
from bastion.store import Store
from bastion.store.decisions import decision_from_row, decisions, save_decision

#: A Matrix server name (a DNS name or an IP literal, with an optional port). Never a glob: ``*`` and ``?`` in
#: a server rule's entity would ban every server they match.
SERVER_NAME = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?)(:\d{1,5})?$")
MATRIX = "matrix"


def check_server(name: str) -> str:
    server = name.strip().lower()
    if not SERVER_NAME.match(server):
        raise InputError(
            f"{name!r} is not a Matrix server name (a host name or IP literal, optional :port, no wildcards)",
            field="server",
        )
    return server


class ServerBans:
    """Leads' decisions on servers, and the ones in force."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def decide(
        self, server: str, *, ban: bool, by: str, reason: str, clause: str, platform: str = MATRIX
    ) -> Decision:
        """Record a lead's ban of ``server`` (``ban``) or the lifting of one; returns the stored decision."""
        name = check_server(server)
        decision = Decision(
            by,
            reason,
            clause,
            outcome="violating" if ban else "not_violating",
            stage=SERVER_BAN,
            platform=platform,
            subjects=(Subject(platform, name, role=SERVER_ROLE),),
        )
        with self.store.engine.begin() as conn:
            return save_decision(conn, decision)

    def latest(self, platform: str | None = None) -> dict[str, Decision]:
        """Server name -> the last decision on it (a ban in force when its outcome is ``violating``)."""
        query = select(decisions).where(decisions.c.stage == SERVER_BAN).order_by(decisions.c.decision_id)
        if platform is not None:
            query = query.where(decisions.c.platform == platform)
        out: dict[str, Decision] = {}
        with self.store.engine.connect() as conn:
            for row in conn.execute(query):
                decision = decision_from_row(row)
                for s in decision.subjects:
                    if s.role == SERVER_ROLE:
                        out[s.account_id] = decision
        return out


__all__ = ["MATRIX", "SERVER_NAME", "ServerBans", "check_server"]
