"""Build CyberTipline ``report`` and ``fileDetails`` documents from plain case data, children in schema order.

Each builder appends elements in exactly the order of the XSD sequence (ELEMENTS.md); optional elements
with no value are left out rather than sent empty. ``fileViewedByEsp`` is true only when the caller passes a
logged whole-file view of that very file (US v. Wilson, 9th Cir. 2021); with no such log it is sent as
``false``, which is what the provider can truthfully say.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bastion.core.timefmt import iso

DISTRIBUTION = "Child Pornography (possession, manufacture, and distribution)"
ANNOTATIONS = (
    "sextortion",
    "csamSolicitation",
    "minorToMinorInteraction",
    "spam",
    "sadisticOnlineExploitation",
    "informational",
)


@dataclass(frozen=True, slots=True)
class Reporter:
    email: str
    first_name: str = ""
    last_name: str = ""
    company_template: str = ""
    terms_of_service: str = ""
    legal_url: str = ""


@dataclass(frozen=True, slots=True)
class ReportedUser:
    esp_identifier: str
    esp_service: str = ""
    screen_name: str = ""
    display_names: Sequence[str] = ()
    profile_urls: Sequence[str] = ()
    profile_bio: str = ""
    prior_ct_reports: Sequence[str] = ()
    group_identifier: str = ""
    temporarily_disabled: tuple[datetime | None, datetime | None] | None = None  # (disabled, re-enabled)
    permanently_disabled_at: datetime | None = None
    permanently_disabled: bool = False
    additional_info: str = ""


@dataclass(frozen=True, slots=True)
class FileView:
    """One audited view of a file by the provider's staff; only ``whole_file`` views count."""

    file_key: str  # the media's key in Bastion (platform media id)
    viewer: str
    at: datetime
    whole_file: bool


@dataclass(frozen=True, slots=True)
class ReportFile:
    file_key: str  # platform media id
    file_name: str
    hashes: Mapping[str, str]  # hashType (MD5, SHA256, ...) -> value
    uploaded_at: datetime | None = None
    location: str = ""
    publicly_available: bool | None = None
    perceptual: Mapping[str, str] = field(default_factory=dict)  # e.g. PDQ -> hex, sent as HASH details
    additional_info: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class CyberTipCase:
    case_ref: str
    platform: str
    incident_at: datetime
    reporter: Reporter
    user: ReportedUser
    incident_type: str = DISTRIBUTION
    esp_platform_name: str = ""
    escalate: str = ""
    annotations: Sequence[str] = ()
    urls: Sequence[str] = ()
    files: Sequence[ReportFile] = ()
    additional_info: str = ""


#: Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: str) -> str:
    """Spell out what XML cannot hold as ``[U+0000]``, so an account field with a control character still
    makes a valid report (a legally required report must never be blocked by a platform's data) and the
    reader still sees which code point was there."""
    return NOT_XML.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)


def _text(parent: ET.Element, tag: str, value: object | None) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, datetime):
        value = iso(value)
    ET.SubElement(parent, tag).text = xml_safe(str(value))


def _bytes(root: ET.Element) -> bytes:
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def build_report(case: CyberTipCase) -> bytes:
    root = ET.Element("report")
    summary = ET.SubElement(root, "incidentSummary")
    _text(summary, "incidentType", case.incident_type)
    _text(summary, "platform", case.esp_platform_name)
    _text(summary, "escalateToHighPriority", case.escalate)
    flags = [a for a in ANNOTATIONS if a in set(case.annotations)]
    if flags:
        ann = ET.SubElement(summary, "reportAnnotations")
        for a in flags:
            ET.SubElement(ann, a)
    _text(summary, "incidentDateTime", case.incident_at)
    if case.urls:
        web = ET.SubElement(ET.SubElement(root, "internetDetails"), "webPageIncident")
        for url in case.urls:
            _text(web, "url", url)
    _reporter(root, case.reporter)
    _user(root, case.user)
    _text(root, "additionalInfo", case.additional_info)
    return _bytes(root)


def _reporter(root: ET.Element, r: Reporter) -> None:
    rep = ET.SubElement(root, "reporter")
    person = ET.SubElement(rep, "reportingPerson")
    _text(person, "firstName", r.first_name)
    _text(person, "lastName", r.last_name)
    _text(person, "email", r.email)
    _text(rep, "companyTemplate", r.company_template)
    _text(rep, "termsOfService", r.terms_of_service)
    _text(rep, "legalURL", r.legal_url)


def _user(root: ET.Element, u: ReportedUser) -> None:
    el = ET.SubElement(root, "personOrUserReported")
    _text(el, "espIdentifier", u.esp_identifier)
    _text(el, "espService", u.esp_service)
    _text(el, "screenName", u.screen_name)
    for name in u.display_names:
        _text(el, "displayName", name)
    for url in u.profile_urls:
        _text(el, "profileUrl", url)
    _text(el, "profileBio", u.profile_bio)
    for prior in u.prior_ct_reports:
        _text(el, "priorCTReports", prior)
    _text(el, "groupIdentifier", u.group_identifier)
    if u.temporarily_disabled is not None:
        tmp = ET.SubElement(el, "accountTemporarilyDisabled")
        _text(tmp, "disabledDate", u.temporarily_disabled[0])
        _text(tmp, "reenabledDate", u.temporarily_disabled[1])
    if u.permanently_disabled or u.permanently_disabled_at is not None:
        perm = ET.SubElement(el, "accountPermanentlyDisabled")
        _text(perm, "disabledDate", u.permanently_disabled_at)
    _text(el, "additionalInfo", u.additional_info)


def viewed_whole_file(file_key: str, views: Iterable[FileView]) -> bool:
    return any(v.file_key == file_key and v.whole_file for v in views)


def build_file_details(report_id: str, file_id: str, f: ReportFile, views: Iterable[FileView]) -> bytes:
    """``views``: the audit log of staff views; required, so a caller cannot forget the question."""
    root = ET.Element("fileDetails")
    _text(root, "reportId", report_id)
    _text(root, "fileId", file_id)
    _text(root, "fileName", f.file_name)
    _text(root, "uploadedToEspTimestamp", f.uploaded_at)
    _text(root, "locationOfFile", f.location)
    _text(root, "fileViewedByEsp", viewed_whole_file(f.file_key, views))
    _text(root, "publiclyAvailable", f.publicly_available)
    _text(root, "fileRelevance", "Reported")
    for hash_type, value in f.hashes.items():
        if value:
            ET.SubElement(root, "originalFileHash", hashType=hash_type).text = value
    if f.perceptual:
        details = ET.SubElement(root, "details", type="HASH")
        for name, value in f.perceptual.items():
            pair = ET.SubElement(details, "nameValuePair")
            _text(pair, "name", name)
            ET.SubElement(pair, "value").text = value
    for info in f.additional_info:
        _text(root, "additionalInfo", info)
    return _bytes(root)
