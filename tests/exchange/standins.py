"""Local stand-ins of the hash exchanges' HTTP APIs, on real sockets, speaking what threatexchange's clients
send and parse:

- StopNCII: ``GET /FetchHashes`` in pages (``nextPageToken``), ``POST /SubmitFeedback``.
- NCMEC hash sharing v2 (XML): ``GET /v2/entries?from=&to=`` (entries whose timestamp is in ``[from, to)``,
  in pages with a ``paging/next`` URL carrying ``start``, ``size`` and ``max``), ``GET
  /v2/feedback/<FP>/reasons`` and ``PUT /v2/entries/<member>/<entry>/<FP>/feedback`` (an ``affirmative`` or
  a ``negative`` vote with reason GUIDs). Times are formatted as threatexchange formats them
  (``hash_api._date_format``) and parsed back the same way.
"""

from __future__ import annotations

import base64
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

NS = "https://hashsharing.ncmec.org/hashsharing/v2"
DATE = "%Y-%m-%dT%H:%M:%SZ"


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` on an ephemeral local port; yields its base URL."""
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


# -- StopNCII ------------------------------------------------------------------------------------------------
class StopNCIIStandIn(_Quiet):
    """FetchHashes in pages, SubmitFeedback recorded: the two endpoints Bastion calls."""

    pages: ClassVar[list[dict[str, Any]]] = []
    feedback: ClassVar[list[dict[str, Any]]] = []
    keys: ClassVar[list[dict[str, str]]] = []
    fetches: ClassVar[list[dict[str, list[str]]]] = []

    def do_GET(self) -> None:
        self.keys.append(dict(self.headers))
        query = parse_qs(urlsplit(self.path).query)
        self.fetches.append(query)
        token = query.get("nextPageToken", ["0"])[0]
        self._send(200, json.dumps(self.pages[int(token)]).encode(), "application/json")

    def do_POST(self) -> None:
        self.feedback.append(json.loads(self._body()))
        self._send(200, b"{}", "application/json")


def stopncii_record(value: str, kind: str = "ImagePDQ", status: str = "Active") -> dict[str, Any]:
    return {"lastModtimestamp": 1_700_000_000, "signalType": kind, "hashValue": value, "hashStatus": status,
            "caseNumbers": {}, "CSPFeedbacks": []}  # fmt: skip


# -- NCMEC ---------------------------------------------------------------------------------------------------
@dataclass
class NcmecEntry:
    """One entry of a member; ``deleted`` makes it a ``deletedImage``/``deletedVideo`` tombstone."""

    member_id: int
    entry_id: str
    timestamp: int
    fingerprints: dict[str, str] = field(default_factory=dict)  # NCMEC's tags: pdq, md5, ...
    video: bool = False
    deleted: bool = False
    classification: str = "A1"


@dataclass(frozen=True)
class Vote:
    member_id: int
    entry_id: str
    fingerprint: str
    vote: str  # affirmative | negative
    reasons: tuple[str, ...]


def _parse_stamp(s: str) -> int:
    """The inverse of threatexchange's ``hash_api._date_format`` (local time, marked Z)."""
    return int(datetime.strptime(s, DATE).timestamp())


def _strip(element: ET.Element) -> ET.Element:
    for el in element.iter():
        el.tag = el.tag.partition("}")[2] or el.tag
    return element


class NcmecStandIn(_Quiet):
    """The subset of NCMEC's hash sharing API v2 that threatexchange's NCMEC exchange uses."""

    entries: ClassVar[list[NcmecEntry]] = []
    reasons: ClassVar[dict[str, dict[str, str]]] = {}  # fingerprint type -> {guid: name}
    votes: ClassVar[list[Vote]] = []
    requests: ClassVar[list[str]] = []
    users: ClassVar[set[str]] = set()
    page_size: ClassVar[int] = 2
    prefix: ClassVar[str] = "/ncmec"  # the base URL's path: paging URLs are relative to it

    def _authorised(self) -> bool:
        raw = self.headers.get("Authorization", "")
        if not raw.startswith("Basic "):
            self._send(401, b"", "text/plain")
            return False
        self.users.add(base64.b64decode(raw[6:]).decode().partition(":")[0])
        return True

    def do_GET(self) -> None:
        self.requests.append(f"GET {self.path}")
        if not self._authorised():
            return
        url = urlsplit(self.path)
        path = url.path.removeprefix(self.prefix)
        if path == "/v2/entries":
            self._xml(self._entries(parse_qs(url.query)))
        elif path.startswith("/v2/feedback/") and path.endswith("/reasons"):
            fp = path.split("/")[3]
            root = ET.Element("feedbackReasons", xmlns=NS)
            available = ET.SubElement(root, "availableFeedbackReasons")
            for guid, name in self.reasons.get(fp, {}).items():
                ET.SubElement(available, "reason", guid=guid, name=name)
            self._xml(root)
        else:
            self._send(404, b"", "text/plain")

    def do_PUT(self) -> None:
        self.requests.append(f"PUT {self.path}")
        if not self._authorised():
            return
        parts = urlsplit(self.path).path.removeprefix(self.prefix).split("/")
        # /v2/entries/<member>/<entry>/<FP>/feedback
        if len(parts) != 7 or parts[1:3] != ["v2", "entries"] or parts[6] != "feedback":
            self._send(404, b"", "text/plain")
            return
        member, entry, fp = int(parts[3]), parts[4], parts[5]
        known = any(e.member_id == member and e.entry_id == entry for e in self.entries)
        body = _strip(ET.fromstring(self._body()))
        vote = body[0]
        reasons = tuple(g.text or "" for g in vote.iter("guid"))
        if not known or vote.tag not in ("affirmative", "negative"):
            self._send(400, b"unknown entry or vote", "text/plain")
            return
        if vote.tag == "negative" and not set(reasons) <= set(self.reasons.get(fp, {})):
            self._send(400, b"unknown reason", "text/plain")
            return
        self.votes.append(Vote(member, entry, fp, vote.tag, reasons))
        self._send(200, b"", "application/xml")

    def _entries(self, q: dict[str, list[str]]) -> ET.Element:
        start_ts, end_ts = _parse_stamp(q["from"][0]), _parse_stamp(q["to"][0])
        found = sorted(
            (e for e in self.entries if start_ts <= e.timestamp < end_ts),
            key=lambda e: (e.timestamp, e.entry_id),
        )
        start = int(q.get("start", ["0"])[0])
        size = int(q.get("size", [str(self.page_size)])[0])
        page = found[start : start + size]
        root = ET.Element("queryResult", xmlns=NS)
        for tag, video in (("images", False), ("videos", True)):
            mine = [e for e in page if e.video == video]
            group = ET.SubElement(root, tag, count=str(len(mine)))
            if mine:
                top = max(e.timestamp for e in mine)
                group.set("maxTimestamp", datetime.fromtimestamp(top, UTC).strftime(DATE))
            for e in mine:
                kind = "video" if video else "image"
                el = ET.SubElement(group, f"deleted{kind.title()}" if e.deleted else kind)
                ET.SubElement(el, "id").text = e.entry_id
                ET.SubElement(el, "member", id=str(e.member_id)).text = f"member {e.member_id}"
                ET.SubElement(el, "timestamp").text = datetime.fromtimestamp(e.timestamp, UTC).strftime(DATE)
                if e.deleted:
                    continue
                ET.SubElement(el, "classification").text = e.classification
                prints = ET.SubElement(el, "fingerprints")
                for name, value in e.fingerprints.items():
                    ET.SubElement(prints, name).text = value
        paging = ET.SubElement(root, "paging")
        if start + size < len(found):
            nxt = (f"/v2/entries?from={q['from'][0]}&to={q['to'][0]}&start={start + size}&size={size}"
                   f"&max={len(found)}")  # fmt: skip
            ET.SubElement(paging, "next").text = nxt  # ET escapes the & as NCMEC's XML does
        return root

    def _xml(self, root: ET.Element) -> None:
        self._send(200, ET.tostring(root, xml_declaration=True, encoding="utf-8"), "application/xml")

    @classmethod
    def reset(cls) -> None:
        cls.entries, cls.votes, cls.requests, cls.users = [], [], [], set()
        cls.reasons = {}


__all__ = [
    "NcmecEntry",
    "NcmecStandIn",
    "StopNCIIStandIn",
    "Vote",
    "serve",
    "stopncii_record",
]
