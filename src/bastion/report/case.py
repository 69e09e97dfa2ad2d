"""Gather a CyberTipline case for one account from the store: who, which files (by hash), what Bastion did.

Read only: the account row, its hash-matched media (``hash_match`` signals with post/media ids), its network
(``network_member``), the enforcement state (an active ``disable_account`` is a permanent disable; a reversed
one is a temporary disable with its re-enable date) and earlier finished reports (``priorCTReports``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bastion.core.errors import NotFound
from bastion.core.model import EntityType
from bastion.core.timefmt import utcnow
from bastion.enforce import ActionKind, ActionService, ActionState
from bastion.media import cybertip_hashes, media_hashes_of
from bastion.report.xml import CyberTipCase, ReportedUser, Reporter, ReportFile
from bastion.store import Store
from bastion.store.tables import accounts, media, posts
from bastion.store.tables_enforce import cybertip_exchanges, cybertip_reports, enforce_events


def gather_case(
    store: Store,
    platform: str,
    account_id: str,
    *,
    reporter: Reporter,
    case_ref: str,
    profile_url: str = "",
    esp_service: str = "",
) -> tuple[CyberTipCase, dict[str, Any]]:
    """The case and its context (what preservation keeps beside the report)."""
    with store.engine.connect() as conn:
        acc = conn.execute(
            select(accounts).where(accounts.c.platform == platform, accounts.c.account_id == account_id)
        ).first()
        if acc is None:
            raise NotFound(f"no account {account_id!r} on platform {platform!r}")
        prior = list(
            conn.scalars(
                select(cybertip_reports.c.ncmec_report_id).where(
                    cybertip_reports.c.platform == platform,
                    cybertip_reports.c.account_id == account_id,
                    cybertip_reports.c.status == "finished",
                    cybertip_reports.c.ncmec_report_id.is_not(None),
                )
            )
        )
    signals = store.signals.for_entity(platform, EntityType.ACCOUNT, account_id)
    files, first_at = _files(store, platform, [dict(s.evidence) for s in signals if s.kind == "hash_match"])
    network = next((dict(s.evidence) for s in signals if s.kind == "network_member"), None)
    temporarily, permanently_at = _disable_state(store, platform, account_id)
    urls = [u for u in (acc.external_links or "").split(";") if u]
    profile = (
        profile_url.format(username=acc.username or account_id, account_id=account_id) if profile_url else ""
    )
    info = []
    if network:
        info.append(f"member of network {network.get('network_id')} as {network.get('role')}")
    user = ReportedUser(
        esp_identifier=account_id,
        esp_service=esp_service,
        screen_name=acc.username or "",
        display_names=[acc.display_name] if acc.display_name else [],
        profile_urls=[profile] if profile else [],
        profile_bio=acc.bio or "",
        prior_ct_reports=[p for p in prior if p],
        group_identifier=str(network.get("network_id")) if network else "",
        temporarily_disabled=temporarily,
        permanently_disabled_at=permanently_at,
        additional_info="; ".join(info),
    )
    case = CyberTipCase(
        case_ref=case_ref,
        platform=platform,
        incident_at=first_at or acc.created_at or utcnow(),
        reporter=reporter,
        user=user,
        esp_platform_name=esp_service,
        urls=urls,
        files=files,
        additional_info=f"Bastion case {case_ref}: {len(files)} file(s) matched known hash lists",
    )
    context = {
        "account": {k: v for k, v in acc._mapping.items() if k != "extra"},
        "signals": [
            {"kind": str(s.kind), "source": s.source, "score": s.score, "evidence": dict(s.evidence)}
            for s in signals
        ],
        "enforcement": [
            e.as_json()
            for a in ActionService(store).for_account(platform, account_id)
            for e in ActionService(store).history(a.action_id)
        ],
    }
    return case, context


def _files(
    store: Store, platform: str, evidence: list[Mapping[str, Any]]
) -> tuple[list[ReportFile], datetime | None]:
    keys = {(str(e.get("post_id")), str(e.get("media_id"))) for e in evidence if e.get("media_id")}
    matched = {k: [e for e in evidence if (str(e.get("post_id")), str(e.get("media_id"))) == k] for k in keys}
    out: list[ReportFile] = []
    first: datetime | None = None
    with store.engine.connect() as conn:
        for post_id, media_id in sorted(keys):
            row = conn.execute(
                select(media, posts.c.created_at)
                .join(posts, (posts.c.platform == media.c.platform) & (posts.c.post_id == media.c.post_id))
                .where(media.c.platform == platform, media.c.post_id == post_id, media.c.media_id == media_id)
            ).first()
            if row is None:
                continue
            first = row.created_at if first is None else min(first, row.created_at)
            hashes, perceptual = cybertip_hashes(media_hashes_of(conn, platform, post_id, media_id))
            lists = sorted(
                {
                    f"{e.get('list')}:{e.get('entry_id')} (distance {e.get('distance')})"
                    for e in matched[(post_id, media_id)]
                }
            )
            out.append(
                ReportFile(
                    file_key=media_id,
                    file_name=f"{media_id}",
                    hashes=hashes,
                    uploaded_at=row.created_at,
                    location=f"post {post_id}",
                    perceptual=perceptual,
                    additional_info=[f"matched {', '.join(lists)}"],
                )
            )
    return out, first


def _disable_state(
    store: Store, platform: str, account_id: str
) -> tuple[tuple[datetime | None, datetime | None] | None, datetime | None]:
    temporarily: tuple[datetime | None, datetime | None] | None = None
    permanently: datetime | None = None
    for a in ActionService(store).for_account(platform, account_id):
        if a.kind != ActionKind.DISABLE_ACCOUNT:
            continue
        if a.state == ActionState.ACTIVE:
            permanently = a.decided_at if permanently is None else min(permanently, a.decided_at)
        else:
            with store.engine.connect() as conn:
                reenabled = conn.scalar(
                    select(enforce_events.c.at).where(
                        enforce_events.c.action_id == a.action_id, enforce_events.c.event == "reversed"
                    )
                )
            temporarily = (a.decided_at, reenabled)
    return temporarily, permanently


def exchanges(store: Store, local_id: int) -> list[dict[str, Any]]:
    """The append-only record of what was sent to NCMEC for one report, and what it answered."""
    query = select(cybertip_exchanges).where(cybertip_exchanges.c.local_id == local_id)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query.order_by(cybertip_exchanges.c.exchange_id))]
