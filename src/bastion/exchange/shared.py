"""Signals shared between Bastion instances: a signed feed per partnership, reviewed by a person before any
action, with expiry, retraction and true/false-positive feedback (what Lantern asks of its members).

Out: a lead publishes a signal for a partner; hashes and URLs travel as they are, identifiers (usernames,
emails, account ids, phone numbers) only as an HMAC under the partnership's key, so the partner can match
them against its own users without learning anyone else's. Every change raises the signal's ``version``; the
feed answers the changes past a cursor, its body signed (HMAC-SHA256 of the exact bytes) with the same key.

In: a pull verifies the signature, stores new signals as ``pending`` and applies retractions and expiries.
Nothing acts on a pending signal; a lead's approval puts a hash into the bank ``PARTNER_<NAME>`` (matched from
then on); a retraction or expiry takes it out again. A reviewer's verdict goes back to the partner, signed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update

from bastion.core.errors import ConfigError, Conflict, Forbidden, InputError, NotFound
from bastion.core.timefmt import iso, utcnow
from bastion.exchange.banks import Banks
from bastion.exchange.feed_signals import HASHES, IDENTIFIERS, KINDS, incoming_signal
from bastion.exchange.settings import ExchangeSettings
from bastion.media import normalise
from bastion.store.tables_exchange import exchange_shared_in, exchange_shared_out

SIGNATURE = "X-Bastion-Signature"
Http = Callable[[str], Any]  # partner -> an httpx-like client with its base URL (a TestClient in tests)


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()


def sign(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def identifier_hmac(key: str, kind: str, value: str) -> str:
    """The form an identifier is shared in: both sides compute it from their own copy, neither sends it."""
    return sign(key, f"{kind}:{value.strip().casefold()}".encode())


def bank_of(partner: str) -> str:
    return "PARTNER_" + re.sub(r"[^A-Z0-9_]", "_", partner.upper())


@dataclass(frozen=True, slots=True)
class Incoming:
    partner: str
    remote_seq: int
    kind: str
    value: str
    category: str
    expires_at: datetime | None
    retracted: bool
    status: str
    feedback: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            **{k: getattr(self, k) for k in self.__slots__},
            "expires_at": iso(self.expires_at) if self.expires_at else None,
        }


class SharedSignals:
    def __init__(self, banks: Banks, settings: ExchangeSettings, http: Http | None = None) -> None:
        self.banks = banks
        self.store = banks.store
        self.settings = settings
        self.http: Http = http or self._client

    def key(self, partner: str) -> str:
        found = self.settings.partner_keys.get(partner)
        if found is None:
            raise NotFound(f"no partnership with {partner!r} (BASTION_EXCHANGE_PARTNER_KEYS)")
        return found.get_secret_value()

    def _client(self, partner: str) -> httpx.Client:
        url = self.settings.partner_urls.get(partner)
        token = self.settings.partner_tokens.get(partner)
        if url is None or token is None:
            raise ConfigError(f"partner {partner!r} needs BASTION_EXCHANGE_PARTNER_URLS and _PARTNER_TOKENS")
        return httpx.Client(base_url=url, timeout=30.0)

    def _auth(self, partner: str) -> dict[str, str]:
        token = self.settings.partner_tokens.get(partner)
        return {"Authorization": f"Bearer {token.get_secret_value()}"} if token is not None else {}

    # -- out -------------------------------------------------------------------------------------------
    def _next_version(self, conn: Any) -> int:
        return (
            int(conn.execute(select(func.coalesce(func.max(exchange_shared_out.c.version), 0))).scalar_one())
            + 1
        )

    def publish(
        self,
        partner: str,
        kind: str,
        value: str,
        category: str,
        *,
        by: str,
        expires_at: datetime | None = None,
    ) -> int:
        key = self.key(partner)
        if kind not in KINDS:
            raise InputError(f"kind must be one of {', '.join(KINDS)}", field="kind")
        if kind in HASHES:
            value = normalise(kind, value)
        elif kind in IDENTIFIERS:
            value = identifier_hmac(key, kind, value)
        with self.store.engine.begin() as conn:
            return int(
                conn.execute(
                    insert(exchange_shared_out)
                    .values(
                        partner=partner,
                        kind=kind,
                        value=value,
                        category=category,
                        expires_at=expires_at,
                        version=self._next_version(conn),
                        created_by=by,
                        created_at=utcnow(),
                    )
                    .returning(exchange_shared_out.c.seq)
                ).scalar_one()
            )

    def retract(self, seq: int) -> None:
        with self.store.engine.begin() as conn:
            done = conn.execute(
                update(exchange_shared_out)
                .where(exchange_shared_out.c.seq == seq)
                .values(retracted=True, version=self._next_version(conn))
            ).rowcount
        if not done:
            raise NotFound(f"shared signal {seq} not found")

    def feed(self, partner: str, since: int) -> tuple[bytes, str]:
        """The changes for ``partner`` past ``since``, as signed bytes (body, signature)."""
        key = self.key(partner)
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(exchange_shared_out)
                .where(
                    exchange_shared_out.c.partner == partner,
                    exchange_shared_out.c.version > since,
                )
                .order_by(exchange_shared_out.c.version)
                .limit(10_000)
            ).all()
        signals = [
            {
                "seq": r.seq,
                "kind": r.kind,
                "value": r.value,
                "category": r.category,
                "retracted": r.retracted,
                "expires_at": iso(r.expires_at) if r.expires_at else None,
                "version": r.version,
            }
            for r in rows
        ]
        body = canonical({"from": self.settings.instance_name, "to": partner, "signals": signals})
        return body, sign(key, body)

    def take_feedback(self, partner: str, body: bytes, signature: str) -> None:
        """A partner's signed verdict on one of the signals we sent it."""
        if not hmac.compare_digest(sign(self.key(partner), body), signature):
            raise Forbidden("bad signature")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise InputError("feedback is a JSON object", field="body") from None
        verdict = data.get("verdict") if isinstance(data, dict) else None
        column = {"true_positive": "true_positives", "false_positive": "false_positives"}.get(
            verdict if isinstance(verdict, str) else ""
        )
        if column is None:
            raise InputError("verdict must be true_positive or false_positive", field="verdict")
        seq = data.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise InputError("seq is required (the shared signal's number)", field="seq")
        with self.store.engine.begin() as conn:
            done = conn.execute(
                update(exchange_shared_out)
                .where(
                    exchange_shared_out.c.seq == seq,
                    exchange_shared_out.c.partner == partner,
                )
                .values({column: exchange_shared_out.c[column] + 1})
            ).rowcount
        if not done:
            raise NotFound("no such shared signal")

    def sent(self, partner: str) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(exchange_shared_out)
                .where(exchange_shared_out.c.partner == partner)
                .order_by(exchange_shared_out.c.seq)
            ).all()
        return [
            {
                "seq": r.seq,
                "kind": r.kind,
                "retracted": r.retracted,
                "true_positives": r.true_positives,
                "false_positives": r.false_positives,
            }
            for r in rows
        ]

    # -- in --------------------------------------------------------------------------------------------
    def pull(self, partner: str) -> int:
        """Fetch the partner's feed past our cursor, verify it, store it; returns the signals changed."""
        key = self.key(partner)
        with self.store.engine.connect() as conn:
            since = int(
                conn.execute(
                    select(func.coalesce(func.max(exchange_shared_in.c.remote_version), 0)).where(
                        exchange_shared_in.c.partner == partner
                    )
                ).scalar_one()
            )
        client = self.http(partner)
        try:
            answer = client.get("/v1/shared/feed", params={"since": since}, headers=self._auth(partner))
        finally:
            if self.http == self._client:  # a client of our own, one per pull (a given one stays open)
                client.close()
        answer.raise_for_status()
        if not hmac.compare_digest(sign(key, answer.content), answer.headers.get(SIGNATURE, "")):
            raise Forbidden(f"the feed of {partner!r} is not signed with the partnership's key")
        where = f"the feed of {partner}"
        try:
            signals = json.loads(answer.content)["signals"]
        except (ValueError, KeyError, TypeError, RecursionError):
            raise InputError("not a feed: a JSON object with a list of signals", file=where) from None
        if not isinstance(signals, list):
            raise InputError("signals must be a list", file=where, field="signals")
        changed = 0
        for k, raw in enumerate(signals, start=1):  # each stored as it comes: a bad one stops the pull there
            self._store_incoming(partner, incoming_signal(raw, where, k))
            changed += 1
        self.expire()
        return changed

    def _store_incoming(self, partner: str, s: dict[str, Any]) -> None:
        expires = s["expires_at"]
        with self.store.engine.begin() as conn:
            row = conn.execute(
                select(exchange_shared_in).where(
                    exchange_shared_in.c.partner == partner, exchange_shared_in.c.remote_seq == s["seq"]
                )
            ).first()
            values = {
                "kind": s["kind"],
                "value": s["value"],
                "category": s["category"],
                "expires_at": expires,
                "retracted": bool(s["retracted"]),
                "remote_version": int(s["version"]),
            }
            if row is None:
                conn.execute(
                    insert(exchange_shared_in).values(
                        partner=partner, remote_seq=s["seq"], status="pending", received_at=utcnow(), **values
                    )
                )
            else:
                conn.execute(
                    update(exchange_shared_in)
                    .where(
                        exchange_shared_in.c.partner == partner, exchange_shared_in.c.remote_seq == s["seq"]
                    )
                    .values(**values)
                )
        if s["retracted"]:
            self._withdraw(partner, s["kind"], s["value"])

    def _withdraw(self, partner: str, kind: str, value: str) -> None:
        if kind not in HASHES or self.banks.bank(bank_of(partner)) is None:
            return
        for e in self.banks.repo.entries(bank_of(partner)):
            if e.signal_type == kind and e.value == value:
                self.banks.repo.remove(e.list_name, value, by="shared-signals", signal_type=kind)

    def expire(self) -> int:
        """Approved signals past their expiry stop acting."""
        now = utcnow()
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(exchange_shared_in).where(
                    exchange_shared_in.c.status == "approved", exchange_shared_in.c.expires_at < now
                )
            ).all()
        for r in rows:
            self._withdraw(r.partner, r.kind, r.value)
        return len(rows)

    def incoming(self, status: str | None = None) -> list[Incoming]:
        query = select(exchange_shared_in).order_by(
            exchange_shared_in.c.partner, exchange_shared_in.c.remote_seq
        )
        if status is not None:
            query = query.where(exchange_shared_in.c.status == status)
        with self.store.engine.connect() as conn:
            return [
                Incoming(
                    r.partner,
                    r.remote_seq,
                    r.kind,
                    r.value,
                    r.category,
                    r.expires_at,
                    r.retracted,
                    r.status,
                    r.feedback,
                )
                for r in conn.execute(query)
            ]

    def _one(self, partner: str, seq: int) -> Incoming:
        found = next((i for i in self.incoming() if i.partner == partner and i.remote_seq == seq), None)
        if found is None:
            raise NotFound(f"no signal {seq} from {partner!r}")
        return found

    def review(self, partner: str, seq: int, decision: str, *, by: str) -> Incoming:
        """A person's decision before anything acts: ``approve`` (a hash joins the partner's bank) or
        ``reject``."""
        if decision not in ("approve", "reject"):
            raise InputError("decision must be approve or reject", field="decision")
        item = self._one(partner, seq)
        if item.status != "pending":
            raise Conflict(f"signal {seq} from {partner!r} was already reviewed ({item.status})")
        if item.retracted:
            raise Conflict(f"signal {seq} from {partner!r} was retracted")
        status = "approved" if decision == "approve" else "rejected"
        with self.store.engine.begin() as conn:
            conn.execute(
                update(exchange_shared_in)
                .where(
                    exchange_shared_in.c.partner == partner,
                    exchange_shared_in.c.remote_seq == seq,
                )
                .values(status=status, reviewed_by=by, reviewed_at=utcnow())
            )
        if status == "approved" and item.kind in HASHES:
            bank = bank_of(partner)
            if self.banks.bank(bank) is None:
                self.banks.create(bank, 1.0, by=by)
            self.banks.add_content(bank, {item.kind: item.value}, by=by, note=f"from {partner}, #{seq}")
        return self._one(partner, seq)

    def matches_identifier(self, partner: str, kind: str, value: str) -> bool:
        """Whether one of our own identifiers is the subject of an approved signal from the partner."""
        hashed = identifier_hmac(self.key(partner), kind, value)
        return any(
            i.value == hashed and i.status == "approved" and not i.retracted
            for i in self.incoming("approved")
            if i.partner == partner and i.kind == kind
        )

    def send_feedback(self, partner: str, seq: int, verdict: str, *, by: str) -> Incoming:
        if verdict not in ("true_positive", "false_positive"):
            raise InputError("verdict must be true_positive or false_positive", field="verdict")
        self._one(partner, seq)
        body = canonical({"from": self.settings.instance_name, "seq": seq, "verdict": verdict, "by": by})
        headers = {
            **self._auth(partner),
            SIGNATURE: sign(self.key(partner), body),
            "Content-Type": "application/json",
        }
        answer = self.http(partner).post("/v1/shared/feedback", content=body, headers=headers)
        answer.raise_for_status()
        with self.store.engine.begin() as conn:
            conn.execute(
                update(exchange_shared_in)
                .where(
                    exchange_shared_in.c.partner == partner,
                    exchange_shared_in.c.remote_seq == seq,
                )
                .values(feedback=verdict)
            )
        return self._one(partner, seq)
