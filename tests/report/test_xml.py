"""CyberTipline XML: children in schema order, validation before sending, fileViewedByEsp from logs only."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from bastion.report.schema import InvalidReport, validate
from bastion.report.xml import (
    CyberTipCase,
    FileView,
    ReportedUser,
    Reporter,
    ReportFile,
    build_file_details,
    build_report,
)

AT = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _case(**kw: object) -> CyberTipCase:
    user = ReportedUser(
        "u1",
        screen_name="sunny_otter12",
        display_names=["Sunny Otter"],
        profile_urls=["https://ex/u1"],
        prior_ct_reports=["123456"],
        permanently_disabled_at=AT,
        group_identifier="net-0",
    )
    return CyberTipCase(
        "c1", "synthbook", AT, Reporter("ts@example.invalid", "T", "S"), user, urls=["https://ex/u1"], **kw
    )  # type: ignore[arg-type]


def test_report_is_valid_and_in_schema_order() -> None:
    xml = build_report(_case(annotations=["informational", "sextortion"]))
    validate(xml)
    root = ET.fromstring(xml)
    assert [c.tag for c in root] == [
        "incidentSummary",
        "internetDetails",
        "reporter",
        "personOrUserReported",
        "additionalInfo",
    ] or [c.tag for c in root] == ["incidentSummary", "internetDetails", "reporter", "personOrUserReported"]
    user = root.find("personOrUserReported")
    assert user is not None
    tags = [c.tag for c in user]
    assert tags.index("screenName") < tags.index("priorCTReports") < tags.index("accountPermanentlyDisabled")
    assert [c.tag for c in root.find("incidentSummary/reportAnnotations")] == ["sextortion", "informational"]  # type: ignore[union-attr]


def test_out_of_order_children_are_rejected_before_sending() -> None:
    xml = build_report(_case())
    root = ET.fromstring(xml)
    reporter = root.find("reporter")
    assert reporter is not None
    root.remove(reporter)
    root.append(reporter)  # reporter after personOrUserReported: what NCMEC answers 4100 to
    with pytest.raises(InvalidReport, match=r"reporter|personOrUserReported|Unexpected"):
        validate(ET.tostring(root))


def test_file_viewed_only_from_a_logged_whole_file_view() -> None:
    f = ReportFile("m1", "m1", {"MD5": "0" * 32, "SHA256": "1" * 64}, perceptual={"PDQ": "f" * 64})
    partial = [FileView("m1", "rev", AT, whole_file=False), FileView("m2", "rev", AT, whole_file=True)]
    for views, expected in (([], "false"), (partial, "false"), ([FileView("m1", "rev", AT, True)], "true")):
        xml = build_file_details("R1", "F1", f, views)
        validate(xml)
        assert ET.fromstring(xml).findtext("fileViewedByEsp") == expected
    hashes = ET.fromstring(build_file_details("R1", "F1", f, [])).findall("originalFileHash")
    assert [(h.get("hashType"), h.text) for h in hashes] == [("MD5", "0" * 32), ("SHA256", "1" * 64)]


def test_an_operator_schema_replaces_the_bundled_one(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    strict = tmp_path / "ncmec.xsd"
    strict.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="somethingElse"/></xs:schema>'
    )
    monkeypatch.setenv("BASTION_CYBERTIP_XSD", str(strict))
    with pytest.raises(InvalidReport):
        validate(build_report(_case()))


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b", "\ufffe", "\uffff", "\udc80"])
def test_characters_xml_cannot_hold_are_spelled_out_not_blocking(bad: str) -> None:
    """A control character, NUL, U+FFFE or an undecodable byte in an account field must not stop a legally
    required report: it is written as [U+XXXX] and the report still validates."""
    user = ReportedUser(f"u{bad}1", screen_name=f"otter{bad}", display_names=[f"Sunny{bad}Otter"])
    case = CyberTipCase("c1", "synthbook", AT, Reporter("ts@example.invalid"), user, additional_info=bad)
    xml = build_report(case)
    validate(xml)
    root = ET.fromstring(xml)
    marker = f"[U+{ord(bad):04X}]"
    assert root.findtext("personOrUserReported/espIdentifier") == f"u{marker}1"
    assert root.findtext("personOrUserReported/screenName") == f"otter{marker}"
    details = build_file_details("R1", "F1", ReportFile("k", f"f{bad}.png", {"MD5": "0" * 32}, AT), [])
    validate(details)
