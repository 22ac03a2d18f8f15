"""The study's figures, drawn with matplotlib (Agg) as PNG files, one module per figure family:
:mod:`.network` (Figure 2), :mod:`.facilities` (Figure 6), :mod:`.centrality` (Figure 7),
:mod:`.imbalance` (Figures 3 and 5), :mod:`.attraction` (the attraction chart and its table),
:mod:`.degree_gof` and :mod:`.structure_gof` (goodness of fit), :mod:`.mcmc` (an MCMC fit's trace and
density plots, for `triage study fit --mcmc-plot`); their maps' axes (:mod:`.map_axes`), colour scales
(:mod:`.colour_scales`), CJK font (:mod:`.fonts`) and PNG file (:mod:`.png`). The names here are
the ones the rebuild and `triage study fit` draw with.

Maps are points on longitude/latitude (no basemap download). Figure 7 labels units with their
Chinese names and codes ("上海市 310100") when a CJK font is installed (`cjk_font_family`; Debian's
fonts-wqy-microhei or fonts-noto-cjk, which `make test` installs as root), and with codes alone
otherwise, since matplotlib's default fonts have no CJK glyphs and would draw empty boxes.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before any module of the package imports pyplot

from analytics.study.figures.attraction import (
    attraction_table,
    hth_quintile_labels,
    tie_probability_by_hth,
    tie_probability_figure,
)
from analytics.study.figures.centrality import (
    MARKER_RIM,
    centrality_chart,
    centrality_figure,
    in_degree_centrality,
    unit_labels,
)
from analytics.study.figures.colour_scales import centrality_norm
from analytics.study.figures.degree_gof import degree_gof_chart, degree_gof_figure
from analytics.study.figures.facilities import facility_figure, facility_maps
from analytics.study.figures.fonts import CJK_FAMILIES, cjk_font_family
from analytics.study.figures.imbalance import (
    STATUS_WORDS,
    TIER_COLOURS,
    TIER_WORDS,
    imbalance_chart,
    imbalance_figure,
    imbalance_source,
)
from analytics.study.figures.map_axes import LAT_LABEL, LON_LABEL
from analytics.study.figures.mcmc import mcmc_chart, mcmc_figure, mcmc_panel_title
from analytics.study.figures.network import (
    DIRECTION_WORDS,
    network_figure,
    network_map,
    size_key_values,
)
from analytics.study.figures.structure_gof import structure_gof_chart, structure_gof_figure

__all__ = [
    "CJK_FAMILIES",
    "DIRECTION_WORDS",
    "LAT_LABEL",
    "LON_LABEL",
    "MARKER_RIM",
    "STATUS_WORDS",
    "TIER_COLOURS",
    "TIER_WORDS",
    "attraction_table",
    "centrality_chart",
    "centrality_figure",
    "centrality_norm",
    "cjk_font_family",
    "degree_gof_chart",
    "degree_gof_figure",
    "facility_figure",
    "facility_maps",
    "hth_quintile_labels",
    "imbalance_chart",
    "imbalance_figure",
    "imbalance_source",
    "in_degree_centrality",
    "mcmc_chart",
    "mcmc_figure",
    "mcmc_panel_title",
    "network_figure",
    "network_map",
    "size_key_values",
    "structure_gof_chart",
    "structure_gof_figure",
    "tie_probability_by_hth",
    "tie_probability_figure",
    "unit_labels",
]
