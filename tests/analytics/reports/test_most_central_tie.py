"""`triage report imbalance` named one "most central receiving hospital" when several tie: six
generated clinics that all refer to the same three hospitals gave each the standardized in-degree
0.750, and the CLI, the page and summary.json said "SYN-H11 (standardized in-degree 0.750)" - the
first in id order, read by the analyst as the network's hub. Tied hospitals are now named together,
and summary.json's top_hospital lists the others in ``tied_with``. A real pool through the CLI."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.key_figures import most_central
from triage.cli import main


def test_hospitals_tied_at_the_top_are_named_together(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]  # one clinic: in-degree 1 each
    out = tmp_path / "report"
    assert main(["report", "imbalance", "-i", str(export), "-o", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    hospitals = pd.read_csv(out / "tables" / "hospital_centrality.csv")
    top = hospitals["standardized_in_degree"].max()
    tied = sorted(hospitals.loc[hospitals["standardized_in_degree"] == top, "facility_id"])
    assert len(tied) >= 2, "one clinic refers to each of its hospitals once"
    names = ", ".join(tied[:-1]) + f" and {tied[-1]}"
    said = f"{names}, tied (standardized in-degree {top:.3f} each)"
    assert f"most central receiving hospital: {said}" in printed.splitlines()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["top_hospital"] == {
        "facility_id": tied[0],
        "standardized_in_degree": pytest.approx(top),
        "tied_with": tied[1:],
    }
    page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    assert said in page


def test_a_hospital_alone_at_the_top_is_named_alone() -> None:
    alone = {"facility_id": "SYN-H11", "standardized_in_degree": 0.686, "tied_with": []}
    assert most_central({"top_hospital": alone}) == "SYN-H11 (standardized in-degree 0.686)"
    # a summary.json of an earlier version, without tied_with
    assert most_central({"top_hospital": {"facility_id": "SYN-H11", "standardized_in_degree": 0.686}}) == (
        "SYN-H11 (standardized in-degree 0.686)"
    )
