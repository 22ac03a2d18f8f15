"""A report on `triage report generate`'s SYNTHETIC exports says how close H3 comes to the planted effect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from triage.cli import main

Generated = tuple[Path, dict[str, Any]]


def test_h3_is_compared_with_the_effect_the_generator_planted(
    generated: Generated, imbalance_run: tuple[int, Path, str, str]
) -> None:
    """`generate` printed the planted effect (+15.9 points) and `imbalance` its estimates, with
    nothing putting the two side by side: whether the pipeline recovers the truth was left to the
    reader. The CLI, the page and summary.json now say it. Read from the session's plain
    `triage report imbalance` of the generated exports (conftest ``imbalance_run``), which this
    test ran again with -q, a flag that changes stderr alone."""
    folder, truth = generated
    planted = 100 * truth["true_effect_local_share"]
    code, out, printed, _ = imbalance_run
    assert code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["h3_planted"] == {
        "effect": truth["true_effect_local_share"],
        "file": str(folder / "SYNTHETIC-truth.json"),
    }
    its = summary["h3_its"]
    inside = its["ci_low"] <= truth["true_effect_local_share"] <= its["ci_high"]
    said = (
        f"planted {planted:+.1f} points (SYNTHETIC-truth.json) {'inside' if inside else 'OUTSIDE'} the 95% CI,"
        f" {abs(100 * its['effect'] - planted):.1f} points from the estimate"
    )
    line = next(line for line in printed.splitlines() if line.startswith("H3 interrupted time series:"))
    assert said in line
    assert said in (out / "report.html").read_text(encoding="utf-8")


def test_a_report_on_exports_without_a_planted_effect_says_nothing_of_one(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one_clinic = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    out = tmp_path / "report"
    assert (
        main(["report", "imbalance", "-i", str(one_clinic / "encounters.parquet"), "-o", str(out), "-q"]) == 0
    )
    assert "planted" not in capsys.readouterr().out
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["h3_planted"] is None


def test_the_h3_plot_marks_the_planted_effect() -> None:
    """A PNG of the H3 plot passed on alone did not show what the estimates should recover."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from analytics.reports.render import h3_figure

    per_clinic = pd.DataFrame(
        {"clinic_id": ["C1"], "status": ["estimated"], "effect": [0.16], "ci_low": [0.1], "ci_high": [0.2]}
    )
    summary = pd.DataFrame({"method": ["its"], "effect": [0.15], "ci_low": [0.14], "ci_high": [0.16]})
    fig = h3_figure(per_clinic, summary, True, planted=0.1593)
    (line,) = [line for line in fig.axes[0].get_lines() if str(line.get_label()).startswith("planted")]
    assert list(line.get_xdata()) == [15.93, 15.93]
    assert line.get_label() == "planted effect +15.9 points (SYNTHETIC-truth.json)"
    assert fig.axes[0].get_title() == f"dashed: {line.get_label()}"  # said over the axes
    plt.close(fig)
