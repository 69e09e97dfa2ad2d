"""Mastodon webhook payloads and admin API answers in the shapes of Mastodon's own documentation
(docs.joinmastodon.org: admin/webhooks "Example payload" for ``report.created``; entities Admin::Account,
Admin::Report, Status and MediaAttachment; methods/admin/accounts and admin/reports), with neutral invented
content. ``media_url`` points at a local test server serving a synthetic shapes PNG."""

from __future__ import annotations

import copy
from typing import Any

REPORTER_ID = "123456789"
TARGET_ID = "123454321"
REPORT_ID = "8437"
STATUS_ID = "12345678987654321"
MEDIA_ID = "22345792"


def plain_account(account_id: str, username: str, domain: str | None) -> dict[str, Any]:
    """The Account entity inside an Admin::Account (as in the documented report.created payload)."""
    host = domain or "mastodon.example"
    return {
        "id": account_id,
        "username": username,
        "acct": username if domain is None else f"{username}@{domain}",
        "display_name": username,
        "locked": False,
        "bot": False,
        "discoverable": False,
        "group": False,
        "created_at": "2023-08-20T00:00:00.000Z",
        "note": "<p>Likes <b>tea</b> &amp; gardening</p>",
        "url": f"https://{host}/@{username}",
        "uri": f"https://{host}/users/{username}",
        "avatar": f"https://{host}/avatars/original/missing.png",
        "avatar_static": f"https://{host}/avatars/original/missing.png",
        "header": f"https://{host}/headers/original/missing.png",
        "header_static": f"https://{host}/headers/original/missing.png",
        "followers_count": 2,
        "following_count": 2,
        "statuses_count": 95,
        "last_status_at": "2023-10-26",
        "emojis": [],
        "fields": [],
    }


def admin_account(account_id: str, username: str, domain: str | None = None) -> dict[str, Any]:
    """An Admin::Account (documented fields; a remote account has null email/ip/confirmed)."""
    local = domain is None
    return {
        "id": account_id,
        "username": username,
        "domain": domain,
        "created_at": "2023-08-20T00:00:00.000Z",
        "email": f"{username}@mail.example" if local else None,
        "ip": "192.0.2.10" if local else None,
        "ips": [{"ip": "192.0.2.10", "used_at": "2023-08-20T04:45:31.835Z"}] if local else None,
        "confirmed": True if local else None,
        "suspended": False,
        "silenced": False,
        "sensitized": False,
        "disabled": False if local else None,
        "approved": True if local else None,
        "locale": "en" if local else None,
        "invite_request": None,
        "role": {"id": "-99", "name": "", "permissions": "65536", "color": "", "highlighted": False},
        "account": plain_account(account_id, username, domain),
    }


def media_attachment(media_id: str, url: str) -> dict[str, Any]:
    """A MediaAttachment of type image (documented fields)."""
    return {
        "id": media_id,
        "type": "image",
        "url": url,
        "preview_url": url,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": {"width": 320, "height": 240, "size": "320x240", "aspect": 1.3333333333333333},
            "small": {"width": 320, "height": 240, "size": "320x240", "aspect": 1.3333333333333333},
        },
        "description": "coloured shapes on a gradient",
        "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
    }


def status(status_id: str, author: dict[str, Any], media: list[dict[str, Any]]) -> dict[str, Any]:
    """A Status (documented fields) by ``author`` (an Account)."""
    return {
        "id": status_id,
        "created_at": "2023-10-26T11:29:13.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"{author['uri']}/statuses/{status_id}",
        "url": f"{author['url']}/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "content": "<p>Sharing garden photos, ask me<br>#stickers</p>",
        "reblog": None,
        "account": author,
        "media_attachments": media,
        "mentions": [],
        "tags": [{"name": "stickers", "url": "https://mastodon.example/tags/stickers"}],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def admin_report(media_url: str, *, report_id: str = REPORT_ID) -> dict[str, Any]:
    """An Admin::Report about a remote account, with one reported status carrying one image."""
    target = admin_account(TARGET_ID, "pebbleperson", "otherserver.example")
    return {
        "id": report_id,
        "action_taken": False,
        "action_taken_at": None,
        "category": "violation",
        "comment": "This account keeps posting <b>odd</b> things",
        "forwarded": True,
        "created_at": "2023-10-26T13:34:00.348Z",
        "updated_at": "2023-10-26T13:34:00.348Z",
        "account": admin_account(REPORTER_ID, "gardenfan"),
        "target_account": target,
        "assigned_account": None,
        "action_taken_by_account": None,
        "statuses": [status(STATUS_ID, target["account"], [media_attachment(MEDIA_ID, media_url)])],
        "rules": [{"id": "2", "text": "Be kind"}],
    }


def webhook(event: str, obj: dict[str, Any], at: str = "2023-10-26T13:34:00.351Z") -> dict[str, Any]:
    return {"event": event, "created_at": at, "object": copy.deepcopy(obj)}
