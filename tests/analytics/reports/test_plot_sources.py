"""Every plot of a report says its source under everything it draws."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from triage.cli import main

Generated = tuple[Path, dict[str, Any]]


def test_every_plot_says_its_source_under_everything_it_draws(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plots had titles and units but no source: a PNG passed on alone (plots/*.png) did not
    say which encounters, clinics and months it was drawn from. Each now says it in a line under
    the axes and their tick labels (also atop the page), from the same pool as the key figures."""
    from analytics.reports import render

    drawn: dict[str, tuple[str, bool]] = {}
    real_png = render._png

    def spy(fig: Any, source: str) -> bytes:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        data = real_png(fig, source)
        renderer = FigureCanvasAgg(fig).get_renderer()  # the closed figure's canvas draws nothing
        footer = fig.texts[-1]
        box = footer.get_window_extent(renderer)
        below = all(box.y1 <= ax.get_tightbbox(renderer).y0 for ax in fig.axes)
        drawn[fig._suptitle.get_text()] = (footer.get_text().replace("\n", " "), below)  # wrapped
        return data

    monkeypatch.setattr(render, "_png", spy)
    out = tmp_path / "report"
    assert main(["report", "imbalance", "-i", str(generated[0]), "-o", str(out), "-q"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    months = pd.read_csv(out / "tables" / "region_month.csv")["month"]
    sources = pd.read_csv(out / "tables" / "sources.csv")
    expected = (
        f"Source: {summary['rows_pooled']:,} encounters from {summary['clinics']} clinics,"
        f" {months.min()} to {months.max()}, pooled from {len(sources)} clinic-triage-analytics/1"
        " inputs, all SYNTHETIC (teaching/test data), by `triage report`"
    )  # a PNG passed on alone must say its data are SYNTHETIC, not only its title's tag
    assert len(drawn) == len(list((out / "plots").glob("*.png"))) == 6
    assert set(drawn.values()) == {(expected, True)}, drawn
    assert f"<p>{expected}. Engine: duckdb." in (out / "report.html").read_text(encoding="utf-8")
    drawn.clear()
    assert main(["report", "simulate", "-i", str(generated[0]), "-o", str(tmp_path / "sim"), "-q"]) == 0
    assert list(drawn.values()) == [(expected, True)]
