"""Local stand-ins for the outside world, each a tiny HTTP server thread on 127.0.0.1.

- :class:`Receiver`: a platform's webhook endpoint that fails the first N requests, then recovers; it checks
  the HMAC signature and de-duplicates on the delivery id, as a real receiver must.
- :class:`FakeNcmec`: NCMEC's CyberTipline Reporting API as documented (Basic auth, XML answers with
  responseCode: 0 success, 4100 validation failed incl. out-of-order children, 5001 no such report, 5102
  already finished, ...), validating documents against the schema and deleting reports that are left
  unfinished too long (by an injectable clock).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bastion.enforce.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from bastion.report.schema import is_valid


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler], state: Any) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        return

    @property
    def state(self) -> Any:
        return self.server.state  # type: ignore[attr-defined]

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, body: bytes, ctype: str = "application/xml") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# --- webhook receiver ----------------------------------------------------------------------------------


@dataclass
class ReceiverState:
    key: bytes
    fail_first: int = 0
    requests: int = 0
    bad_signatures: int = 0
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)  # delivery id -> event
    applied: list[dict[str, Any]] = field(default_factory=list)  # events applied once each
    lock: threading.Lock = field(default_factory=threading.Lock)


class _ReceiverHandler(_Quiet):
    def do_POST(self) -> None:
        body = self._body()
        st: ReceiverState = self.state
        with st.lock:
            st.requests += 1
            if st.requests <= st.fail_first:
                self._send(503, b"down", "text/plain")
                return
            ok = verify(
                st.key,
                self.headers.get(TIMESTAMP_HEADER, ""),
                body,
                self.headers.get(SIGNATURE_HEADER, ""),
            )
            if not ok:
                st.bad_signatures += 1
                self._send(401, b"bad signature", "text/plain")
                return
            delivery = self.headers.get(DELIVERY_HEADER, "")
            event = json.loads(body)
            if delivery not in st.seen:
                st.seen[delivery] = event
                st.applied.append(event)
        self._send(200, b"ok", "text/plain")


@contextmanager
def receiver(key: bytes, fail_first: int = 0) -> Iterator[tuple[str, ReceiverState]]:
    state = ReceiverState(key, fail_first)
    with serve(_ReceiverHandler, state) as url:
        yield url + "/hook", state


# --- fake NCMEC ----------------------------------------------------------------------------------------


@dataclass
class FakeReport:
    report_id: str
    xml: bytes
    opened: datetime
    changed: datetime
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: str = "open"


@dataclass
class NcmecState:
    username: str = "esp"
    password: str = "secret"
    clock: Callable[[], datetime] = field(default_factory=lambda: lambda: datetime.now(UTC))
    fail_submits: int = 0  # answer 1000 to the next N submits
    reports: dict[str, FakeReport] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    next_id: int = 900_000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def finished(self) -> list[FakeReport]:
        return [r for r in self.reports.values() if r.status == "finished"]


def backoff_waits(record: list[float] | None = None) -> Callable[[float], None]:
    """A ``drain`` sleep that waits out each (millisecond) backoff for real, noting it in ``record``: a sleep
    that returns at once leaves a retry due only once ``drain``'s rounds have taken that long, which on an
    idle machine they sometimes had not (two of three events delivered)."""

    def wait(seconds: float) -> None:
        if record is not None:
            record.append(seconds)
        time.sleep(max(0.0, seconds))

    return wait


def _resp(code: int, description: str, **extra: str) -> bytes:
    root = ET.Element("reportResponse")
    ET.SubElement(root, "responseCode").text = str(code)
    ET.SubElement(root, "responseDescription").text = description
    for k, v in extra.items():
        ET.SubElement(root, k).text = v
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


class _NcmecHandler(_Quiet):
    def _authorised(self) -> bool:
        st: NcmecState = self.state
        want = base64.b64encode(f"{st.username}:{st.password}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {want}":
            self._send(401, _resp(2000, "Authentication required"))
            return False
        return True

    def do_GET(self) -> None:
        if not self._authorised():
            return
        self.state.calls.append(self.path)
        if self.path == "/status":
            self._send(200, _resp(0, "Remote User : esp, Remote Ip : 127.0.0.1"))
        else:
            self._send(404, _resp(4000, "Invalid request"))

    def do_POST(self) -> None:
        if not self._authorised():
            return
        st: NcmecState = self.state
        body = self._body()
        with st.lock:
            st.calls.append(self.path)
            self._expire()
            handler = {
                "/submit": self._submit,
                "/upload": self._upload,
                "/fileinfo": self._fileinfo,
                "/finish": self._finish,
                "/retract": self._retract,
            }.get(self.path)
            if handler is None:
                self._send(404, _resp(4000, "Invalid request"))
                return
            self._send(200, handler(body))

    def _expire(self) -> None:
        st: NcmecState = self.state
        now = st.clock()
        for rid, r in list(st.reports.items()):
            if r.status == "open" and now >= max(
                r.opened + timedelta(hours=24), r.changed + timedelta(hours=1)
            ):
                del st.reports[rid]

    def _form(self, body: bytes) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(body.decode()).items()}

    def _submit(self, body: bytes) -> bytes:
        st: NcmecState = self.state
        if st.fail_submits > 0:
            st.fail_submits -= 1
            return _resp(1000, "Server error")
        try:
            ET.fromstring(body)
        except ET.ParseError:
            return _resp(4110, "Malformed XML")
        if not is_valid(body):
            return _resp(4100, "Validation failed")
        st.next_id += 1
        rid = str(st.next_id)
        now = st.clock()
        st.reports[rid] = FakeReport(rid, body, now, now)
        return _resp(0, "Success", reportId=rid)

    def _open(self, rid: str) -> FakeReport | bytes:
        r = self.state.reports.get(rid)
        if r is None:
            return _resp(5001, "No such report")
        if r.status == "finished":
            return _resp(5102, "Report already finished", reportId=rid)
        if r.status == "retracted":
            return _resp(5101, "Report already retracted", reportId=rid)
        return r

    def _upload(self, body: bytes) -> bytes:
        ctype = self.headers.get("Content-Type", "")
        msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
        parts = {p.get_param("name", header="content-disposition"): p for p in msg.iter_parts()}
        rid = parts["id"].get_content().strip() if "id" in parts else ""
        r = self._open(rid)
        if isinstance(r, bytes):
            return r
        payload = parts["file"].get_payload(decode=True) if "file" in parts else None
        if not payload:
            return _resp(4200, "Malformed file")
        fid = uuid.uuid4().hex
        r.files[fid] = {"bytes": len(payload), "details": None}
        r.changed = self.state.clock()
        return _resp(0, "Success", reportId=rid, fileId=fid)

    def _fileinfo(self, body: bytes) -> bytes:
        if not is_valid(body):
            return _resp(4100, "Validation failed")
        root = ET.fromstring(body)
        rid, fid = root.findtext("reportId") or "", root.findtext("fileId") or ""
        r = self._open(rid)
        if isinstance(r, bytes):
            return r
        if fid not in r.files:
            return _resp(5002, "No such file")
        r.files[fid]["details"] = body
        r.changed = self.state.clock()
        return _resp(0, "Success", reportId=rid, fileId=fid)

    def _finish(self, body: bytes) -> bytes:
        rid = self._form(body).get("id", "")
        r = self._open(rid)
        if isinstance(r, bytes):
            return r
        r.status = "finished"
        root = ET.Element("reportDoneResponse")
        ET.SubElement(root, "responseCode").text = "0"
        ET.SubElement(root, "reportId").text = rid
        files = ET.SubElement(root, "files")
        for fid in r.files:
            ET.SubElement(files, "fileId").text = fid
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def _retract(self, body: bytes) -> bytes:
        rid = self._form(body).get("id", "")
        r = self._open(rid)
        if isinstance(r, bytes):
            return r
        r.status = "retracted"
        return _resp(0, "Success", reportId=rid)


@contextmanager
def fake_ncmec(state: NcmecState | None = None) -> Iterator[tuple[str, NcmecState]]:
    st = state or NcmecState()
    with serve(_NcmecHandler, st) as url:
        yield url, st
