"""A study figure as a PNG file, with what of its data is SYNTHETIC and its source under it."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from analytics.plotnotes import add_footer_line, add_source_line


def save(fig: plt.Figure, path: Path, source: str, stamp: str = "") -> Path:
    """Write ``fig`` with ``stamp`` (what of its data is SYNTHETIC, in red) and ``source`` (where
    its numbers come from) in small print under everything it draws: a figure is often passed on
    alone, without the report."""
    add_footer_line(fig, stamp, color="#b00020", fontsize=8)
    add_source_line(fig, source)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
