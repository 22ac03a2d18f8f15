"""CSV formula injection: a text cell that a spreadsheet would run as a formula (``=``, ``+``,
``-``, ``@``, TAB, CR first) is written with a guard quote in every CSV the product writes - the
referral export, the analytics export, the report and study tables - numbers are never touched,
and the product's own readers take the guard off again (docs/analytics-export.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlite_utils import Database

from analytics.csvfiles import write_csv
from analytics.network_files import read_csv_file
from analytics.reports.generate import GeneratorSpec, generate
from analytics.reports.sources import scan_sql
from referral import analytics_export, export, facilities, referrals
from referral.csvcells import FORMULA_TRIGGERS, guard_cell, unguard_cell
from referral.errors import UserInputError
from referral.records import FacilityIn, ReferralIn
from referral.transactions import write

from .conftest import visit

LINK = '=HYPERLINK("http://x","y")'

CELLS = {
    LINK: "'" + LINK,
    "@SUM(1)": "'@SUM(1)",
    "+86 571 8888": "'+86 571 8888",
    "-": "'-",  # a lone minus is text like any other: one rule, guarded
    "-3.2 mmol/L": "'-3.2 mmol/L",  # text that begins like a number (a number alone is not run)
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "'=1+1": "''=1+1",  # text that begins with the guard itself gets one more quote
    "''-x": "'''-x",
    "'hello": "'hello",  # a quote before harmless text is not a guard: left alone
    "3-2": "3-2",
    "SpO2 90 = low": "SpO2 90 = low",
    "": "",
}


@pytest.mark.parametrize(("text", "cell"), list(CELLS.items()))
def test_a_cell_is_guarded_only_when_a_spreadsheet_would_run_it_and_reads_back_as_it_was(
    text: str, cell: str
) -> None:
    assert guard_cell(text) == cell
    assert unguard_cell(cell) == text
    assert not cell or cell[0] not in FORMULA_TRIGGERS


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_referral_export_guards_a_typed_reason_and_leaves_numbers(db: Database, tmp_path: Path) -> None:
    assessment = visit(db, news2=5)
    referrals.create_referral(
        db,
        ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason="@SUM(1)"),
        actor="dr_li",
    )
    out = tmp_path / "referrals.csv"
    assert export.export_referrals(db, out, "csv") == 1
    (row,) = _rows(out)
    assert row["reason"] == "'@SUM(1)"
    assert (row["news2"], row["to_facility"], row["created_by"]) == ("5", "ZJ-S01", "dr_li")


def test_the_analytics_export_guards_a_facility_name_and_the_report_reads_it_back(
    db: Database, tmp_path: Path
) -> None:
    hospital = FacilityIn(
        id="ZJ-X01",
        name=LINK,
        tier="secondary",
        region_code="330100",
        lon=-3.2,
        lat=51.5,
        beds=10,
        capacity=40,
    )
    write(db, lambda d: facilities.upsert(d, hospital, actor="admin", reason="typed by an admin"))
    visit(db)
    out = tmp_path / "export"
    analytics_export.export_analytics(db, out, "csv")
    (row,) = [r for r in _rows(out / "facilities.csv") if r["facility_id"] == "ZJ-X01"]
    assert row["name"] == "'" + LINK
    assert (row["lon"], row["lat"], row["beds"]) == ("-3.2", "51.5", "10")  # numbers as numbers
    con = duckdb.connect()
    name, lon = con.execute(
        f"SELECT name, lon FROM {scan_sql(out / 'facilities.csv', 'csv')} WHERE facility_id = 'ZJ-X01'"
    ).fetchone() or ("", "")
    assert (name, lon) == (LINK, "-3.2")


def test_analytics_tables_guard_text_labels_not_numbers_and_read_back_unchanged(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": pd.array([LINK, "-", "'=x", "ok"], dtype="str"),
            "reason": ["@SUM(1)", None, "fine", "-2+3"],
            "value": [-3.2, 1.5, 0.0, -1.0],
            "flag": [True, False, True, False],
        },
        index=pd.Index(["=a", "b", "+c", "d"], name="id"),
    )
    path = tmp_path / "t.csv"
    write_csv(frame, path, index=True)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,name,reason,value,flag"
    assert lines[1] == '\'=a,"\'=HYPERLINK(""http://x"",""y"")",\'@SUM(1),-3.2,true'
    assert lines[2] == "b,'-,,1.5,false"
    assert lines[3] == "'+c,''=x,fine,0.0,true"
    assert lines[4] == "d,ok,'-2+3,-1.0,false"
    back = read_csv_file(path, "test", UserInputError, index_col=0, dtype={"id": str, "name": str})
    assert list(back.index) == ["=a", "b", "+c", "d"]
    assert list(back["name"]) == [LINK, "-", "'=x", "ok"]
    assert list(back["reason"].fillna("")) == ["@SUM(1)", "", "fine", "-2+3"]
    assert list(back["value"]) == [-3.2, 1.5, 0.0, -1.0]


def test_generated_exports_hold_no_formula_like_text(tmp_path: Path) -> None:
    """``triage report generate`` writes its CSV with pyarrow, unguarded: its text comes from the
    generator's own word lists, and none of them may begin like a formula."""
    generate(GeneratorSpec(clinics=2, rows=200, months=4, seed=3, table_format="csv"), tmp_path)
    tables = sorted(tmp_path.glob("*/*.csv"))
    assert {p.name for p in tables} == {"encounters.csv", "facilities.csv", "aggregates.csv"}
    for table in tables:
        for row in _rows(table):
            for name, cell in row.items():
                assert not cell or cell[0] not in FORMULA_TRIGGERS or _number(cell), (table, name, cell)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
