"""The longitude/latitude axes of the study's maps (Figures 2, 6 and 7)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

#: Map axes, with their units as the regional report's network plot has them.
LON_LABEL = "longitude (degrees east)"
LAT_LABEL = "latitude (degrees north)"


def map_ticks(ax: plt.Axes) -> None:
    """At most five longitude and latitude ticks: a narrow equal-aspect map had run its longitude
    labels together ("119.50119.75120.00")."""
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_locator(MaxNLocator(6))
