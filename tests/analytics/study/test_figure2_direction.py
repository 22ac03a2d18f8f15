"""Figure 2's ties are directed (a move from one unit to another, the paper's whole point), and it
drew each as a line alone: a reader could not tell which way a tie points. Each tie now carries an
arrowhead pointing to its destination, and the title says so."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.quiver import Quiver

from analytics.study import figures
from analytics.study.dataset import load_study
from analytics.study.generator import NODE_TERMS

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"


def test_each_tie_of_figure2_has_a_head_pointing_to_its_destination() -> None:
    (frame,) = load_study(EXAMPLE, list(NODE_TERMS)).frames
    fig = figures.network_figure(frame)
    try:
        (ax,) = fig.axes
        heads = [c for c in ax.collections if isinstance(c, Quiver)]
        assert heads, "Figure 2 draws its ties without arrowheads"
        (quiver,) = heads
        where = np.column_stack([quiver.X, quiver.Y])
        pointing = np.column_stack([quiver.U, quiver.V])
        lonlat = frame.nodes.set_index("id")[["lon", "lat"]]
        assert len(where) == len(frame.edges)
        for source, target in zip(frame.edges["source"], frame.edges["target"], strict=True):
            origin, destination = lonlat.loc[source].to_numpy(), lonlat.loc[target].to_numpy()
            # a head on this tie: on the segment between the two units ...
            along = destination - origin
            on_tie = [
                k
                for k, (dx, dy) in enumerate(where - origin)
                if np.isclose(dx * along[1] - dy * along[0], 0, atol=1e-9)
                and 0 < dx * along[0] + dy * along[1] < along @ along
            ]
            assert on_tie, f"no arrowhead on the tie {source} -> {target}"
            # ... pointing from its origin to its destination, not back
            towards = along / np.linalg.norm(along)
            assert any(np.allclose(pointing[k], towards) for k in on_tie), f"{source} -> {target} points back"
        assert figures.DIRECTION_WORDS in ax.get_title()
    finally:
        plt.close(fig)
