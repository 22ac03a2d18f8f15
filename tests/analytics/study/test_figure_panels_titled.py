"""Every figure of the study rebuild says what it shows: a title, and in a figure of panels that show
different things (Figures 6, 7 and 3/5) a title over each panel; every axis its label, a map's with
its units; a colour scale its label. Figure 7's map panel had no title, where its bars and Figure 6's
maps had theirs."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from analytics.study import figures
from analytics.study.dataset import Frame, load_study
from analytics.study.generator import NODE_TERMS
from analytics.study.imbalance import imbalance_table


@pytest.fixture(scope="module")
def zhejiang(study_folder: Path) -> Frame:
    return next(f for f in load_study(study_folder, list(NODE_TERMS)).frames if f.key == "zhejiang")


def _panels(fig: Figure) -> list[plt.Axes]:
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def _colour_bars(fig: Figure) -> list[plt.Axes]:
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def _named(ticks: list[Text]) -> bool:
    """Tick labels that name things (not numbers)."""
    texts = [t.get_text() for t in ticks]
    return bool(texts) and all(t and not t.replace(",", "").replace(".", "").isdigit() for t in texts)


def test_figure7_titles_its_map_as_its_bars(zhejiang: Frame) -> None:
    fig = figures.centrality_figure(zhejiang, figures.in_degree_centrality(zhejiang))
    bars, points = _panels(fig)
    assert bars.get_title() == "top 20 receiving units"
    assert points.get_title() == f"standardized in-degree of all {zhejiang.n} units"
    assert [bar.get_ylabel() for bar in _colour_bars(fig)] == ["standardized in-degree"]
    plt.close("all")


def test_every_study_figure_has_a_title_and_labelled_axes(zhejiang: Frame) -> None:
    centrality = figures.in_degree_centrality(zhejiang)
    gof = figures.degree_gof_figure(
        pd.DataFrame(
            {
                "statistic": ["indegree"] * 3,
                "degree": [0, 1, 2],
                "observed": [1, 2, 1],
                "sim_low": [0, 1, 0],
                "sim_high": [2, 3, 2],
                "sim_mean": [1.0, 2.0, 1.0],
            }
        ),
        "Goodness of fit, Model 3",
    )
    made = {
        "Figure 2": figures.network_figure(zhejiang),
        "Figure 6": figures.facility_figure(zhejiang),
        "Figure 7": figures.centrality_figure(zhejiang, centrality),
        "attraction": figures.tie_probability_figure(zhejiang),
        "goodness of fit": gof,
        "Figures 3 and 5": figures.imbalance_figure(imbalance_table()),
    }
    for name, fig in made.items():
        panels = _panels(fig)
        title = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
        assert title or all(ax.get_title() for ax in panels), name
        if name in ("Figure 6", "Figure 7", "Figures 3 and 5"):  # panels of different things
            assert all(ax.get_title() for ax in panels), name
        for ax in panels:
            # an axis of named bars (units, Figure 3's sources) is labelled by its ticks
            assert ax.get_ylabel() or _named(ax.get_yticklabels()), (name, ax.get_title())
            assert ax.get_xlabel() or _named(ax.get_xticklabels()), (name, ax.get_title())
            if "longitude" in ax.get_xlabel():
                assert "degrees east" in ax.get_xlabel() and "degrees north" in ax.get_ylabel(), name
        assert all(bar.get_ylabel() for bar in _colour_bars(fig)), name
    plt.close("all")
