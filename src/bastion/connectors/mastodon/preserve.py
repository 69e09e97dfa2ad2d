"""Evidence preserved before an account is suspended: Mastodon deletes a suspended account's data (its
statuses and media files) 30 days after suspension, while 18 U.S.C. 2258A(h) asks for a year.

Before the suspension call, the connector reads the account (Admin::Account), its latest statuses and the
files attached to them, and hands them as one record to Bastion's preservation vault (:class:`EvidenceVault`:
Fernet-encrypted with ``BASTION_PRESERVATION_KEY``, kept ``BASTION_PRESERVATION_DAYS`` (at least 365), read
only by ``BASTION_PRESERVATION_ROLES`` with every access logged, purged when the period ends). The record
carries a manifest of ids, sizes and MD5/SHA-256 beside the files. The suspension is made only once the record
is committed; a file that cannot be fetched for a passing reason (network, 5xx) keeps the action for a retry.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from bastion.connectors.mastodon.admin import MastodonAdmin, Retry
from bastion.connectors.mastodon.fetch import FetchError, fetch
from bastion.connectors.mastodon.state import EvidenceVault, Ledger


class Preserver:
    def __init__(
        self,
        admin: MastodonAdmin,
        state: Ledger,
        vault: EvidenceVault,
        *,
        statuses: int = 200,
        max_bytes: int = 16 * 1024 * 1024,
        timeout: float = 10.0,
        allow_private: bool = False,
    ) -> None:
        self.admin = admin
        self.state = state
        self.vault = vault
        self.statuses = statuses
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allow_private = allow_private

    def preserve(self, account_id: str, *, key: str, reason: str = "") -> int:
        """The vault item of the record kept under ``key`` (made now, or earlier: never twice)."""
        done = self.vault.preserved(key)
        if done is not None:
            return done
        account = self.admin.account(account_id)
        statuses = self.admin.statuses(account_id, self.statuses) if account is not None else []
        files, manifest_files = [], []
        for status in statuses:
            for item in status.get("media_attachments") or []:
                entry = self._file(str(status.get("id")), item)
                content = entry.pop("content_b64", None)
                manifest_files.append(dict(entry))
                files.append(entry | ({"content_b64": content} if content else {}))
        manifest = {
            "account_id": account_id,
            "account_known": account is not None,
            "statuses": [str(s.get("id")) for s in statuses],
            "files": manifest_files,
            "reason": reason,
        }
        record = {
            "account": account,
            "statuses": statuses,
            "files": files,
            "manifest": manifest,
            "reason": reason,
        }
        item_id = self.vault.keep(key, account_id, record)
        missing = sum(1 for f in manifest_files if "error" in f)
        self.state.audit(
            key,
            "preserve",
            account_id,
            "done",
            f"vault item {item_id}: {len(statuses)} statuses, {len(manifest_files) - missing} files kept,"
            f" {missing} not fetched",
        )
        return item_id

    def _file(self, status_id: str, item: dict[str, Any]) -> dict[str, Any]:
        url = item.get("url") or item.get("remote_url")
        entry: dict[str, Any] = {"status_id": status_id, "media_id": str(item.get("id")), "url": url}
        if not isinstance(url, str) or not url:
            return entry | {"error": "no URL"}
        try:
            data = fetch(
                url, max_bytes=self.max_bytes, timeout=self.timeout, allow_private=self.allow_private
            )
        except FetchError as exc:
            if exc.transient:
                raise Retry(f"media {entry['media_id']} not preserved yet: {exc}") from exc
            return entry | {"error": str(exc)}
        return entry | {
            "bytes": len(data),
            "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "sha256": hashlib.sha256(data).hexdigest(),
            "content_b64": base64.b64encode(data).decode(),
        }
