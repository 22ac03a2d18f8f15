"""The fits' progress lines said their counts bare - `triage study rebuild`'s '... [2/6] fitting
Models 1-3 for national (288 units, 82656 dyads)', `triage study fit`'s '... fitting edges to 40
units (1560 dyads)' - where every other count the commands say has its thousands separated
(referral.plurals.counted: '200,000 encounters')."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.study.rebuild import fitting_said
from triage.cli import main


def test_the_rebuild_says_a_frame_s_dyads_with_thousands_separated() -> None:
    assert fitting_said("national", 288) == "fitting Models 1-3 for national (288 units, 82,656 dyads)"


def test_study_fit_says_its_dyads_with_thousands_separated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nodes, edges = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    nodes.write_text("id\n" + "".join(f"u{i}\n" for i in range(40)), encoding="utf-8")
    edges.write_text("source,target\n" + "".join(f"u{i},u{(i + 1) % 40}\n" for i in range(40)), "utf-8")
    fit = ["study", "fit", "--nodes", str(nodes), "--edges", str(edges), "--formula", "edges"]
    assert main(fit) == 0
    assert capsys.readouterr().err == "... fitting edges to 40 units (1,560 dyads)\n"
