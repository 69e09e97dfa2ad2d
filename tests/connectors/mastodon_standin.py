"""A stand-in Mastodon server on a real loopback socket: the admin API calls the connector makes (answered
in the documented shapes), media files, and a record of every request, in order. Not Mastodon: it knows only
the endpoints listed here and keeps its state in a few dicts."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.mastodon_payloads import admin_account, media_attachment, status


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, Any]
    authorization: str | None


@dataclass
class StandIn:
    files: dict[str, bytes] = field(default_factory=dict)  # path -> bytes
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    open_reports: dict[str, list[str]] = field(default_factory=dict)  # account -> report ids
    fail_next: dict[str, int] = field(default_factory=dict)  # "METHOD path-suffix" -> 503s to answer
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def add_account(self, account_id: str, username: str, media_path: str | None) -> None:
        self.accounts[account_id] = admin_account(account_id, username)
        media = [media_attachment(f"m-{account_id}", f"{self.url}{media_path}")] if media_path else []
        self.statuses[account_id] = [status(f"s-{account_id}", self.accounts[account_id]["account"], media)]

    def calls(self, method: str | None = None, contains: str = "") -> list[Seen]:
        return [s for s in self.seen if (method is None or s.method == method) and contains in s.path]


def _handler(world: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _answer(self, code: int, body: Any, kind: str = "application/json") -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> tuple[str, dict[str, Any]]:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            form: dict[str, Any] = {}
            if raw:
                if "json" in (self.headers.get("Content-Type") or ""):
                    form = json.loads(raw)
                else:
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            auth = self.headers.get("Authorization")
            world.seen.append(Seen(self.command, parts.path, parse_qs(parts.query), form, auth))
            return parts.path, form

        def _failing(self, path: str) -> bool:
            for rule, left in world.fail_next.items():
                method, _, suffix = rule.partition(" ")
                if left > 0 and method == self.command and path.endswith(suffix):
                    world.fail_next[rule] = left - 1
                    self._answer(503, {"error": "Service unavailable"})
                    return True
            return False

        def do_GET(self) -> None:
            path, _ = self._record()
            parts = path.strip("/").split("/")
            if path in world.files:
                return self._answer(200, world.files[path], "image/png")
            if self._failing(path):
                return None
            if parts[:4] == ["api", "v1", "admin", "accounts"] and len(parts) == 5:
                found = world.accounts.get(parts[4])
                return self._answer(200, found) if found else self._answer(404, {"error": "Record not found"})
            if parts[:3] == ["api", "v1", "accounts"] and parts[-1] == "statuses":
                return self._answer(200, world.statuses.get(parts[3], []))
            if path == "/api/v1/admin/reports":
                target = parse_qs(urlsplit(self.path).query).get("target_account_id", [""])[0]
                ids = world.open_reports.get(target, [])
                return self._answer(200, [{"id": i, "action_taken": False} for i in ids])
            return self._answer(404, {"error": "Record not found"})

        def do_POST(self) -> None:
            path, form = self._record()
            if self._failing(path):
                return None
            parts = path.strip("/").split("/")
            if parts[:4] == ["api", "v1", "admin", "accounts"] and len(parts) == 6:
                account = world.accounts.get(parts[4])
                if account is None:
                    return self._answer(404, {"error": "Record not found"})
                if parts[5] == "action":
                    kind = form.get("type")
                    if kind not in ("none", "sensitive", "disable", "silence", "suspend"):
                        return self._answer(422, {"error": "Record invalid"})
                    flag = {"suspend": "suspended", "silence": "silenced", "disable": "disabled"}.get(kind)
                    if flag:
                        account[flag] = True
                    world.open_reports.pop(parts[4], None)  # "also resolves any open reports"
                    return self._answer(200, {})
                undo = {"unsuspend": "suspended", "enable": "disabled", "unsilence": "silenced"}
                if parts[5] in undo:
                    account[undo[parts[5]]] = False
                    return self._answer(200, account)
            if parts[:4] == ["api", "v1", "admin", "reports"] and parts[-1] == "resolve":
                for ids in world.open_reports.values():
                    if parts[4] in ids:
                        ids.remove(parts[4])
                return self._answer(200, {"id": parts[4], "action_taken": True})
            return self._answer(404, {"error": "Record not found"})

    return Handler


class Server:
    """``with Server(world) as url:`` serves ``world`` on 127.0.0.1 in a thread."""

    def __init__(self, world: StandIn) -> None:
        self.world = world
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(world))
        world.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return self.world.url

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
