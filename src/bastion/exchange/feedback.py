"""A reviewer's verdict on a match, sent back to the exchanges the hash came from, and a false positive
disabled locally.

Where each exchange takes feedback: the file exchange appends an opinion to ``<file>.opinions``; StopNCII
takes ``Blocked`` / ``NotBlocked`` through its SubmitFeedback endpoint; NCMEC takes an up or down vote on the
entry (its entry and member ids are kept by the sync); ThreatExchange takes an opinion through
``report_opinion``. Every attempt is recorded (``exchange_feedback``: sent, unsupported or failed), and a
failed send never undoes the local effect: a false positive leaves every bank at once and is marked so that
no later sync re-adds it.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import insert, select
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.clients.ncmec.hash_api import FeedbackType, FingerprintType, NCMECHashAPI
from threatexchange.exchanges.clients.stopncii.api import StopNCIICSPFeedbackValue, StopNCIISignalType
from threatexchange.exchanges.impl.ncmec_api import NCMECSignalExchangeAPI
from threatexchange.exchanges.impl.stop_ncii_api import StopNCIISignalExchangeAPI

from bastion.core.errors import ConfigError, InputError, NotFound
from bastion.core.timefmt import utcnow
from bastion.exchange.sync import Exchanges
from bastion.media import HASH_TYPES, normalise
from bastion.store.bulk import dialect_insert
from bastion.store.tables_exchange import exchange_configs, exchange_entries, exchange_feedback

log = logging.getLogger("bastion.exchange.feedback")
Verdict = Literal["true_positive", "false_positive"]
VERDICTS = ("true_positive", "false_positive")
_FINGERPRINTS = {"pdq": FingerprintType.pdq, "video_md5": FingerprintType.md5}
_STOPNCII_TYPES = {"pdq": StopNCIISignalType.ImagePDQ, "video_md5": StopNCIISignalType.VideoMD5}


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    signal_type: str
    value: str
    verdict: str
    sent: dict[str, str]  # exchange -> sent | unsupported | failed: <why>
    disabled: list[str]  # banks the hash left (false positive)

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class _Held:
    exchange: str
    signal_type: str
    value: str
    remote_ids: list[dict[str, Any]]


class Feedback:
    def __init__(self, exchanges: Exchanges) -> None:
        self.exchanges = exchanges
        self.store = exchanges.store

    def verdict(self, signal_type: str, value: str, verdict: str, *, by: str) -> FeedbackResult:
        """Record a reviewer's verdict on a hash: feedback to each exchange that has it, and for a false
        positive, the hash out of every positive bank (history kept) and marked never to come back."""
        if verdict not in VERDICTS:
            raise InputError(f"verdict must be one of {', '.join(VERDICTS)}", field="verdict")
        kind = HASH_TYPES.get(signal_type, field="signal_type").name
        value = normalise(kind, value)
        rows = self._holders(kind, value)
        sent: dict[str, str] = {}
        for row in rows:
            status = self._send(row, verdict)
            sent[row.exchange] = status
            with self.store.engine.begin() as conn:
                conn.execute(
                    insert(exchange_feedback).values(
                        exchange=row.exchange,
                        signal_type=kind,
                        value=value,
                        verdict=verdict,
                        by=by,
                        at=utcnow(),
                        status=status.split(":")[0],
                        detail=status,
                    )
                )
        disabled: list[str] = []
        if verdict == "false_positive":
            disabled = self.disable(kind, value, by=by)
        return FeedbackResult(kind, value, verdict, sent, disabled)

    def _holders(self, kind: str, value: str) -> list[Any]:
        """The exchanges that have this hash: those that kept its entry ids, and those whose bank lists it
        (or listed it) — a simple exchange's signals carry no ids, so they have no row until now."""
        with self.store.engine.connect() as conn:
            rows: dict[str, Any] = {
                r.exchange: r
                for r in conn.execute(
                    select(exchange_entries).where(
                        exchange_entries.c.signal_type == kind, exchange_entries.c.value == value
                    )
                )
            }
            configured = set(conn.execute(select(exchange_configs.c.name)).scalars())
            holding = {name for name, _ in self.exchanges.banks.repo.holding(kind, value, active=False)}
            for name in sorted(configured & holding):
                if name not in rows:
                    rows[name] = _Held(name, kind, value, [])
        return [rows[n] for n in sorted(rows)]

    def disable(self, kind: str, value: str, *, by: str) -> list[str]:
        """The hash out of every positive list it is active in; exchanges will not re-add it."""
        names = sorted({name for name, _ in self.exchanges.banks.repo.holding(kind, value, negative=False)})
        for name in names:
            with suppress(NotFound):
                self.exchanges.banks.repo.remove(name, value, by=by, signal_type=kind)
        stmt = dialect_insert(self.store.engine, exchange_entries)
        stmt = stmt.on_conflict_do_update(
            index_elements=["exchange", "signal_type", "value"], set_={"disabled": True}
        )
        held = [h.exchange for h in self._holders(kind, value)]
        with self.store.engine.begin() as conn:
            for exchange in held:
                conn.execute(
                    stmt.values(
                        exchange=exchange, signal_type=kind, value=value, disabled=True, updated_at=utcnow()
                    )
                )
        return sorted(names)

    def _ncmec_reason(self, client: NCMECHashAPI, fp: FingerprintType) -> str | None:
        """The GUID of the configured downvote reason (by name or GUID); ``None`` lets threatexchange take
        NCMEC's only reason, and fail naming the choices when there are several."""
        wanted = self.exchanges.settings.ncmec_downvote_reason
        if not wanted:
            return None
        reasons = client.feedback_reasons(fp)  # {guid: name}
        for guid, name in reasons.items():
            if wanted in (guid, name):
                return guid
        raise ConfigError(
            f"BASTION_EXCHANGE_NCMEC_DOWNVOTE_REASON={wanted!r} is not one of NCMEC's {fp.value} reasons: "
            + ", ".join(f"{n} ({g})" for g, n in sorted(reasons.items(), key=lambda r: r[1]))
        )

    def _send(self, row: Any, verdict: str) -> str:
        try:
            api = self.exchanges.api(row.exchange)
            positive = verdict == "true_positive"
            if isinstance(api, StopNCIISignalExchangeAPI):
                kind = _STOPNCII_TYPES.get(row.signal_type)
                if kind is None:
                    return "unsupported"
                value = StopNCIICSPFeedbackValue.Blocked if positive else StopNCIICSPFeedbackValue.NotBlocked
                api.api.submit_feedback(kind, row.value, value)
                return "sent"
            if isinstance(api, NCMECSignalExchangeAPI):
                ids = [i for i in row.remote_ids or [] if i.get("member_id") is not None]
                if not ids:
                    return "unsupported: no NCMEC entry id kept for this hash"
                client = api.get_client(api.collab.environment)
                fp = _FINGERPRINTS.get(row.signal_type)
                if fp is None:
                    return "unsupported"
                vote = FeedbackType.upvote if positive else FeedbackType.downvote
                reason = None if positive else self._ncmec_reason(client, fp)
                for i in ids:
                    client.submit_feedback(int(i["member_id"]), _ncmec_entry(i), fp, vote, reason)
                return "sent"
            category = (
                state.SignalOpinionCategory.POSITIVE_CLASS
                if positive
                else state.SignalOpinionCategory.NEGATIVE_CLASS
            )
            signal_cls = HASH_TYPES.get(row.signal_type).signal  # type: ignore[attr-defined]
            api.report_opinion(signal_cls, row.value, state.SignalOpinion(True, category, set()))
            return "sent"
        except NotImplementedError:
            return "unsupported"
        except Exception as exc:  # the verdict stands locally whatever the exchange answered
            log.error("feedback to %s failed: %s", row.exchange, exc)
            return f"failed: {type(exc).__name__}: {str(exc)[:300]}"


def _ncmec_entry(ids: dict[str, Any]) -> str:
    """The member's own entry id (rows synced before it was kept hold only NCMEC's ``<member>-<entry>``)."""
    entry = ids.get("entry_id")
    if entry:
        return str(entry)
    member, _, rest = str(ids["id"]).partition("-")
    return rest if member == str(ids.get("member_id")) and rest else str(ids["id"])
