"""The source line under a figure, shared by the study's figures and the regional reports' plots.

A PNG is often passed on alone, without the report or the tables; the line under it says where
its numbers come from.
"""

from __future__ import annotations

import textwrap

from matplotlib.figure import Figure

#: Characters of the 7-point source line per inch of figure width.
_CHARS_PER_INCH = 16


def add_source_line(fig: Figure, source: str) -> None:
    """Write ``source`` in small grey print under everything ``fig`` draws so far (axes, tick
    labels, legends), wrapped to the figure's width; save the figure with ``bbox_inches="tight"``
    so that the line is in the picture."""
    if not source:
        return
    box = fig.get_tightbbox()  # inches
    width = max(60, int(box.width * _CHARS_PER_INCH))
    x, y = box.x0 / fig.get_figwidth(), box.y0 / fig.get_figheight()
    text = textwrap.fill(source, width, break_long_words=False, break_on_hyphens=False)  # paths whole
    fig.text(x, y - 0.01, text, fontsize=7, color="#555555", ha="left", va="top")
