"""HMA's banks over Bastion's hash lists: a bank is a media list of the same name, a banked content item the
list entries of one piece of media (one per signal type), with HMA's settings kept beside them.

Why a view and not a second store: a hash banked through HMA is matched by Bastion's own scans at once, and
a list filled by Bastion (an import, an exchange) is answerable by HMA clients without a copy. Content ids
are the id of the content's first list entry, so an entry Bastion added itself is a content item with its
own id. Disabling content (HMA's ``disable_until_ts``, or a false positive) takes its entries out of the
list (history kept) and re-adds them when it is enabled again; the content id does not change.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from bastion.core.errors import Conflict, InputError, NotFound
from bastion.core.timefmt import utcnow
from bastion.exchange.bank_views import ENABLED, BankView, Content, check_bank_name
from bastion.media import HASH_TYPES, BankRepository, normalise, signal_type_name
from bastion.store import Store
from bastion.store.tables_exchange import (
    exchange_banks,
    exchange_content,
    exchange_content_signals,
    exchange_signal_types,
)

FIVE_YEARS = 5 * 365 * 24 * 3600


class Banks:
    """Banks, banked content and signal type settings, on the media capability's repository."""

    def __init__(self, store: Store, repo: BankRepository) -> None:
        self.store = store
        self.repo = repo

    # -- banks -----------------------------------------------------------------------------------------
    def _settings(self, conn: Connection) -> dict[str, tuple[float, bool]]:
        rows = conn.execute(select(exchange_banks))
        return {r.name: (float(r.enabled_ratio), bool(r.hidden)) for r in rows}

    def banks(self) -> list[BankView]:
        with self.store.engine.connect() as conn:
            settings = self._settings(conn)
        out = []
        for info in self.repo.lists():
            ratio, hidden = settings.get(info.name, (1.0, False))
            if not hidden:
                out.append(BankView(info.name, ratio, bool(info.negative)))
        return out

    def bank(self, name: str) -> BankView | None:
        return next((b for b in self.banks() if b.name == name), None)

    def require(self, name: str) -> BankView:
        found = self.bank(name)
        if found is None:
            raise NotFound(f"bank '{name}' not found")
        return found

    def create(self, name: str, ratio: float, *, by: str, negative: bool = False) -> BankView:
        check_bank_name(name)
        if self.bank(name) is not None:
            raise Conflict("Bank already exists")
        self.repo.ensure_list(name, by=by, negative=negative or None)
        self._save_ratio(name, ratio, hidden=False)
        return BankView(name, ratio, negative)

    def _save_ratio(self, name: str, ratio: float | None, *, hidden: bool | None = None) -> None:
        with self.store.engine.begin() as conn:
            row = conn.execute(select(exchange_banks).where(exchange_banks.c.name == name)).first()
            values: dict[str, Any] = {}
            if ratio is not None:
                values["enabled_ratio"] = ratio
            if hidden is not None:
                values["hidden"] = hidden
            if row is None:
                conn.execute(insert(exchange_banks).values(name=name, **{"enabled_ratio": 1.0, **values}))
            elif values:
                conn.execute(update(exchange_banks).where(exchange_banks.c.name == name).values(**values))

    def update(self, name: str, *, new_name: str | None, ratio: float | None) -> BankView:
        bank = self.require(name)
        if new_name is not None and new_name != name:
            check_bank_name(new_name)
            if self.bank(new_name) is not None or self._list_exists(new_name):
                raise Conflict("Bank name already exists")
            with self.store.engine.begin() as conn:  # entries point at the list by id: they follow it
                self.repo.rename(name, new_name, conn=conn)
                conn.execute(
                    update(exchange_banks).where(exchange_banks.c.name == name).values(name=new_name)
                )
                conn.execute(
                    update(exchange_content).where(exchange_content.c.bank == name).values(bank=new_name)
                )
            self.repo.refresh()
            name = new_name
        self._save_ratio(name, ratio)
        return BankView(name, bank.matching_enabled_ratio if ratio is None else ratio, bank.negative)

    def _list_exists(self, name: str) -> bool:
        return any(info.name == name for info in self.repo.lists())

    def delete(self, name: str, *, by: str) -> None:
        """HMA deletes a bank with its content; Bastion takes every entry out of the list (history kept) and
        hides the bank, so its past matches stay explainable."""
        if self.bank(name) is None:
            return
        for e in self.repo.entries(name):
            self.repo.remove(name, e.value, by=by, signal_type=e.signal_type)
        with self.store.engine.begin() as conn:
            conn.execute(
                update(exchange_content_signals)
                .where(
                    exchange_content_signals.c.content_id.in_(
                        select(exchange_content.c.content_id).where(exchange_content.c.bank == name)
                    )
                )
                .values(entry_id=None)
            )
        self._save_ratio(name, None, hidden=True)

    def ratios(self) -> dict[str, float]:
        with self.store.engine.connect() as conn:
            return {n: r for n, (r, _) in self._settings(conn).items()}

    def hidden(self) -> set[str]:
        with self.store.engine.connect() as conn:
            return {n for n, (_, h) in self._settings(conn).items() if h}

    # -- content ---------------------------------------------------------------------------------------
    def add_content(
        self,
        bank_name: str,
        signals: Mapping[str, str],
        *,
        by: str,
        metadata: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> tuple[int, dict[str, str]]:
        """Bank one piece of media's signals; returns the content id and the normalised signals."""
        if not signals:
            raise InputError("No signals given", field="signals")
        self.require(bank_name)
        clean: dict[str, str] = {}
        for name, value in signals.items():
            kind = self.signal_type(name)
            try:
                clean[kind] = normalise(kind, str(value))
            except InputError as exc:
                raise InputError(f"Invalid {name} signal: {exc.message}", field=name) from exc
        ids = [self._add_entry(kind, value, bank_name, by) for kind, value in clean.items()]
        content_id = ids[0]
        with self.store.engine.begin() as conn:
            conn.execute(
                insert(exchange_content).values(
                    content_id=content_id,
                    bank=bank_name,
                    disable_until_ts=ENABLED,
                    note=note,
                    meta=metadata,
                    created_at=utcnow(),
                )
            )
            conn.execute(
                insert(exchange_content_signals),
                [
                    {"content_id": content_id, "signal_type": k, "value": v, "entry_id": i}
                    for (k, v), i in zip(clean.items(), ids, strict=True)
                ],
            )
        return content_id, clean

    def _add_entry(self, kind: str, value: str, bank_name: str, by: str) -> int:
        """The new entry's id; an entry already active in the list is reused (HMA allows banking twice)."""
        try:
            return self.repo.add(kind, value, bank_name, by=by)
        except InputError:
            found = [entry for name, entry in self.repo.holding(kind, value) if name == bank_name]
            if not found:
                raise
            return found[0]

    def contents(self, content_ids: Sequence[int]) -> dict[int, Content]:
        """Content items by id; an id of a plain list entry is a content item of that one entry."""
        ids = list(dict.fromkeys(content_ids))
        out: dict[int, Content] = {}
        if not ids:
            return out
        views = {b.name: b for b in self.banks()}
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(exchange_content).where(exchange_content.c.content_id.in_(ids))).all()
            sigs = conn.execute(
                select(exchange_content_signals).where(exchange_content_signals.c.content_id.in_(ids))
            ).all()
        by_content: dict[int, list[Any]] = {}
        for s in sigs:
            by_content.setdefault(s.content_id, []).append(s)
        for r in rows:
            view = views.get(r.bank, BankView(r.bank, 1.0))
            own = by_content.get(r.content_id, [])
            out[r.content_id] = Content(
                r.content_id,
                view,
                int(r.disable_until_ts),
                {s.signal_type: s.value for s in own},
                r.note,
                r.meta,
                tuple(s.entry_id for s in own if s.entry_id is not None),
            )
        plain = [i for i in ids if i not in out]
        for entry_id, entry in self.repo.lookup(plain).items():
            view = views.get(entry.list_name, BankView(entry.list_name, 1.0))
            disabled = 0 if entry.active else FIVE_YEARS + int(time.time())
            out[entry_id] = Content(
                entry_id,
                view,
                disabled,
                {entry.signal_type: entry.value},
                entry.note or None,
                None,
                (entry_id,),
            )
        return out

    def content(self, content_id: int) -> Content:
        found = self.contents([content_id]).get(content_id)
        if found is None:
            raise NotFound(f"content '{content_id}' not found")
        return found

    def content_of_entries(self, entry_ids: Iterable[int]) -> dict[int, int]:
        """entry id -> content id, for the entries a lookup hit."""
        ids = list(entry_ids)
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(exchange_content_signals.c.entry_id, exchange_content_signals.c.content_id).where(
                    exchange_content_signals.c.entry_id.in_(ids)
                )
            )
            found = {int(e): int(c) for e, c in rows}
        return {i: found.get(i, i) for i in ids}

    def set_disabled(self, content_id: int, disable_until_ts: int, *, by: str) -> Content:
        """Take the content out of matching until ``disable_until_ts`` (0: enabled again)."""
        if disable_until_ts < 0:
            raise InputError("disable_until_ts must be a non-negative integer", field="disable_until_ts")
        if disable_until_ts > time.time() + FIVE_YEARS:
            raise InputError(
                "disable_until_ts must be less than 5 years in the future", field="disable_until_ts"
            )
        item = self.content(content_id)
        self._ensure_row(item)
        disable = disable_until_ts != ENABLED and disable_until_ts > time.time()
        with self.store.engine.connect() as conn:
            sigs = conn.execute(
                select(exchange_content_signals).where(exchange_content_signals.c.content_id == content_id)
            ).all()
        for s in sigs:
            if disable and s.entry_id is not None:
                self.repo.remove(item.bank.name, s.value, by=by, signal_type=s.signal_type)
                self._set_entry(content_id, s.signal_type, None)
            elif not disable and s.entry_id is None:
                new_id = self._add_entry(s.signal_type, s.value, item.bank.name, by)
                self._set_entry(content_id, s.signal_type, new_id)
        with self.store.engine.begin() as conn:
            conn.execute(
                update(exchange_content)
                .where(exchange_content.c.content_id == content_id)
                .values(disable_until_ts=disable_until_ts)
            )
        return self.content(content_id)

    def _ensure_row(self, item: Content) -> None:
        """A plain list entry becomes a content row the first time HMA changes it."""
        with self.store.engine.begin() as conn:
            if conn.execute(
                select(exchange_content.c.content_id).where(exchange_content.c.content_id == item.id)
            ).first():
                return
            conn.execute(
                insert(exchange_content).values(
                    content_id=item.id,
                    bank=item.bank.name,
                    disable_until_ts=item.disable_until_ts,
                    note=item.note,
                    meta=None,
                    created_at=utcnow(),
                )
            )
            conn.execute(
                insert(exchange_content_signals),
                [
                    {
                        "content_id": item.id,
                        "signal_type": k,
                        "value": v,
                        "entry_id": item.id if item.enabled else None,
                    }
                    for k, v in item.signals.items()
                ],
            )

    def _set_entry(self, content_id: int, kind: str, entry_id: int | None) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(
                update(exchange_content_signals)
                .where(
                    exchange_content_signals.c.content_id == content_id,
                    exchange_content_signals.c.signal_type == kind,
                )
                .values(entry_id=entry_id)
            )

    def remove_content(self, bank_name: str, content_id: int, *, by: str) -> int:
        """HMA's delete: the content's live entries leave the list (history kept); returns 1 or 0."""
        self.require(bank_name)
        found = self.contents([content_id]).get(content_id)
        if found is None or found.bank.name != bank_name:
            return 0
        for kind, value in found.signals.items():
            if found.enabled:
                with suppress(NotFound):
                    self.repo.remove(bank_name, value, by=by, signal_type=kind)
        with self.store.engine.begin() as conn:
            conn.execute(delete(exchange_content).where(exchange_content.c.content_id == content_id))
        return 1

    # -- signal types ----------------------------------------------------------------------------------
    def signal_type(self, name: str) -> str:
        """A registered, enabled signal type's name (HMA's 400s otherwise)."""
        if HASH_TYPES.find(name) is None or signal_type_name(name) != name:
            raise InputError(f"No such SignalType '{name}'", field="signal_type")
        if self.signal_type_ratios().get(name, 1.0) <= 0.0:
            raise InputError(f"SignalType '{name}' is not enabled", field="signal_type")
        return name

    def signal_type_ratios(self) -> dict[str, float]:
        with self.store.engine.connect() as conn:
            stored = {r.name: float(r.enabled_ratio) for r in conn.execute(select(exchange_signal_types))}
        return {name: stored.get(name, 1.0) for name in HASH_TYPES.names()}

    def set_signal_type_ratio(self, name: str, ratio: float) -> None:
        if HASH_TYPES.find(name) is None:
            raise NotFound(f"No such SignalType '{name}'")
        with self.store.engine.begin() as conn:
            conn.execute(delete(exchange_signal_types).where(exchange_signal_types.c.name == name))
            conn.execute(insert(exchange_signal_types).values(name=name, enabled_ratio=ratio))

    def index_status(self) -> dict[str, dict[str, Any]]:
        """Per signal type: HMA's ``present``/``built_to``/``size`` from the live matcher's change log."""
        self.repo.refresh()
        sizes, last = self.repo.index_sizes()
        built_to = int(last.timestamp()) if last is not None else -1
        return {
            name: {
                "present": True,
                "built_to": built_to if sizes.get(name) else -1,
                "size": int(sizes.get(name, 0)),
            }
            for name in HASH_TYPES.names()
        }
