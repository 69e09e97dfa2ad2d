"""Build, submit and finish CyberTipline reports, keeping every exchange and starting preservation.

A report moves built -> open -> finished (or retracted / expired). A case's final decision can open a
``draft`` (the decision policy's ``cybertip_draft``) that references the case and decision; a lead builds it
(:meth:`CyberTipService.build_draft`), and an upheld appeal withdraws it while it is still a draft.

Every request is validated before it is sent and written, exactly as sent, with NCMEC's answer to
``cybertip_exchanges`` (never updated). ``submit``
can be re-run at any point: a finished report is left alone, files already described are not sent again,
and an open report that NCMEC has deleted for inactivity (24 h after opening or 1 h after its last change,
whichever is later) is submitted afresh from the same stored XML instead of being silently lost.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import insert, select, update

from bastion.core.errors import InputError, NotFound
from bastion.core.timefmt import utcnow
from bastion.enforce import EnforceSettings
from bastion.report.case import exchanges, gather_case
from bastion.report.client import CyberTipError, CyberTiplineClient, Response
from bastion.report.preservation import PreservationVault
from bastion.report.schema import validate
from bastion.report.xml import CyberTipCase, FileView, Reporter, ReportFile, build_file_details, build_report
from bastion.store import Store
from bastion.store.tables_enforce import cybertip_exchanges, cybertip_reports

#: A decision policy's report not built yet, and one its decision's upheld appeal withdrew.
DRAFT = "draft"
WITHDRAWN = "withdrawn"
OPEN_LIFETIME = timedelta(hours=24)
IDLE_LIFETIME = timedelta(hours=1)
SAFETY_MARGIN = timedelta(minutes=5)

FileFetcher = Callable[[ReportFile], bytes | None]


def expires_at(opened_at: datetime, last_change_at: datetime) -> datetime:
    """When NCMEC deletes an unfinished report: 24 h after opening or 1 h after the last change, the later."""
    return max(opened_at + OPEN_LIFETIME, last_change_at + IDLE_LIFETIME)


@dataclass(frozen=True, slots=True)
class BuiltReport:
    local_id: int
    xml: bytes


@dataclass(frozen=True, slots=True)
class SubmitResult:
    local_id: int
    ncmec_report_id: str
    status: str
    files_sent: int
    files_skipped: int


def reports_for_decision(store: Store, decision_id: int) -> list[dict[str, Any]]:
    """The CyberTipline reports (drafts included) a decision opened: local id, account and status."""
    query = (
        select(cybertip_reports.c.local_id, cybertip_reports.c.account_id, cybertip_reports.c.status)
        .where(cybertip_reports.c.decision_id == decision_id)
        .order_by(cybertip_reports.c.local_id)
    )
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


class CyberTipService:
    def __init__(
        self,
        store: Store,
        settings: EnforceSettings,
        *,
        client: CyberTiplineClient | None = None,
        vault: PreservationVault | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._client = client
        self.vault = vault

    @property
    def client(self) -> CyberTiplineClient:
        if self._client is None:
            user, password = self.settings.cybertip_credentials()
            self._client = CyberTiplineClient(self.settings.cybertip_base_url, user, password)
        return self._client

    def reporter(self) -> Reporter:
        s = self.settings
        return Reporter(
            s.cybertip_reporter_email, s.cybertip_reporter_first_name, s.cybertip_reporter_last_name
        )

    def build(self, platform: str, account_id: str, *, case_ref: str | None = None) -> BuiltReport:
        """Gather the case, build and validate the report XML, and record it (status ``built``)."""
        ref = case_ref or f"{platform}:{account_id}"
        case, _context = gather_case(
            self.store,
            platform,
            account_id,
            reporter=self.reporter(),
            case_ref=ref,
            profile_url=self.settings.cybertip_platform_url,
            esp_service=platform,
        )
        xml = build_report(case)
        validate(xml)
        now = utcnow()
        with self.store.engine.begin() as conn:
            local_id = int(
                conn.execute(
                    insert(cybertip_reports).values(
                        platform=platform,
                        case_ref=ref,
                        account_id=account_id,
                        environment=self.settings.cybertip_environment,
                        status="built",
                        created_at=now,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
            self._log(conn, local_id, "build", xml.decode(), None, None)
        return BuiltReport(local_id, xml)

    def drafts(self, platform: str | None = None) -> list[Any]:
        """CyberTipline drafts a decision policy opened, oldest first, for a lead to check and build."""
        query = select(cybertip_reports).where(cybertip_reports.c.status == DRAFT)
        if platform is not None:
            query = query.where(cybertip_reports.c.platform == platform)
        with self.store.engine.connect() as conn:
            return list(conn.execute(query.order_by(cybertip_reports.c.local_id)))

    def _case_of(self, row: Any) -> tuple[CyberTipCase, dict[str, Any]]:
        """The report's contents gathered from the store as it is now (a stored report's row)."""
        return gather_case(
            self.store,
            row.platform,
            row.account_id,
            reporter=self.reporter(),
            case_ref=row.case_ref,
            profile_url=self.settings.cybertip_platform_url,
            esp_service=row.platform,
        )

    def build_draft(self, local_id: int) -> BuiltReport:
        """Build and validate the report XML of a draft, which keeps its case and decision (status ``built``).

        Built from the store as it is now, so the enforcement the decision caused is in the report."""
        row = self.report(local_id)
        if row.status != DRAFT:
            raise InputError(f"report {local_id} is {row.status}, not a draft", field="status")
        case, _context = self._case_of(row)
        xml = build_report(case)
        validate(xml)
        with self.store.engine.begin() as conn:
            moved = conn.execute(
                update(cybertip_reports)
                .where(cybertip_reports.c.local_id == local_id, cybertip_reports.c.status == DRAFT)
                .values(status="built", last_change_at=utcnow())
            )
            if moved.rowcount != 1:
                raise InputError(f"report {local_id} changed while building", field="status")
            self._log(conn, local_id, "build", xml.decode(), None, None)
        return BuiltReport(local_id, xml)

    def report(self, local_id: int) -> Any:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(cybertip_reports).where(cybertip_reports.c.local_id == local_id)
            ).first()
        if row is None:
            raise NotFound(f"no CyberTipline report {local_id}")
        return row

    def built_xml(self, local_id: int) -> bytes:
        for ex in reversed(exchanges(self.store, local_id)):
            if ex["step"] == "build":
                return str(ex["request"]).encode()
        raise NotFound(f"report {local_id} has no built XML")

    def submit(
        self,
        local_id: int,
        *,
        views: Sequence[FileView],
        fetch: FileFetcher,
        actor: str,
        now: Callable[[], datetime] = utcnow,
    ) -> SubmitResult:
        """Open (or resume) the report at NCMEC, upload and describe each file, finish, then preserve."""
        row = self.report(local_id)
        if row.status == "finished":
            return SubmitResult(local_id, row.ncmec_report_id, "finished", 0, 0)
        if row.status == "retracted":
            raise InputError(f"report {local_id} was retracted; build a new one", field="status")
        if row.status in (DRAFT, WITHDRAWN):
            raise InputError(f"report {local_id} is a {row.status} draft; build it first", field="status")
        xml = self.built_xml(local_id)
        validate(xml)
        if row.status == "open" and now() >= expires_at(row.opened_at, row.last_change_at) - SAFETY_MARGIN:
            self._set(local_id, status="expired")
            row = self.report(local_id)
        if row.status in ("built", "expired"):
            resp = self._send(local_id, "submit", xml.decode(), lambda: self.client.submit(xml))
            if not resp.report_id:
                raise CyberTipError("NCMEC accepted the report without a reportId", body=resp.raw)
            t = now()
            self._set(local_id, status="open", ncmec_report_id=resp.report_id, opened_at=t, last_change_at=t)
            row = self.report(local_id)
        report_id: str = row.ncmec_report_id
        case, context = self._case_of(row)
        done = self._described(local_id, report_id)
        sent = skipped = 0
        for f in case.files:
            if f.file_name in done:
                continue
            content = fetch(f)
            if content is None:
                skipped += 1
                continue
            self._alive(local_id, now)
            up = self._send(
                local_id,
                "upload",
                f"id={report_id} file={f.file_name} bytes={len(content)}",
                partial(self.client.upload, report_id, f.file_name, content),
                report_id,
            )
            if not up.file_id:
                raise CyberTipError(f"upload of {f.file_name} returned no fileId", body=up.raw)
            details = build_file_details(report_id, up.file_id, f, views)
            validate(details)
            self._send(
                local_id, "fileinfo", details.decode(), partial(self.client.fileinfo, details), report_id
            )
            self._set(local_id, last_change_at=now())
            sent += 1
        self._alive(local_id, now)
        self._send(local_id, "finish", f"id={report_id}", lambda: self.client.finish(report_id), report_id)
        self._set(local_id, status="finished", finished_at=now())
        if self.vault is not None:
            self.vault.preserve(
                local_id,
                row.platform,
                {"ncmec_report_id": report_id, "exchanges": exchanges(self.store, local_id)},
                {**context, "case_ref": row.case_ref, "files": [f.file_name for f in case.files]},
                actor=actor,
            )
        return SubmitResult(local_id, report_id, "finished", sent, skipped)

    def retract(self, local_id: int) -> None:
        row = self.report(local_id)
        if row.status != "open":
            raise InputError(f"only an open report can be retracted (report {local_id} is {row.status})")
        self._send(
            local_id,
            "retract",
            f"id={row.ncmec_report_id}",
            lambda: self.client.retract(row.ncmec_report_id),
            row.ncmec_report_id,
        )
        self._set(local_id, status="retracted")

    # --- internals ------------------------------------------------------------------------------------

    def _alive(self, local_id: int, now: Callable[[], datetime]) -> None:
        row = self.report(local_id)
        if now() >= expires_at(row.opened_at, row.last_change_at) - SAFETY_MARGIN:
            self._set(local_id, status="expired")
            raise CyberTipError(
                f"report {local_id} ({row.ncmec_report_id}) has expired at NCMEC; "
                "run submit again to re-submit"
            )

    def _described(self, local_id: int, report_id: str) -> set[str]:
        names = set()
        for ex in exchanges(self.store, local_id):
            if ex["step"] == "fileinfo" and ex["response_code"] == 0 and ex["ncmec_report_id"] == report_id:
                el = ET.fromstring(ex["request"]).find("fileName")
                if el is not None and el.text:
                    names.add(el.text)
        return names

    def _send(
        self,
        local_id: int,
        step: str,
        request: str,
        call: Callable[[], Response],
        report_id: str | None = None,
    ) -> Response:
        try:
            resp = call()
        except CyberTipError as exc:
            with self.store.engine.begin() as conn:
                self._log(conn, local_id, step, request, exc.code, exc.body or str(exc), report_id)
            raise
        with self.store.engine.begin() as conn:
            self._log(conn, local_id, step, request, resp.code, resp.raw, resp.report_id or report_id)
        if not resp.ok:
            raise CyberTipError(
                f"{step}: NCMEC answered {resp.code} {resp.description}", code=resp.code, body=resp.raw
            )
        return resp

    def _log(
        self,
        conn: Any,
        local_id: int,
        step: str,
        request: str,
        code: int | None,
        response: str | None,
        report_id: str | None = None,
    ) -> None:
        conn.execute(
            insert(cybertip_exchanges).values(
                local_id=local_id,
                step=step,
                request=request,
                response_code=code,
                response=response,
                ncmec_report_id=report_id,
                at=utcnow(),
            )
        )

    def _set(self, local_id: int, **values: Any) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(
                update(cybertip_reports).where(cybertip_reports.c.local_id == local_id).values(**values)
            )
