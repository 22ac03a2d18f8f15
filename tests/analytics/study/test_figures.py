"""The study's figures as an analyst reads them: Chinese place names drawn, not empty boxes."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from analytics.study import figures
from analytics.study.dataset import Frame, load_study
from analytics.study.generator import NODE_TERMS


@pytest.fixture(scope="module")
def zhejiang(study_folder: Path) -> Frame:
    return next(f for f in load_study(study_folder, list(NODE_TERMS)).frames if f.key == "zhejiang")


def test_figure7_names_units_in_chinese_with_a_cjk_font(zhejiang: Frame) -> None:
    if figures.cjk_font_family() is None:
        pytest.skip("no CJK font: apt-get install fonts-wqy-microhei (make test does as root)")
    centrality = figures.in_degree_centrality(zhejiang)
    fig = figures.centrality_figure(zhejiang, centrality)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    top = centrality.iloc[0]
    assert labels[-1] == f"{top['name']} {top['id']}"  # the top unit is the top bar
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for boxes
        fig.canvas.draw()
    plt.close(fig)


def test_figure7_falls_back_to_codes_without_a_cjk_font(
    zhejiang: Frame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures, "cjk_font_family", lambda: None)
    centrality = figures.in_degree_centrality(zhejiang)
    fig = figures.centrality_figure(zhejiang, centrality)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == str(centrality.iloc[0]["id"])
    plt.close(fig)


def test_goodness_of_fit_axes_are_whole_numbers(zhejiang: Frame) -> None:
    from analytics.study.models import fit_frame

    gof = fit_frame(zhejiang).fits["Model 3"].gof(nsim=10, seed=1)
    fig = figures.degree_gof_figure(gof, "gof", True)
    fig.canvas.draw()
    for ax in fig.axes:
        for tick in (*ax.get_xticks(), *ax.get_yticks()):
            assert float(tick).is_integer(), tick  # "12.5 units" read as a count of units
    plt.close(fig)


def test_attraction_chart_is_in_percent(zhejiang: Frame) -> None:
    fig = figures.tie_probability_figure(zhejiang)
    ax = fig.axes[0]
    assert "(%)" in ax.get_ylabel() and ax.yaxis.get_major_formatter()(0.05, 0).endswith("%")
    plt.close(fig)


def test_figure3_axis_says_what_the_millions_count() -> None:
    from analytics.study.imbalance import imbalance_table

    fig = figures.imbalance_figure(imbalance_table())
    assert fig.axes[0].get_ylabel() == "visits or patients, million (log scale)"  # was "million"
    assert fig.axes[1].get_ylabel() == "bed occupancy, %"
    plt.close(fig)


def test_figure3_shows_the_studys_own_contrast_and_every_bar_says_its_value_and_status() -> None:
    """On a linear axis next to 3,880 million official visits the study's 34.86 and 3.978 million
    patients were two bars of no visible height; the colours had no legend and the status tags
    were written over the bars."""
    from analytics.study.imbalance import imbalance_table

    fig = figures.imbalance_figure(imbalance_table())
    patients, beds = fig.axes
    assert patients.get_yscale() == "log"
    values = [t.get_text() for t in patients.texts]
    assert values == ["3,880", "4,250", "34.9", "3.98"]
    assert [t.get_text() for t in beds.texts][:3] == ["74.5%", "78.2%", "52.1%"]
    ticks = [t.get_text() for t in patients.get_xticklabels()]
    assert ticks[0] == "China 2021 hospital visits\n(official)"
    assert ticks[2] == "study: high-tier patients\n(quoted, unverified)"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["hospitals (high tier)", "primary care"]
    plt.close(fig)
