"""A CSV row broken by a quote named its line alone ('line 3: a quoted field (opened by ") is never
closed'), where every other place in a bad CSV is named by line and column: in a record of twenty
fields the reader had to find the quote. analytics.csvfiles.csv_problem now names the column whose
quote breaks the row (the header's name; 'field N' past the header's fields), for the report's
pooled exports and the study's and ERGM fit's CSV files alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.csvfiles import csv_problem

AFTER = 'a quoted field has text after its closing quote; write a quote inside a quoted value as two ("")'


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('id,HTH\nu0,1\nu1,"2\nu2,3\n', 'line 3, column "HTH": a quoted field (opened by ") is never closed'),
        ('a,b,c\n1,2,3\n"4,5,6\n', 'line 3, column "a": a quoted field (opened by ") is never closed'),
        ('a,b,c\n1,"x"y,3\n', f'line 2, column "b": {AFTER}'),
        # quotes written as two, and a quoted field over two lines, before the one that breaks
        ('a,b,c\n1,"ok ""q""",3\n4,"two\nlines",6\n7,8,"z"w\n', f'line 5, column "c": {AFTER}'),
        ('a,b\r\n1,2,"x"y\r\n', f"line 2, field 3: {AFTER}"),
    ],
)
def test_a_broken_quote_names_its_line_and_column(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "table.csv"
    path.write_bytes(text.encode("utf-8"))
    assert csv_problem(path) == said
