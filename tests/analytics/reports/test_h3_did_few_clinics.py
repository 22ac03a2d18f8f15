"""The difference-in-differences' 95% CI needs 2 clinics on each side (started, and to compare them
with): its standard error is clustered by clinic. With 1 and 1 (`triage report generate --clinics
2`) the report printed an interval from a t with 1 degree of freedom and a variance that cannot see
the one started clinic's own swings - too wide or, as here, too narrow (it missed the planted
effect). The CLI, summary.json, the table, the page and the plot now say it is not estimable and
why, beside the estimate; with enough clinics the interval is there as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports import impact
from analytics.reports.generate import GeneratorSpec, generate
from triage.cli import main

WHY = (
    "needs at least 2 clinics that started digital triage and 2 to compare them with (here 1 and 1):"
    " its standard error is clustered by clinic, and one clinic alone on a side cannot be told apart"
    " from the effect"
)


@pytest.fixture(scope="module")
def two_clinics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One clinic that starts digital triage and one that never does (seed 7). 20,000 rows: with
    4,000 the H3 fits leave out 19 of the 48 clinic-months (blank counts) and the
    difference-in-differences is not estimable at all."""
    out = tmp_path_factory.mktemp("two") / "exports"
    generate(GeneratorSpec(clinics=2, rows=20_000, months=24, seed=7), out)
    return out


def test_one_started_clinic_against_one_has_no_interval_anywhere(
    two_clinics: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    assert main(["report", "imbalance", "-i", str(two_clinics), "-o", str(out), "-q"]) == 0
    line = next(
        line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("H3 difference-in-differences:")
    )
    assert f"(95% CI not estimable: {WHY}; 1 clinic); planted " in line
    assert "inside" not in line and "OUTSIDE" not in line  # no interval to hold the planted effect against
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["format_version"] == "clinic-triage-report-summary/3"
    did = summary["h3_did"]
    assert (did["ci_low"], did["ci_high"], did["se"]) == (None, None, None)
    assert (did["clinics"], did["comparison_clinics"], did["ci_not_estimable"]) == (1, 1, WHY)
    assert isinstance(did["effect"], float)
    table = pd.read_csv(out / "tables" / "h3_summary.csv")
    row = table[table["method"] == "stacked difference-in-differences"].iloc[0]
    assert row[["ci_low", "ci_high", "se"]].isna().all() and row["ci_not_estimable"] == WHY
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "n/a (no 95% CI: see ci_not_estimable)" in page
    assert f"95% CI not estimable: {WHY}" in page
    # the time series' row: no comparison clinics (each clinic against itself) and nothing missing
    # from its interval - they read "suppressed/-" and "None"
    assert "<td>n/a (each clinic against itself)</td>" in page and "<td>None</td>" not in page

    from analytics.reports.figures import h3_figure

    fig = h3_figure(
        pd.read_parquet(out / "tables" / "h3_its_by_clinic.parquet"),
        pd.read_parquet(out / "tables" / "h3_summary.parquet"),
        True,
    )
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "stacked difference-in-differences (no 95% CI)" in labels
    assert "no 95% CI for the stacked difference-in-differences: needs at least 2" in ax.get_title()
    # the difference-in-differences' point has no error bar: one errorbar per other row
    assert len(ax.containers) == len(labels) - 1


def test_two_clinics_on_each_side_have_their_interval() -> None:
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    rows = [
        {"clinic_id": c, "month": m, "encounters": 100, "local_care": 50 + (10 if s and k >= 6 else 0) + j}
        for j, (c, s) in enumerate((("a", 1), ("b", 1), ("c", 0), ("d", 0)))
        for k, m in enumerate(months)
    ]
    frame = pd.DataFrame(rows)
    frame["local_care"] += [(k * 7) % 5 for k in range(len(frame))]  # noise, so the variance is not 0
    start = 2024 * 12 + 6
    both = impact.stacked_did(frame, {"a": start, "b": start, "c": None, "d": None})
    assert both is not None and both.interval_note is None and both.low < both.effect < both.high
    assert (both.n, both.comparison) == (2, 2)
    one = impact.stacked_did(frame, {"a": start, "b": None, "c": None, "d": None})
    assert one is not None and one.interval_note is not None and "(here 1 and 3)" in one.interval_note
