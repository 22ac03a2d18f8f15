"""Values a column's type takes but its meaning does not are rejected rows, named like the others.

"inf" and "nan" pass as doubles: an infinite risk stopped `triage report imbalance` with DuckDB's
traceback (``risk_pct`` out of range for INT32), and an infinite, negative or impossible value
(hours to arrival, a probability above 1, a NEWS2 total of 99) went into the report's figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.pooling import pool
from triage.cli import main

CELLS = [
    # (column, value, the rejection's words)
    (
        "hours_to_arrival",
        "inf",
        'hours_to_arrival is not a finite number (first at line {line}, value "inf")',
    ),
    (
        "hours_to_arrival",
        "-2.5",
        'hours_to_arrival is negative (hours from the assessment to arrival) (first at line {line}, value "-2.5")',
    ),
    ("risk_cvd10", "Infinity", 'risk_cvd10 is not a finite number (first at line {line}, value "Infinity")'),
    ("risk_cvd10", "1.7", 'risk_cvd10 outside 0-1 (a model probability) (first at line {line}, value "1.7")'),
    ("news2", "99", 'news2 outside 0-20 (a NEWS2 total) (first at line {line}, value "99")'),
]


def _table(generated: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    frame = pd.read_parquet(export / "encounters.parquet").head(200)
    assert "risk_cvd10" in frame.columns
    frame = frame.astype({column: object for column, _, _ in CELLS})
    for k, (column, value, _) in enumerate(CELLS):
        frame.loc[10 * (k + 1), column] = value
    path = tmp_path / "encounters.csv"
    frame.to_csv(path, index=False)
    return path


def test_impossible_values_are_rejected_rows_naming_line_and_value(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path = _table(generated, tmp_path)
    pooled = pool([path], tmp_path / "work")
    assert pooled.rows_pooled == 200 - len(CELLS)
    expected = sorted(words.format(line=10 * (k + 1) + 2) for k, (_, _, words) in enumerate(CELLS))
    assert sorted(r.reason for r in pooled.rejections) == expected
    assert all(r.rows == 1 for r in pooled.rejections)


def test_an_infinite_risk_is_a_rejection_not_a_traceback(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _table(generated, tmp_path)
    assert main(["report", "imbalance", "-i", str(path), "-o", str(tmp_path / "out"), "-q"]) == 0
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err and "risk_cvd10 is not a finite number" in printed.out


def test_facility_values_out_of_range_are_left_empty_and_listed(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """A longitude of 720 was pooled as it was (the network map drawn around it), negative beds too."""
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    directory = pd.read_parquet(export / "facilities.parquet")
    directory = directory.astype({"lon": object, "lat": object, "beds": object, "capacity": object})
    for row, column, value in (
        (0, "lon", "720"),
        (1, "beds", "-5"),
        (2, "capacity", "-1"),
        (3, "lat", "nan"),
    ):
        directory.loc[row, column] = value
    path = tmp_path / "directory.csv"
    directory.to_csv(path, index=False)
    pooled = pool([generated[0]], tmp_path / "work", facilities_file=path)
    assert sorted((r.reason, r.rows, r.rows_kept) for r in pooled.rejections) == [
        ('facility beds is negative (first at line 3, value "-5"); left empty', 1, True),
        ('facility capacity is negative (first at line 4, value "-1"); left empty', 1, True),
        (
            'facility lat is outside -90 to 90 (degrees north) (first at line 5, value "nan"); left empty',
            1,
            True,
        ),
        (
            'facility lon is outside -180 to 180 (degrees east) (first at line 2, value "720"); left empty',
            1,
            True,
        ),
    ]
    ids = directory["facility_id"].tolist()[:4]
    kept = pooled.con.execute(
        "SELECT facility_id, lon, lat, beds, capacity FROM facilities WHERE facility_id IN (?, ?, ?, ?)"
        " ORDER BY facility_id",
        ids,
    ).fetchall()
    by_id = {row[0]: row[1:] for row in kept}
    assert by_id[ids[0]][0] is None and by_id[ids[1]][2] is None
    assert by_id[ids[2]][3] is None and by_id[ids[3]][1] is None
    assert by_id[ids[1]][0] is not None  # the rest of each row is kept
