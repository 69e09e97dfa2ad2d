"""Client for NCMEC's CyberTipline Reporting API: /status, /submit, /upload, /fileinfo, /finish, /retract.

HTTP Basic auth, XML bodies, the test environment unless production is set explicitly (see settings). Retries
are only where they are safe: a request that never reached the server (connect error) or that NCMEC answered
with a server-side failure code. A submit or upload whose answer was lost is not repeated blindly: an opened
report that is never finished is deleted by NCMEC (24 h after opening or 1 h after its last change), so the
service re-submits a fresh report rather than risk a duplicate file inside a finished one. ``finish`` and
``retract`` treat "already finished" / "already retracted" as done, so repeating them is harmless.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bastion.core.errors import UpstreamError

SUCCESS = 0
SERVER_ERROR = 1000
SAVE_FAILED = 1100
UPLOAD_FAILED = (1110, 1111)
VALIDATION_FAILED = 4100
ALREADY_RETRACTED = 5101
ALREADY_FINISHED = 5102
RETRYABLE_CODES = frozenset({SERVER_ERROR, SAVE_FAILED, *UPLOAD_FAILED})


class CyberTipError(UpstreamError):
    """NCMEC refused a request (non-zero responseCode) or could not be reached."""

    def __init__(self, message: str, *, code: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.body = body


@dataclass(frozen=True, slots=True)
class Response:
    code: int
    description: str
    report_id: str | None = None
    file_id: str | None = None
    hash: str | None = None
    file_ids: tuple[str, ...] = ()
    raw: str = ""
    status: int = 200
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == SUCCESS


def parse_response(text: str, status: int = 200) -> Response:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CyberTipError(f"unreadable answer from NCMEC (HTTP {status}): {exc}", body=text) from None

    def find(tag: str) -> str | None:
        el = root.find(tag)
        return el.text if el is not None and el.text is not None else None

    code_text = find("responseCode")
    if code_text is None:
        raise CyberTipError(f"answer without responseCode (HTTP {status})", body=text)
    files = tuple(el.text or "" for el in root.iterfind("files/fileId"))
    return Response(
        code=int(code_text),
        description=find("responseDescription") or "",
        report_id=find("reportId"),
        file_id=find("fileId"),
        hash=find("hash"),
        file_ids=files,
        raw=text,
        status=status,
    )


class CyberTiplineClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        client: httpx.Client | None = None,
        attempts: int = 3,
        backoff_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = client or httpx.Client(timeout=timeout)
        self.auth = httpx.BasicAuth(username, password)
        self.attempts = attempts
        self.backoff = backoff_seconds
        self.sleep = sleep

    def close(self) -> None:
        self.http.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        retry_lost_answer: bool,
        content: bytes | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> Response:
        headers = {"Content-Type": "text/xml; charset=utf-8"} if content is not None else None
        last: Exception | None = None
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                r = self.http.request(
                    method,
                    f"{self.base_url}{path}",
                    content=content,
                    data=data,
                    files=files,
                    headers=headers,
                    auth=self.auth,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = exc  # never reached NCMEC: always safe to repeat
                continue
            except httpx.HTTPError as exc:
                last = exc
                if retry_lost_answer:
                    continue
                raise CyberTipError(f"{path}: no answer from NCMEC ({exc}); not repeated") from exc
            if r.status_code == 401:
                raise CyberTipError(f"{path}: NCMEC refused the credentials (HTTP 401)", code=2000)
            if r.status_code >= 500 and not r.text.lstrip().startswith("<"):
                last = CyberTipError(f"{path}: HTTP {r.status_code}")
                continue
            resp = parse_response(r.text, r.status_code)
            if resp.code in RETRYABLE_CODES:
                last = CyberTipError(f"{path}: {resp.code} {resp.description}", code=resp.code, body=r.text)
                continue
            return resp
        if isinstance(last, CyberTipError):
            raise last
        raise CyberTipError(f"{path}: NCMEC unreachable after {self.attempts} attempts ({last})")

    def status(self) -> Response:
        return self._call("GET", "/status", retry_lost_answer=True)

    def xsd(self) -> str:
        r = self.http.get(f"{self.base_url}/xsd", auth=self.auth)
        r.raise_for_status()
        return r.text

    def submit(self, report_xml: bytes) -> Response:
        return self._call("POST", "/submit", content=report_xml, retry_lost_answer=False)

    def upload(self, report_id: str, file_name: str, content: bytes) -> Response:
        return self._call(
            "POST",
            "/upload",
            data={"id": report_id},
            files={"file": (file_name, content)},
            retry_lost_answer=False,
        )

    def fileinfo(self, file_details_xml: bytes) -> Response:
        return self._call("POST", "/fileinfo", content=file_details_xml, retry_lost_answer=True)

    def finish(self, report_id: str) -> Response:
        r = self._call("POST", "/finish", data={"id": report_id}, retry_lost_answer=True)
        return _done_if(r, ALREADY_FINISHED)

    def retract(self, report_id: str) -> Response:
        r = self._call("POST", "/retract", data={"id": report_id}, retry_lost_answer=True)
        return _done_if(r, ALREADY_RETRACTED)


def _done_if(r: Response, code: int) -> Response:
    if r.code == code:
        return Response(SUCCESS, r.description, r.report_id, r.file_id, r.hash, r.file_ids, r.raw, r.status)
    return r
