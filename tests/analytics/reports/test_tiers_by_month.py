"""The tiers plot draws each month as a flat step over the month: its stacked area ran a straight
line from one month's count to the next, so a month whose primary tier was blanked (small cells)
showed primary sloping to 0 across the month before and after, and any month read as a blend."""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
import pytest

from analytics.reports.render import tiers_figure


@pytest.mark.parametrize(("day", "inside", "outside"), [("2024-02-15", 290, 310), ("2024-03-25", 90, 110)])
def test_each_month_is_one_height_from_its_first_day_to_its_last(
    day: str, inside: float, outside: float
) -> None:
    tier_month = pd.DataFrame(
        {"month": ["2024-01", "2024-02", "2024-03"], "tier": "primary", "encounters": [100, 300, 100]}
    )
    ax = tiers_figure(tier_month, True).axes[0]
    band = ax.collections[0].get_paths()[0]  # in data coordinates: days, encounters
    x = mdates.date2num(pd.Timestamp(day))
    assert band.contains_point((x, inside))
    assert not band.contains_point((x, outside))
    assert ax.get_xlim()[1] >= mdates.date2num(pd.Timestamp("2024-03-31"))  # March drawn to its end
