"""Which accounts a re-creation can be a re-creation of, and since when.

Originals are the accounts the platform reports as disabled or deleted (the export's ``status``) and the
accounts Bastion's own active ``disable_account`` actions name: most platforms adopting Bastion already have
banned accounts and keep banning through their own tools. Each original keeps both sources for the
evidence, and the earliest moment it can have been disabled, which bounds when a re-creation can appear:
Bastion's decision time, the export's ``status_changed_at``, or, when the platform only says *that* the
account is disabled, its last own activity (a disabled account does not post; Bastion's first sight of the
status is only an upper bound).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from bastion.core.model import AccountStatus
from bastion.core.timefmt import iso
from bastion.enforce.actions import ActionService
from bastion.store import Store
from bastion.store.tables import accounts, posts

GONE = (str(AccountStatus.DISABLED), str(AccountStatus.DELETED))
_CHUNK = 500


def chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


@dataclass(frozen=True, slots=True)
class Original:
    account_id: str
    created_at: datetime
    action_id: int | None = None
    action_at: datetime | None = None
    status: str | None = None  # disabled / deleted, as the platform reports it
    status_changed_at: datetime | None = None  # the platform's own time for it, when exported
    status_seen_at: datetime | None = None  # when Bastion first saw that status
    last_active: datetime | None = None  # its latest post (or its creation)

    @property
    def by_platform(self) -> bool:
        return self.status is not None

    @property
    def not_before(self) -> datetime:
        """The earliest moment the account can have been disabled (by either source)."""
        times = [t for t in (self.action_at, self.status_changed_at) if t is not None]
        if self.status is not None and self.status_changed_at is None:
            times.append(self.last_active or self.created_at)
        return min(times) if times else self.created_at

    def evidence(self) -> list[str]:
        out: list[str] = []
        if self.status is not None:
            if self.status_changed_at is not None:
                out.append(f"{self.status} by the platform on {iso(self.status_changed_at)}")
            elif self.status_seen_at is not None:
                last = f", last active {iso(self.last_active)}" if self.last_active else ""
                out.append(f"{self.status} by the platform, first seen {iso(self.status_seen_at)}{last}")
            else:
                out.append(f"{self.status} by the platform")
        if self.action_id is not None and self.action_at is not None:
            out.append(f"disabled by Bastion action {self.action_id} on {iso(self.action_at)}")
        return out

    def as_json(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "by_platform": self.status,
            "status_changed_at": iso(self.status_changed_at) if self.status_changed_at else None,
            "status_seen_at": iso(self.status_seen_at) if self.status_seen_at else None,
            "action_id": self.action_id,
            "action_at": iso(self.action_at) if self.action_at else None,
        }


def find_originals(store: Store, platform: str) -> dict[str, Original]:
    """Every account disabled by the platform or by Bastion, with both sources when both apply."""
    disabled = ActionService(store).disabled_since(platform)
    a = accounts.c
    cols = (a.account_id, a.created_at, a.status, a.status_changed_at, a.status_seen_at)
    rows: dict[str, tuple[datetime, str | None, datetime | None, datetime | None]] = {}
    with store.engine.connect() as conn:
        for account_id, created, status, changed, seen in conn.execute(
            select(*cols).where(a.platform == platform, a.status.in_(GONE))
        ):
            rows[account_id] = (created, status, changed, seen)
        for part in chunks(sorted(set(disabled) - set(rows))):
            for account_id, created, _status, _changed, _seen in conn.execute(
                select(*cols).where(a.platform == platform, a.account_id.in_(part))
            ):
                rows[account_id] = (created, None, None, None)
        last = _last_posts(conn, platform, sorted(aid for aid, r in rows.items() if r[1] and not r[2]))
    out: dict[str, Original] = {}
    for account_id, (created, status, changed, seen) in rows.items():
        action_id, action_at = disabled.get(account_id, (None, None))
        out[account_id] = Original(
            account_id,
            created,
            action_id,
            action_at,
            status,
            changed,
            seen,
            max(created, last[account_id]) if account_id in last else created,
        )
    return out


def _last_posts(conn: Connection, platform: str, ids: list[str]) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for part in chunks(ids):
        query = (
            select(posts.c.account_id, func.max(posts.c.created_at))
            .where(posts.c.platform == platform, posts.c.account_id.in_(part))
            .group_by(posts.c.account_id)
        )
        for account_id, at in conn.execute(query):
            if at is not None:
                out[account_id] = at
    return out
