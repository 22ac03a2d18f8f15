"""summary.json's ``urgent_on_time_share`` is the pool's urgent arrivals on time over its urgent
arrivals, printed to every digit a float holds: as a fraction (37/41) it gives both pool totals
(up to a common factor that the published cells settle), so a region-month's ``urgent_arrived``
or ``urgent_on_time`` blanked alone in its column came back by subtraction - the pool total less
the published region-months. Three generated clinics (`triage report generate --clinics 3 --rows
5000 --seed 2`) had one region-month's 4 urgent arrivals, all 4 on time, blank and nothing else
in either column: 300 - 296 = 4 and 293 - 289 = 4, the share being 293/300. The pool totals of
both are now published totals of the disclosure relations, as ``justified_share``'s were.

The real CLI, in-process, on real generated exports; the attack is the test's own, from the
published files alone."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from triage.cli import main

COLUMNS = {"urgent_arrived": "denominator", "urgent_on_time": "numerator"}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("urgent")
    made = ["report", "generate", "--clinics", "3", "--rows", "5000", "--seed", "2", "-o", str(folder / "g")]
    assert main(made) == 0
    assert main(["report", "imbalance", "-i", str(folder / "g"), "-o", str(folder / "r"), "-q"]) == 0
    return folder / "r"


def recovered(report: Path) -> dict[str, float]:
    """The blank cells of ``urgent_arrived`` and ``urgent_on_time`` that the pool totals given by
    summary.json's share, less the published region-months, give back: a column with one blank."""
    share = json.loads((report / "summary.json").read_text(encoding="utf-8"))["urgent_on_time_share"]
    fraction = Fraction(share).limit_denominator(10**9)
    table = pd.read_csv(report / "tables" / "region_month.csv")
    out = {}
    for column, part in COLUMNS.items():
        blank = table[column].isna()
        if blank.sum() != 1:
            continue
        base = getattr(fraction, part)
        published = float(table[column].sum())
        # the pool total is a multiple of the fraction's term; the blank is at least 1
        fits = [base * k - published for k in range(1, 10_000) if base * k - published >= 1]
        out[column] = fits[0]
    return out


def test_a_lone_blank_urgent_count_cannot_be_had_from_the_pool_share(report: Path) -> None:
    table = pd.read_csv(report / "tables" / "region_month.csv")
    assert table["urgent_arrived"].isna().any(), "the pool has a small urgent count to protect"
    assert recovered(report) == {}, "a blank urgent count is the pool total less the published cells"


def test_the_urgent_rates_follow_their_counts(report: Path) -> None:
    table = pd.read_csv(report / "tables" / "region_month.csv")
    blank = table["urgent_arrived"].isna() | table["urgent_on_time"].isna()
    assert table.loc[blank, "urgent_on_time_share"].isna().all()
    assert table.loc[table["urgent_arrived"].isna(), "urgent_median_hours"].isna().all()
