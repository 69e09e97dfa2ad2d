"""CSV exports cannot carry a spreadsheet formula (CSV injection), and still re-import to the same values."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bastion.core.csvcells import read_cell, safe_cell
from bastion.media.banks import BankEntry, export_csv, read_bank_file

PDQ = "f" * 64


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("x")'])
def test_formula_cells_are_quoted_and_read_back(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell and read_cell(str(safe_cell(cell))) == cell


@pytest.mark.parametrize("cell", ["plain", "", "'quoted", "a=b", 12, None])
def test_other_cells_pass_unchanged(cell: object) -> None:
    assert safe_cell(cell) == cell


def test_bank_export_neutralises_formulas_and_round_trips(tmp_path: Path) -> None:
    source = tmp_path / "bank.csv"
    source.write_text(
        f'type,value,list,tags,note\npdq,{PDQ},@team,-x;ok,"=HYPERLINK(""http://example.invalid"")"\n',
        encoding="utf-8",
    )
    records = read_bank_file(source).records
    entries = [BankEntry(r.signal_type, r.value, r.list_name, r.tags, r.note) for r in records]
    assert entries[0].list_name == "@team" and entries[0].note.startswith("=HYPERLINK")
    exported = export_csv(entries)
    cells = [c for row in csv.reader(io.StringIO(exported)) for c in row]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), cells
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    assert read_bank_file(again).records == records
