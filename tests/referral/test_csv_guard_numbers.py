"""The formula guard put a quote before the study's negative coefficients (table_national.csv said
``'-5.7100*** (0.5001)``): text that is a number alone - with the paper-layout tables' significance
stars and standard error - is no formula and is written as it is; any other text a spreadsheet
would run keeps the guard, and old files with the guard still read back unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.csvfiles import write_csv
from analytics.network_files import read_csv_file
from referral.csvcells import guard_cell, unguard_cell
from referral.errors import UserInputError

NUMBERS = [
    "-3.2",
    "+5",
    "-.5",
    "-1e5",
    "-5.71***",
    "-5.7100*** (0.5001)",
    "-0.0124** (0.0007)",
    "-0.1234* (0.0567)",
    "-0.1234. (0.0567)",
    "-1.54e-05 (1.65e-05)",
]

STILL_GUARDED = {
    "-": "'-",
    "-2+3": "'-2+3",
    "-3.2 ": "'-3.2 ",
    "- 3": "'- 3",
    "-3,2": "'-3,2",
    "-inf": "'-inf",
    "-5.7100**** (0.5001)": "'-5.7100**** (0.5001)",
    "-5.7100*** (x)": "'-5.7100*** (x)",
    "-5.7100***(0.5001)": "'-5.7100***(0.5001)",
    "-1+SUM(A1)": "'-1+SUM(A1)",
    "=5": "'=5",
    "@5": "'@5",
    "\t-3.2": "'\t-3.2",
    "-3.2\r": "'-3.2\r",
    "'-3.2": "''-3.2",  # a quote before a number is text: one more quote, so it reads back
}


@pytest.mark.parametrize("text", NUMBERS)
def test_a_number_with_its_stars_and_standard_error_is_written_as_it_is(text: str) -> None:
    assert guard_cell(text) == text
    assert unguard_cell(text) == text
    assert unguard_cell("'" + text) == text  # a file written with the guard before reads the same


@pytest.mark.parametrize(("text", "cell"), list(STILL_GUARDED.items()))
def test_anything_else_a_spreadsheet_would_run_keeps_the_guard(text: str, cell: str) -> None:
    assert guard_cell(text) == cell
    assert unguard_cell(cell) == text


def test_a_paper_layout_table_writes_its_negative_coefficients_unquoted(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {"Model 1": ["-5.7100*** (0.5001)", "-1.22e-05 (1.65e-05)", "=HYPERLINK(1)"]},
        index=pd.Index(["edges", "nodeicov.PCF", "-note"], name="term"),
    )
    path = tmp_path / "table_national.csv"
    write_csv(table, path, index=True)
    assert path.read_text(encoding="utf-8").splitlines() == [
        "term,Model 1",
        "edges,-5.7100*** (0.5001)",
        "nodeicov.PCF,-1.22e-05 (1.65e-05)",
        "'-note,'=HYPERLINK(1)",
    ]
    back = read_csv_file(path, "table", UserInputError, index_col=0)
    assert back.equals(table)
