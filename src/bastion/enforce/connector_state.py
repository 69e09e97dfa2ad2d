"""A connector's Bastion-side state in Bastion's store: named values (an action feed's cursor) and the audit
of every call it made to its platform under an idempotency key (a call recorded ``done`` is never made again).

A connector that runs inside Bastion's service (the Mastodon enforcer, a job of ``bastion serve``) keeps this
here, so it is backed up, replicated and audited with everything else; one that runs inside the platform's
process (the Synapse module) keeps its own. The connector sees only the methods (it imports bastion.core).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bastion.core.timefmt import utcnow
from bastion.store import Store
from bastion.store.bulk import upsert_one
from bastion.store.tables_enforce import connector_calls, connector_state


class ConnectorLedger:
    def __init__(self, store: Store, connector: str) -> None:
        self.store = store
        self.connector = connector

    def get(self, key: str, default: str = "") -> str:
        with self.store.engine.connect() as conn:
            value = conn.scalar(
                select(connector_state.c.value).where(
                    connector_state.c.connector == self.connector, connector_state.c.key == key
                )
            )
        return str(value) if value is not None else default

    def set(self, key: str, value: str) -> None:
        with self.store.engine.begin() as conn:
            upsert_one(conn, connector_state, {"connector": self.connector, "key": key}, {"value": value})

    def audited(self, key: str) -> str | None:
        """The recorded status of the call made under ``key`` (``None``: never attempted)."""
        with self.store.engine.connect() as conn:
            status = conn.scalar(
                select(connector_calls.c.status).where(
                    connector_calls.c.connector == self.connector, connector_calls.c.key == key
                )
            )
        return str(status) if status is not None else None

    def audit(self, key: str, action: str, target: str, status: str, detail: str = "") -> None:
        """Record a call's outcome (a later attempt under the same key replaces the earlier outcome)."""
        values = {
            "action": action,
            "target": target,
            "status": status,
            "detail": detail[:2000],
            "at": utcnow(),
        }
        with self.store.engine.begin() as conn:
            upsert_one(conn, connector_calls, {"connector": self.connector, "key": key}, values)

    def audit_log(self) -> list[dict[str, Any]]:
        """Every call, oldest first: key, action, target, status, detail, at."""
        query = (
            select(connector_calls)
            .where(connector_calls.c.connector == self.connector)
            .order_by(connector_calls.c.at, connector_calls.c.key)
        )
        names = ("key", "action", "target", "status", "detail", "at")
        with self.store.engine.connect() as conn:
            return [{n: getattr(r, n) for n in names} for r in conn.execute(query)]
