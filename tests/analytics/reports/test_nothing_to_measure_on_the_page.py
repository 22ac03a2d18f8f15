"""A small pool's rates with nothing to measure say so on the report page. A region-month with no
completed referral (or no urgent arrival) and a policy curve with no referral confirmed as
justified showed those shares as "suppressed/-", as if a small count had been withheld - the key
figures and the CLI said "n/a (no referral completed)" for the same pool. With no referral at all
the most central receiving hospital was left out of the key figures, where the others say why."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from triage.cli import main


def _section(page: str, heading: str) -> list[dict[str, str]]:
    """The rows of the table under ``heading``, as header -> cell text."""
    part = page.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]
    headers = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th>(.*?)</th>", part)]
    rows = re.findall(r"<tr>(.*?)</tr>", part.split("</thead>", 1)[1], flags=re.S)
    return [
        dict(zip(headers, re.findall(r"<td>(.*?)</td>", row), strict=True)) for row in rows if "<td>" in row
    ]


def test_a_pool_with_no_completed_or_confirmed_referral_says_n_a_not_suppressed(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    encounters = pd.read_parquet(export / "encounters.parquet")
    local = encounters[encounters["disposition"] == "local_care"]
    month = local["encounter_day"].astype(str).str[:7]
    first = local[month == month.iloc[0]].head(6)  # 6 encounters, none referred: published counts
    assert len(first) == 6
    table = tmp_path / "six.csv"
    first.to_csv(table, index=False)
    out = tmp_path / "report"
    assert main(["report", "imbalance", "--input", str(table), "--out", str(out), "-q"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    # no referral, so no receiving hospital: the key figure was left out of the CLI and the page
    none = "none (no referral to a receiving hospital in the pool)"
    assert f"most central receiving hospital: {none}" in capsys.readouterr().out.splitlines()
    assert f"most central receiving hospital</th><td style='text-align:left'>{none}</td>" in page
    (region,) = _section(page, "By region and month")
    assert region["encounters"] == "6" and region["completed"] == "0" and region["urgent_arrived"] == "0"
    assert region["justified_share (%)"] == "n/a (no referral completed)"
    assert region["urgent_on_time_share (%)"] == "n/a (no urgent referral arrived)"
    assert region["urgent_median_hours"] == "n/a (no urgent referral arrived)"
    assert region["local_share (%)"] == "100.0"
    for row in _section(page, "Counterfactual policy thresholds"):
        assert (
            row["confirmed"] == "0" and row["sensitivity (%)"] == "n/a (no referral confirmed as justified)"
        )
