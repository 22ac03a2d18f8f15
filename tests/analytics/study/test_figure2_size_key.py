"""Figure 2 keys its point sizes: its title said "point size: ties received", and nothing said how
many ties a size stands for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import pytest

from analytics.study import figures
from analytics.study.dataset import load_study
from analytics.study.generator import NODE_TERMS

if TYPE_CHECKING:
    from analytics.study.rebuild import RebuildResult

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"


def test_figure2_says_how_many_ties_each_point_size_stands_for() -> None:
    (frame,) = load_study(EXAMPLE, list(NODE_TERMS)).frames
    received = frame.edges["target"].value_counts().reindex(frame.nodes["id"]).fillna(0)
    fig = figures.network_figure(frame)
    try:
        (ax,) = fig.axes
        legend = ax.get_legend()
        assert legend is not None and legend.get_title().get_text() == "ties received"
        labels = [text.get_text() for text in legend.get_texts()]
        assert labels == ["0", "1", "2", f"{received.max():.0f}"]  # the worked example: 6 at most
        key = {
            label: float(handle.get_sizes()[0])
            for label, handle in zip(labels, legend.legend_handles, strict=True)
        }
        (points,) = [c for c in ax.collections if len(c.get_offsets()) == frame.n]
        size_of = dict(zip(frame.nodes["id"], points.get_sizes(), strict=True))
        for unit, ties in received.items():
            if f"{ties:.0f}" in key:  # a unit receiving a keyed number of ties is drawn at its size
                assert size_of[unit] == pytest.approx(key[f"{ties:.0f}"])
        assert f"{len(frame.edges):,} ties" in ax.get_title()
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    ("most", "shown"),
    [(193, [0, 50, 100, 193]), (27, [0, 5, 10, 27]), (6, [0, 1, 2, 6]), (1, [0, 1]), (3, [0, 1, 3])],
)
def test_the_size_key_shows_none_round_numbers_between_and_the_most(most: int, shown: list[int]) -> None:
    assert figures.size_key_values(most) == shown


def test_the_reports_counts_are_written_with_thousands_separators(
    embedded_rebuild: tuple[RebuildResult, list[str]],
) -> None:
    """'288 units, 2611 ties from 15768 individual moves' sat beside Figure 2's '2,611 ties'."""
    result, _ = embedded_rebuild
    data = result.out / "data"  # the embedded dataset, generated there by the rebuild
    national = next(f for f in load_study(data, list(NODE_TERMS)).frames if f.key == "national")
    assert national.n_moves is not None and national.n_moves >= 1000 and len(national.edges) >= 1000
    note = f"288 units, {len(national.edges):,} ties from {national.n_moves:,} individual moves"
    assert note in result.report.read_text(encoding="utf-8")
