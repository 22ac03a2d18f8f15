"""The attraction chart (ties received by HTH quintile) has its table: it was the one figure of the
rebuild drawn from numbers written nowhere, so its bars could not be read as numbers or checked."""

from __future__ import annotations

from html import escape
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analytics.study import figures
from analytics.study.dataset import load_study
from analytics.study.generator import NODE_TERMS

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"


def test_the_chart_draws_its_tables_numbers() -> None:
    (frame,) = load_study(EXAMPLE, list(NODE_TERMS)).frames
    table = figures.attraction_table(frame)
    assert list(table["quintile"]) == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert table["units"].sum() == frame.n and table["ties_received"].sum() == len(frame.edges)
    assert (table["possible_ties"] == table["units"] * (frame.n - 1)).all()
    # each quintile's share is the mean of its units' shares, as the chart drew it before
    received = frame.adjacency().sum(axis=0) / (frame.n - 1)
    hth = frame.nodes["HTH"].reset_index(drop=True)
    quintile = pd.qcut(hth.rank(method="first"), 5, labels=[f"Q{i}" for i in range(1, 6)])
    means = pd.Series(received).groupby(quintile.to_numpy(), observed=True).mean()
    np.testing.assert_allclose(table["share_realised"], means.to_numpy())
    fig = figures.tie_probability_figure(frame)
    try:
        (ax,) = fig.axes
        np.testing.assert_allclose([bar.get_height() for bar in ax.patches], table["share_realised"])
        ticks = [label.get_text() for label in ax.get_xticklabels()]
        assert ticks == [
            f"{q}\n{low:g}" if low == high else f"{q}\n{low:g}-{high:g}"
            for q, low, high in zip(table["quintile"], table["hth_min"], table["hth_max"], strict=True)
        ]
    finally:
        plt.close(fig)


def test_the_rebuild_writes_it_beside_the_chart_and_shows_it_in_the_report(
    worked_example_quiet: tuple[int, Path, str, str],
) -> None:
    code, out, _, _ = worked_example_quiet  # `triage study rebuild --data examples/study -q`
    assert code == 0
    written = pd.read_csv(out / "attraction_hth_region.csv")
    assert list(written.columns) == [
        "quintile", "hth_min", "hth_max", "units", "ties_received", "possible_ties", "share_realised", "synthetic",
    ]  # fmt: skip
    assert written["synthetic"].all()  # the worked example is made up, as its study.json says
    # HTH counts hospitals: the CSV wrote its ranges "2.0" and "15.0"
    lines = (out / "attraction_hth_region.csv").read_text(encoding="utf-8").splitlines()
    assert all(line.split(",")[1].isdigit() and line.split(",")[2].isdigit() for line in lines[1:]), lines
    assert (
        pd.read_parquet(out / "attraction_hth_region.parquet")["units"].tolist() == written["units"].tolist()
    )
    report = (out / "report.html").read_text(encoding="utf-8")
    assert escape("possible ties (units x (n - 1))") in report
    top = written.iloc[-1]
    assert f"<td>{top['share_realised']:.1%}</td>" in report
    assert (out / "attraction_hth_region.png").exists()


@pytest.mark.parametrize("hth", [[3.0] * 12, list(range(12))])
def test_equal_hth_values_still_make_five_quintiles(hth: list[float]) -> None:
    (frame,) = load_study(EXAMPLE, list(NODE_TERMS)).frames
    nodes = frame.nodes.assign(HTH=hth)
    table = figures.attraction_table(type(frame)(**{**frame.__dict__, "nodes": nodes}))
    assert len(table) == 5 and table["units"].sum() == 12
