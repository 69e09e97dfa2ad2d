"""Mastodon's admin webhook payloads (``{"event", "created_at", "object"}``) as Bastion's export rows and
reports. ``account.*`` carry an Admin::Account, ``status.created`` a Status, ``report.created`` an
Admin::Report with the reported statuses. Ids are Mastodon's database ids (accounts, statuses, reports), so a
report, its target and its statuses line up with what the admin API acts on.

Each event id is derived from what Mastodon sends again on a retried delivery (the event's name, the
object's id and the payload's ``created_at``), so a redelivery is a replay that stores nothing twice.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from bastion.core.errors import InputError

#: the webhook events the receiver maps; anything else is acknowledged and ignored
EVENTS = ("account.created", "account.updated", "status.created", "report.created")
REPORT_PREFIX = "mastodon-report-"
_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A media attachment to fetch and hash: which post it belongs to and where its file is."""

    post_id: str
    media_id: str
    url: str
    kind: str = "unknown"


@dataclass(slots=True)
class Mapped:
    """One webhook as Bastion input: events for ``POST /v1/events``, reports for the intake, media to hash."""

    event: str
    events: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    media: list[MediaRef] = field(default_factory=list)


def parse(body: bytes) -> dict[str, Any]:
    """The payload, or an :class:`InputError` naming what is missing."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"body is not JSON: {exc}", field="body") from None
    if not isinstance(payload, dict):
        raise InputError("a webhook body is a JSON object", field="body")
    for key, kind in (("event", str), ("created_at", str), ("object", dict)):
        if not isinstance(payload.get(key), kind):
            raise InputError(f"{key} is required ({kind.__name__})", field=key)
    return payload


def plain(content: Any) -> str | None:
    """A status's HTML as text (paragraphs and breaks become new lines)."""
    if not isinstance(content, str) or not content:
        return None
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content))).strip() or None


def _items(value: Any) -> list[Any]:
    """An optional list of the API (tags, attachments, statuses, rules): a value of another type, as a
    server of another version or a relay may send, holds nothing to read, like an absent one."""
    return value if isinstance(value, list) else []


def _id(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise InputError(f"{where}.{key} is required", field=f"{where}.{key}")
    return str(value)


def account_row(admin: dict[str, Any], where: str) -> dict[str, Any]:
    """An Admin::Account (or a plain Account) as an ``accounts`` row."""
    inner = admin.get("account") if isinstance(admin.get("account"), dict) else admin
    assert isinstance(inner, dict)
    row: dict[str, Any] = {
        "account_id": _id(admin, "id", where),
        "created_at": admin.get("created_at") or inner.get("created_at"),
        "username": inner.get("acct") or admin.get("username"),
        "display_name": inner.get("display_name") or None,
        "bio": plain(inner.get("note")),
    }
    suspended = admin.get("suspended") or inner.get("suspended") or admin.get("disabled")
    row["status"] = "disabled" if suspended else "active"
    for key in ("followers_count", "following_count"):
        if isinstance(inner.get(key), int):
            row[key] = inner[key]
    for key in ("domain", "silenced", "sensitized", "locale", "url"):  # kept as extra columns
        value = admin.get(key) if key in admin else inner.get(key)
        if value not in (None, ""):
            row[f"mastodon_{key}"] = value
    return {k: v for k, v in row.items() if v is not None}


def status_row(status: dict[str, Any], where: str) -> tuple[dict[str, Any], list[MediaRef]]:
    """A Status as a ``posts`` row (media hashes are added once fetched) and its attachments to hash."""
    post_id = _id(status, "id", where)
    author = status.get("account")
    if not isinstance(author, dict):
        raise InputError(f"{where}.account is required", field=f"{where}.account")
    text = " ".join(t for t in (plain(status.get("spoiler_text")), plain(status.get("content"))) if t)
    tags = [
        t["name"]
        for t in _items(status.get("tags"))
        if isinstance(t, dict) and isinstance(t.get("name"), str) and t["name"]
    ]
    row: dict[str, Any] = {
        "post_id": post_id,
        "account_id": _id(author, "id", f"{where}.account"),
        "created_at": status.get("created_at"),
        "kind": "comment" if status.get("in_reply_to_id") else "post",
        "text": text or None,
        "hashtags": ";".join(tags) or None,
        "mastodon_visibility": status.get("visibility"),
        "mastodon_url": status.get("url") or status.get("uri"),
    }
    media = []
    for i, item in enumerate(_items(status.get("media_attachments"))):
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("remote_url")
        if isinstance(url, str) and url:
            media.append(
                MediaRef(
                    post_id, _id(item, "id", f"{where}.media_attachments[{i}]"), url, str(item.get("type"))
                )
            )
    return {k: v for k, v in row.items() if v is not None}, media


def _account_event(admin: dict[str, Any], tag: str, where: str) -> dict[str, Any]:
    row = account_row(admin, where)
    return {"event_id": f"mastodon:{tag}:account:{row['account_id']}", "table": "accounts", "row": row}


def _status_events(
    status: dict[str, Any], tag: str, where: str
) -> tuple[list[dict[str, Any]], list[MediaRef]]:
    row, media = status_row(status, where)
    author = status["account"]
    events = [
        _account_event(author, tag, f"{where}.account"),
        {"event_id": f"mastodon:{tag}:status:{row['post_id']}", "table": "posts", "row": row},
    ]
    return events, media


def map_webhook(payload: dict[str, Any]) -> Mapped:
    """The Bastion input for one webhook; an event outside :data:`EVENTS` maps to nothing."""
    event, obj, at = payload["event"], payload["object"], payload["created_at"]
    out = Mapped(event)
    if event in ("account.created", "account.updated"):
        out.events.append(_account_event(obj, f"{event}:{at}", "object"))
    elif event == "status.created":
        out.events, out.media = _status_events(obj, event, "object")
    elif event == "report.created":
        _map_report(obj, out)
    unique: dict[str, dict[str, Any]] = {}
    for item in out.events:  # a report's target is often its statuses' author too: one event each
        unique.setdefault(item["event_id"], item)
    out.events = list(unique.values())
    return out


def _map_report(report: dict[str, Any], out: Mapped) -> None:
    report_id = _id(report, "id", "object")
    target, reporter = report.get("target_account"), report.get("account")
    if not isinstance(target, dict):
        raise InputError("object.target_account is required", field="object.target_account")
    tag = f"report:{report_id}"
    out.events.append(_account_event(target, tag, "object.target_account"))
    status_ids = []
    for i, status in enumerate(_items(report.get("statuses"))):
        if isinstance(status, dict):
            events, media = _status_events(status, tag, f"object.statuses[{i}]")
            out.events.extend(events)
            out.media.extend(media)
            status_ids.append(str(status["id"]))
    rules = [str(r["id"]) for r in _items(report.get("rules")) if isinstance(r, dict) and "id" in r]
    extra: dict[str, Any] = {
        "mastodon_report_id": report_id,
        "category": report.get("category"),
        "rule_ids": rules,
        "status_ids": status_ids,
        "forwarded": report.get("forwarded"),
        "target_domain": target.get("domain"),
    }
    out.reports.append(
        {
            "report_id": f"{REPORT_PREFIX}{report_id}",
            "reporter_id": _id(reporter, "id", "object.account") if isinstance(reporter, dict) else "unknown",
            "target_type": "account",
            "target_id": _id(target, "id", "object.target_account"),
            "reason": "user_report",
            "created_at": report.get("created_at"),
            "text": (plain(report.get("comment")) or "")[:10_000] or None,
            "extra": {k: v for k, v in extra.items() if v not in (None, [])},
        }
    )


def attach_media(
    mapped: Mapped, hashed: dict[tuple[str, str], dict[str, Any]], failed: dict[tuple[str, str], str]
) -> None:
    """Put each post's media hashes on its row (and on the report, with what could not be hashed and why)."""
    for event in mapped.events:
        if event["table"] != "posts":
            continue
        post_id = event["row"]["post_id"]
        items = [
            {"media_id": ref.media_id, **hashed[(post_id, ref.media_id)]}
            for ref in mapped.media
            if ref.post_id == post_id and (post_id, ref.media_id) in hashed
        ]
        if items:
            event["row"]["media"] = items
    for report in mapped.reports:
        if hashed:
            report["extra"]["media"] = [
                {"post_id": p, "media_id": m, **{k: v for k, v in h.items() if k in ("md5", "sha256", "pdq")}}
                for (p, m), h in hashed.items()
            ]
        if failed:
            report["extra"]["media_not_hashed"] = [
                {"post_id": p, "media_id": m, "why": why[:300]} for (p, m), why in failed.items()
            ]
