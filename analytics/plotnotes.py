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
    add_footer_line(fig, source)


def add_footer_line(fig: Figure, text: str, *, color: str = "#555555", fontsize: float = 7) -> None:
    """Write ``text`` under everything ``fig`` draws so far, wrapped to the figure's width (nothing
    for an empty text); lines added one after the other stack downwards."""
    if not text:
        return
    # A constrained (or tight) layout moves the axes when the figure is drawn, so it runs now and
    # is then frozen: the footer goes under the axes where the PNG shows them, not where they
    # were before the layout (the H3 plot's source line was drawn over its axis label).
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    box = fig.get_tightbbox()  # inches
    width = max(60, int(box.width * _CHARS_PER_INCH * 7 / fontsize))
    x, y = box.x0 / fig.get_figwidth(), box.y0 / fig.get_figheight()
    wrapped = textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)  # paths whole
    fig.text(x, y - 0.01, wrapped, fontsize=fontsize, color=color, ha="left", va="top")
