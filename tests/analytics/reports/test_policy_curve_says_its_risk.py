"""The policy curve's tables say which risk their ``risk >= r`` is over and that it is a
teaching-data model's probability, in every format: the CSV and Parquet files of `report
imbalance` and `report simulate` (two last columns on every row, as ``synthetic``) and the table
on the report's page (its caption). The notes, the plot, the text output and --json said it, but
a policy_curve.csv copied out of the report said "NEWS2>=5 or risk>=0.20" and nothing else, so its
thresholds read as ones on a clinical risk."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.render import suppression_note
from referral.value_sets import RISK_MODELS_LABEL
from tests.analytics.reports.conftest import bare_table, page_section, without_risk_columns
from triage.cli import main

CAPTION = (
    "Each policy refers on a red flag, NEWS2 >= n or risk_cvd10 >= r; risk_cvd10 is the probability of"
    f" a risk model: {RISK_MODELS_LABEL}."
)


def _files_say_the_risk(tables: Path, risk_column: str | None) -> None:
    label = None if risk_column is None else RISK_MODELS_LABEL
    csv = pd.read_csv(tables / "policy_curve.csv", keep_default_na=False)
    parquet = pd.read_parquet(tables / "policy_curve.parquet")
    for frame, empty in ((csv, ""), (parquet, None)):
        assert list(frame.columns[-3:]) == ["risk_column", "risk_column_label", "synthetic"]
        assert set(frame["risk_column"]) == {risk_column if risk_column else empty}
        assert set(frame["risk_column_label"]) == {label if label else empty}


def test_the_imbalance_reports_policy_tables_say_their_risk_column_and_label(
    imbalance_run: tuple[int, Path, str, str],
) -> None:
    _files_say_the_risk(imbalance_run[1] / "tables", "risk_cvd10")
    section = page_section(imbalance_run, "Counterfactual policy thresholds</h2>")
    captions = [html.unescape(c) for c in re.findall(r"<caption>(.*?)</caption>", section)]
    assert captions == [f"{CAPTION} {suppression_note(exact_counts=False)}"]  # then what suppressed_cells is
    headers = re.findall(r"<th>([^<]*(?:<wbr>[^<]*)*)</th>", section)
    assert not any("risk_column" in h.replace("<wbr>", "") for h in headers)  # said once, above


def test_simulates_policy_tables_say_their_risk_column_and_label(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "simulate", "-i", str(generated[0]), "-t", "5:0.20", "-o", str(tmp_path / "s"), "-q"]
    assert main(args) == 0
    capsys.readouterr()
    _files_say_the_risk(tmp_path / "s" / "tables", "risk_cvd10")


def test_a_curve_without_a_risk_column_says_so_and_carries_no_label(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = bare_table(generated, tmp_path, without_risk_columns)
    args = ["report", "simulate", "-i", str(bare), "-t", "5:0.20", "-o", str(tmp_path / "s"), "-q"]
    assert main(args) == 0
    capsys.readouterr()
    _files_say_the_risk(tmp_path / "s" / "tables", None)
