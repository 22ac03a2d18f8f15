"""The study's figures, drawn with matplotlib (Agg) as PNG files.

Maps are points on longitude/latitude (no basemap download). Figure 7 labels units with their
Chinese names and codes ("上海市 310100") when a CJK font is installed (`cjk_font_family`; Debian's
fonts-wqy-microhei or fonts-noto-cjk, which `make test` installs as root), and with codes alone
otherwise, since matplotlib's default fonts have no CJK glyphs and would draw empty boxes.
"""

from __future__ import annotations

import functools
import math
from itertools import pairwise
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm, Normalize, SymLogNorm
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, MaxNLocator, PercentFormatter

from analytics.plotnotes import add_footer_line, add_source_line
from analytics.study.dataset import Frame

#: CJK font families matplotlib can draw Chinese place names with, in order of preference.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
_CJK_FILE_HINTS = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback", "uming", "ukai")


@functools.cache
def cjk_font_family() -> str | None:
    """The first installed family of ``CJK_FAMILIES``, or None.

    matplotlib lists fonts from a cache built on its first run; a CJK font installed after that
    (as `make test` does) is missing from it, so font files whose names say CJK are registered.
    """

    def installed() -> str | None:
        names = {font.name for font in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    found = installed()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(hint in Path(path).name.lower().replace("-", "") for hint in _CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = installed()
    return found


def unit_labels(centrality: pd.DataFrame) -> tuple[list[str], str | None]:
    """Bar labels "name code" with a CJK font (returned too), else the codes alone."""
    family = cjk_font_family()
    if family is None or "name" not in centrality:
        return [str(i) for i in centrality["id"]], None
    return [f"{name} {code}" for name, code in zip(centrality["name"], centrality["id"], strict=True)], family


def in_degree_centrality(frame: Frame) -> pd.DataFrame:
    """Standardized in-degree centrality C_i = indegree_i / (n - 1) (Freeman), per unit."""
    graph = nx.DiGraph()
    graph.add_nodes_from(frame.nodes["id"])
    graph.add_edges_from(zip(frame.edges["source"], frame.edges["target"], strict=True))
    centrality = nx.in_degree_centrality(graph)
    out = (
        frame.nodes[["id", "name", "lon", "lat"]].copy()
        if "name" in frame.nodes
        else frame.nodes[["id", "lon", "lat"]].copy()
    )
    out["in_degree"] = [graph.in_degree(i) for i in out["id"]]
    out["std_in_degree"] = [centrality[i] for i in out["id"]]
    return out.sort_values("std_in_degree", ascending=False).reset_index(drop=True)


#: Map axes, with their units as the regional report's network plot has them.
LON_LABEL = "longitude (degrees east)"
LAT_LABEL = "latitude (degrees north)"


def network_map(frame: Frame, path: Path) -> Path:
    """Figure 2 as a PNG file."""
    return _save(network_figure(frame), path, frame.source, frame.stamp)


def network_figure(frame: Frame) -> plt.Figure:
    """Figure 2: the binary mobility network on longitude/latitude."""
    lonlat = frame.nodes.set_index("id")[["lon", "lat"]]
    fig, ax = plt.subplots(figsize=(8, 6.5))
    src = lonlat.loc[frame.edges["source"]].to_numpy()
    dst = lonlat.loc[frame.edges["target"]].to_numpy()
    # faint enough that thousands of ties still show where they bunch, dark enough that a few
    # dozen (a county frame, the worked example's 29) are seen at all: at 0.06 they were not
    alpha = min(0.5, max(0.06, 15 / max(len(src), 1)))
    # one collection of segments, drawn as the one line per tie was: 2,611 Line2D artists of the
    # national frame took seconds to build and save
    ties = LineCollection(list(np.stack([src, dst], axis=1)), colors="#1f77b4", alpha=alpha, linewidths=0.6)
    ax.add_collection(ties)
    ax.autoscale_view()
    _direction_heads(ax, src, dst, alpha)
    indeg = frame.edges["target"].value_counts().reindex(frame.nodes["id"]).fillna(0).to_numpy()
    most = max(float(indeg.max()), 1.0)
    ax.scatter(frame.nodes["lon"], frame.nodes["lat"], s=8 + 60 * indeg / most, c="#d62728", zorder=3)
    # the key of the point sizes: the title said "point size: ties received" and no size said how many
    for received in size_key_values(most):
        ax.scatter([], [], s=8 + 60 * received / most, c="#d62728", label=f"{received:,.0f}")
    ax.legend(
        title="ties received", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, labelspacing=1.2
    )
    ax.set_xlabel(LON_LABEL)
    ax.set_ylabel(LAT_LABEL)
    ax.set_title(
        f"Figure 2 - mobility network, {frame.title}\n{len(frame.edges):,} ties (>= {frame.min_movers} mover);"
        f" point size: ties received; {DIRECTION_WORDS}"
    )
    _map_ticks(ax)
    ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    return fig


#: What Figure 2's arrowheads say, in its title: the ties are directed (moves from one unit to
#: another), and lines alone had not said which way a tie points.
DIRECTION_WORDS = "arrowheads point from origin to destination"


def _direction_heads(ax: plt.Axes, src: np.ndarray, dst: np.ndarray, alpha: float) -> None:
    """An arrowhead on each tie, two thirds of the way from its origin, pointing to its destination:
    at the end of the line it would lie under the destination's point (and a hub's hundreds of
    heads on one spot); there, a tie and its reverse show two heads, one pointing each way. One
    quiver, as the ties are one collection. Heads darker than the faint lines, or none would show."""
    step = dst - src
    length = np.hypot(step[:, 0], step[:, 1])
    moved = length > 0
    if not moved.any():
        return
    where = src[moved] + step[moved] * (2 / 3)
    unit = step[moved] / length[moved, None]
    ax.quiver(
        where[:, 0],
        where[:, 1],
        unit[:, 0],
        unit[:, 1],
        angles="xy",
        pivot="middle",
        units="inches",
        scale_units="inches",
        scale=1 / 0.1,  # each head 0.1 inch long, whatever the map's extent
        width=0.008,
        headwidth=8,
        headlength=11,
        headaxislength=10,
        color="#1f77b4",
        alpha=min(0.9, 3 * alpha),
        zorder=2,
    )


def size_key_values(most: float) -> list[float]:
    """The ties received that Figure 2's size key shows: none, the most a unit receives, and a round
    number or two between (1, 2 or 5 times a power of ten, at about a quarter and a half of it)."""
    between = []
    for share in (0.25, 0.5):
        target = most * share
        if target >= 1:
            power = 10.0 ** math.floor(math.log10(target))
            between.append(min((k * power for k in (1, 2, 5, 10)), key=lambda v: abs(v - target)))
    return sorted({0.0, *between, float(most)})


def facility_maps(frame: Frame, path: Path) -> Path:
    """Figure 6 as a PNG file."""
    return _save(facility_figure(frame), path, frame.source, frame.stamp)


def facility_figure(frame: Frame) -> plt.Figure:
    """Figure 6: primary care facilities and high-tier hospitals per unit."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    for ax, column, title in zip(
        axes, ("PCF", "HTH"), ("primary care facilities", "high-tier hospitals"), strict=True
    ):
        values = frame.nodes[column].astype(float)
        norm = _skewed_colour_norm(values)
        points = ax.scatter(frame.nodes["lon"], frame.nodes["lat"], c=values, cmap="viridis", s=22, norm=norm)
        scale = " (log scale)" if isinstance(norm, LogNorm) else ""
        bar = fig.colorbar(points, ax=ax, label=f"{column}, {title} per unit{scale}")
        if isinstance(norm, LogNorm):  # counts as counts (2, 5, 10, 20, ...), not powers of ten
            bar.ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
            bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
            bar.ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
        ax.set_title(f"{title} ({column})")
        _map_ticks(ax)
        ax.set_xlabel(LON_LABEL)
        ax.set_ylabel(LAT_LABEL)
        ax.set_aspect("equal", adjustable="datalim")
    fig.suptitle(f"Figure 6 - {frame.title}")
    fig.tight_layout()
    return fig


def _skewed(values: pd.Series, low: float) -> bool:
    """The median unit would sit in the bottom tenth of a linear colour scale from ``low`` to the
    largest value: nine units in ten one colour, the few hubs alone told apart."""
    high = float(values.max())
    return high > low and (float(values.median()) - low) / (high - low) < 0.1


def _skewed_colour_norm(values: pd.Series) -> Normalize:
    """A logarithmic colour scale for counts whose median unit sits in the bottom tenth of a
    linear scale from 0 (all above 0): the national HTH (2 to 364, median 30.5) coloured 9 in 10
    units the same dark purple. Otherwise linear from 0 (none), as Figure 7's: from the smallest
    count it coloured the national PCF's least-equipped unit (193 facilities) as none."""
    low, high = float(values.min()), float(values.max())
    linear = low <= 0 or not _skewed(values, 0.0)
    return Normalize(vmin=0.0, vmax=max(high, 1.0)) if linear else LogNorm(vmin=low, vmax=high)


def centrality_norm(values: pd.Series, n: int) -> Normalize:
    """Figure 7's colour scale: from 0 (no tie received; a standardized in-degree is a share, as
    the bars beside the map start at 0) to the largest value. Skewed as Figure 6's counts (the
    national frame: median 0.017, Shanghai 0.66, the median unit at 3% of a linear bar, 9 units in 10
    one pale colour), it is linear up to one tie received, 1 / (n - 1), and logarithmic above, so
    a unit with no tie (0) still has a colour. The scale used to run from the smallest value, so
    the least central Zhejiang unit (0.034) took the colour of none."""
    high = max(float(values.max()), 1e-12)
    one_tie = 1.0 / max(n - 1, 1)
    if _skewed(values, 0.0) and high > one_tie:
        return SymLogNorm(linthresh=one_tie, linscale=0.5, vmin=0.0, vmax=high, base=10)
    return Normalize(vmin=0.0, vmax=high)


def _map_ticks(ax: plt.Axes) -> None:
    """At most five longitude and latitude ticks: a narrow equal-aspect map had run its longitude
    labels together ("119.50119.75120.00")."""
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_locator(MaxNLocator(6))


#: The rim of Figure 7's points, so a unit coloured as 0 (cream) still shows on the white map.
MARKER_RIM = "#777777"


def centrality_figure(frame: Frame, centrality: pd.DataFrame, top: int = 20) -> plt.Figure:
    """Figure 7: standardized in-degree centrality, top units (named where a CJK font allows) and the map."""
    fig, (bars, ax) = plt.subplots(1, 2, figsize=(13, 5.5))
    head = centrality.head(top).iloc[::-1]
    labels, family = unit_labels(head)
    bars.barh(range(len(head)), head["std_in_degree"], color="#2ca02c")
    bars.set_yticks(range(len(head)), labels, fontsize=9)
    if family is not None:
        for label in bars.get_yticklabels():
            label.set_fontfamily([family, "DejaVu Sans"])
    bars.set_xlabel("standardized in-degree (in-degree / (n - 1))")
    # "top 20" over a frame of 12 units had promised bars that were not there
    bars.set_title(f"top {top} receiving units" if len(centrality) > top else f"all {len(head)} units")
    values = centrality["std_in_degree"].astype(float)
    norm = centrality_norm(values, len(centrality))
    # a thin grey rim: magma_r's 0 (no tie received) is cream, all but invisible on the white map
    points = ax.scatter(
        centrality["lon"],
        centrality["lat"],
        c=values,
        cmap="magma_r",
        s=22,
        norm=norm,
        edgecolors=MARKER_RIM,
        linewidths=0.5,
    )
    if isinstance(norm, SymLogNorm):
        bar = fig.colorbar(
            points, ax=ax, label=f"standardized in-degree (log scale above {norm.linthresh:.2g}, one tie)"
        )
        highest = float(values.max())
        ticks = [0.0] + [
            t
            for t in (k * 10.0**e for e in range(-4, 1) for k in (1, 2, 5))
            if norm.linthresh <= t <= highest
        ]
        bar.ax.yaxis.set_major_locator(FixedLocator(ticks))
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        bar.ax.yaxis.set_minor_locator(FixedLocator([]))
    else:
        fig.colorbar(points, ax=ax, label="standardized in-degree")
    ax.set_aspect("equal", adjustable="datalim")
    _map_ticks(ax)
    ax.set_xlabel(LON_LABEL)
    ax.set_ylabel(LAT_LABEL)
    # titled as the bars beside it and Figure 6's maps are: it had none
    ax.set_title(f"standardized in-degree of all {len(centrality)} units")
    fig.suptitle(f"Figure 7 - {frame.title}")
    fig.tight_layout()
    return fig


def centrality_chart(frame: Frame, centrality: pd.DataFrame, path: Path, top: int = 20) -> Path:
    """Figure 7 as a PNG file."""
    return _save(centrality_figure(frame, centrality, top), path, frame.source, frame.stamp)


def imbalance_chart(figures: pd.DataFrame, path: Path) -> Path:
    """Figures 3 and 5 as a PNG file."""
    return _save(imbalance_figure(figures), path, imbalance_source(figures))


def imbalance_source(figures: pd.DataFrame) -> str:
    """The publications behind Figures 3 and 5, in one line (each bar's own source is in the table)."""
    official = figures[figures["status"] == "official"]["source"]
    publications = dict.fromkeys(
        s.split(" (")[0].split(", as reproduced")[0].split(", seen via")[0] for s in official
    )
    return (
        f"Source: official 2021 figures ({'; '.join(publications)}) and figures quoted by the study"
        " (unverified); each bar's source in figures3_5_imbalance.csv and analytics/data/SOURCES.md"
    )


#: Bar colours by tier; "all" is an average over every tier (Zhejiang's 76.3%), which in red had
#: read as a high-tier figure; "hospitals", the official figures for every hospital of all levels,
#: had read as high-tier ones the same way.
TIER_COLOURS = {"hospitals": "#ff7f0e", "high": "#d62728", "primary": "#1f77b4", "all": "#888888"}
TIER_WORDS = {
    "hospitals": "hospitals (all levels)",
    "high": "hospitals (high tier)",
    "primary": "primary care",
    "all": "all tiers (average)",
}
STATUS_WORDS = {"quoted_by_study_unverified": "quoted, unverified"}


def imbalance_figure(figures: pd.DataFrame) -> plt.Figure:
    """Figures 3 and 5: patients and bed occupancy by tier, each bar with its value and its status.

    Figure 3 is on a log scale: the official visits (billions) next to the study's patient counts
    (3.978 and 34.86 million) left the study's own contrast as two invisible bars. Its values are
    dots, not bars: a bar on a log axis has no zero, so its length misreads the ratios."""
    fig, (patients, beds) = plt.subplots(1, 2, figsize=(12, 4.8))
    visits = figures[figures["measure"] == "visits_or_patients"]
    occ = figures[figures["measure"] == "bed_occupancy"]
    for ax, part, scale, value_format in (
        # each value with the digits its source gives, as the table under the figure has it: one
        # decimal had shown the official 74.55% as 74.5% and the study's 3.978 million as 3.98
        (patients, visits, 1e6, lambda v: f"{v:,.0f}" if v >= 100 else f"{v:g}"),  # 3,880 / 3.978
        (beds, occ, 1.0, lambda v: f"{v:g}%"),  # 74.55% / 78.2%
    ):
        values = part["value"] / scale
        # the status under each label: inside the bars it ran into the values
        labels = [
            f"{label}\n({STATUS_WORDS.get(st, st)})"
            for label, st in zip(part["label"], part["status"], strict=True)
        ]
        colours = [TIER_COLOURS[t] for t in part["tier"]]
        if ax is patients:
            # a dot per value: a bar on a log axis has no zero to stand on, so its length (from
            # wherever the axis happens to start) misreads the ratios - 3.978 against 34.86 million
            # had looked a quarter, not a ninth
            ax.scatter(labels, values, c=colours, marker="D", s=60, zorder=3)
            ax.grid(axis="y", which="major", color="#dddddd", zorder=0)
            for x, v in enumerate(values):
                ax.annotate(
                    value_format(v),
                    (x, v),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=8,
                )
            ax.margins(x=0.15)
            ax.set_yscale("log")
            ax.set_ylim(float(values.min()) / 2, float(values.max()) * 3)  # room for the labels
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))  # 1,000: not 10^3
        else:
            bars = ax.bar(labels, values, color=colours)
            ax.bar_label(bars, labels=[value_format(v) for v in values], fontsize=8, padding=2)
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor", fontsize=8)
    patients.set_ylabel("visits or patients, million (log scale)")
    patients.set_title("Figure 3 - patients by tier")
    beds.set_ylabel("bed occupancy, %")
    beds.set_title("Figure 5 - bed occupancy by tier")
    beds.margins(y=0.12)
    fig.legend(
        handles=[
            Patch(color=TIER_COLOURS[tier], label=TIER_WORDS[tier])
            for tier in TIER_COLOURS
            if tier in set(figures["tier"])
        ],
        loc="upper center",
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def hth_quintile_labels(hth: pd.Series, quintile: pd.Series) -> dict[str, str]:
    """Each quintile's name and the HTH range of its units (``Q1\n0-3``, ``Q5\n27-364``; one value
    when all are equal): "Q1" alone did not say how many hospitals a quintile means."""
    ranges = hth.groupby(quintile.to_numpy(), observed=True).agg(["min", "max"])
    return {
        str(q): _range_label(str(q), low, high)
        for q, (low, high) in zip(ranges.index, ranges.itertuples(index=False), strict=True)
    }


def _range_label(quintile: str, low: float, high: float) -> str:
    return f"{quintile}\n{low:g}" if low == high else f"{quintile}\n{low:g}-{high:g}"


def attraction_table(frame: Frame) -> pd.DataFrame:
    """The numbers of the attraction chart, one row per HTH quintile of the receiving unit: its
    units' HTH range, how many units, the ties they receive, the ties they could receive (each
    from every other unit) and the share realised - the chart had no table, so its bars could
    not be read as numbers or checked."""
    adj = frame.adjacency()
    n = frame.n
    hth = frame.nodes["HTH"].reset_index(drop=True)
    quintile = pd.Series(
        pd.qcut(hth.rank(method="first"), 5, labels=[f"Q{i}" for i in range(1, 6)]).astype(str)
    )
    rows = pd.DataFrame({"quintile": quintile, "hth": hth, "received": adj.sum(axis=0)})
    table = rows.groupby("quintile", sort=True).agg(
        hth_min=("hth", "min"),
        hth_max=("hth", "max"),
        units=("hth", "size"),
        ties_received=("received", "sum"),
    )
    if np.isclose(hth, hth.round()).all():  # hospitals counted: 2, not 2.0, in the CSV
        table[["hth_min", "hth_max"]] = table[["hth_min", "hth_max"]].round().astype("int64")
    table["possible_ties"] = table["units"] * max(n - 1, 1)
    table["share_realised"] = table["ties_received"] / table["possible_ties"]
    return table.reset_index()


def tie_probability_figure(frame: Frame) -> plt.Figure:
    """Share of possible incoming ties realised (%), by HTH quintile of the receiving unit, each
    quintile labelled with its HTH range (the numbers: :func:`attraction_table`)."""
    table = attraction_table(frame)
    labels = [
        _range_label(q, low, high)
        for q, low, high in zip(table["quintile"], table["hth_min"], table["hth_max"], strict=True)
    ]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(labels, table["share_realised"].to_numpy(), color="#9467bd")
    ax.set_xlabel("receiving unit's HTH quintile (under each: its units' high-tier hospitals)")
    ax.set_ylabel("possible incoming ties realised (%)")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"Attraction by high-tier hospitals - {frame.title}")
    fig.tight_layout()
    return fig


def tie_probability_by_hth(frame: Frame, path: Path) -> Path:
    """The attraction chart as a PNG file."""
    return _save(tie_probability_figure(frame), path, frame.source, frame.stamp)


#: Axis labels of the goodness-of-fit panels, with what a degree counts.
_DEGREE_LABELS = {
    "indegree": "in-degree (ties a unit receives)",
    "outdegree": "out-degree (ties a unit sends)",
    "degree": "degree (ties of a unit)",
}


def degree_gof_figure(table: pd.DataFrame, title: str) -> plt.Figure:
    """Goodness of fit: observed degree counts against the simulated 95% range (whole-number axes).

    A degree where nothing is observed and nothing simulated gets no marker: on the national
    in-degree axis (0 to a hub's 193) those ran together into a red bar that hid the hubs."""
    kinds = list(pd.unique(table["statistic"]))  # in table order, without a Python loop over rows
    fig, axes = plt.subplots(1, len(kinds), figsize=(6 * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds, strict=True):
        part = table[table["statistic"] == kind]
        band = _without_flat_interiors(part, ["sim_low", "sim_high", "sim_mean"])
        ax.fill_between(
            band["degree"], band["sim_low"], band["sim_high"], color="#cccccc", label="simulated 95% range"
        )
        ax.plot(band["degree"], band["sim_mean"], color="#555555", label="simulated mean")
        seen = part[(part["observed"] > 0) | (part["sim_high"] > 0)]
        ax.plot(seen["degree"], seen["observed"], "o", color="#d62728", markersize=3, label="observed")
        ax.set_xlabel(_DEGREE_LABELS.get(kind, kind) + _long_tail_scale(ax, part))
        ax.set_ylabel("number of units")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # degrees and unit counts are whole
        ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(title)
    fig.tight_layout()
    for ax in axes[0]:
        _whole_number_ticks(ax)
    return fig


def _without_flat_interiors(part: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``part`` without the rows inside a run where every one of ``columns`` stays the same: such
    a row lies on the straight line between its neighbours, so the band and line look the same
    without it. A 1,000,000-degree table (mostly zeros beyond the body) drew a million vertices,
    ten seconds of Agg's time; the run's first and last rows keep the axis' reach."""
    values = part[columns].to_numpy()
    same_as_before = (values[1:-1] == values[:-2]).all(axis=1)
    same_as_after = (values[1:-1] == values[2:]).all(axis=1)
    keep = np.ones(len(part), dtype=bool)
    keep[1:-1] = ~(same_as_before & same_as_after)
    return part[keep]


def _long_tail_scale(ax: plt.Axes, part: pd.DataFrame, body_share: float = 0.9) -> str:
    """A degree axis whose hubs reach far beyond the body of the distribution (over 4 times
    further) is linear up to the degree that holds ``body_share`` of the units (rounded up to 10,
    20, 50, 100, ...) and logarithmic above it, each half of the axis: on the national in-degree
    panel (90% of units at 0-13, a hub at 193) the body, where model and data are compared, was
    squeezed into a fifteenth of the panel. Returns the words the axis label adds ("" when the
    axis stays linear)."""
    units = part["observed"].cumsum()
    body = int(part["degree"][units >= body_share * units.iloc[-1]].iloc[0]) if units.iloc[-1] > 0 else 0
    threshold = next(m * 10**e for e in range(1, 12) for m in (1, 2, 5) if m * 10**e >= body)
    reach = part[(part["observed"] > 0) | (part["sim_high"] > 0)]["degree"].max()
    if not reach > 4 * threshold:
        return ""
    ax.set_xscale("symlog", linthresh=threshold, linscale=math.log10(reach / threshold))
    ax.set_xlim(0, None)
    return f", log scale above {threshold:,}"


def _symlog_ticks(ax: plt.Axes, gap_px: float) -> None:
    """Ticks 0, 1, 2, 5, 10, 20, 50, ... up to the axis' end, each kept only when its label
    stands ``gap_px`` pixels clear of the one before it (the linear part is short)."""
    high = ax.get_xlim()[1]
    candidates = [0] + [
        m * 10**e for e in range(0, len(str(int(high))) + 1) for m in (1, 2, 5) if m * 10**e <= high
    ]
    ax.xaxis.set_major_locator(FixedLocator(candidates))
    ax.xaxis.set_minor_locator(FixedLocator([]))
    ax.figure.canvas.draw()
    kept: list[float] = []
    last = None
    for tick, label in zip(candidates, ax.get_xticklabels(), strict=True):
        box = label.get_window_extent()
        if last is None or box.x0 - last >= gap_px:
            kept.append(tick)
            last = box.x1
    ax.xaxis.set_major_locator(FixedLocator(kept))


def _whole_number_ticks(ax: plt.Axes, gap_px: float = 8) -> None:
    """Whole-number x ticks printed in full ("40,000", never "0.15" over a "1e6" offset), as many
    as fit with ``gap_px`` pixels between their labels, however long the axis."""
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:,.0f}"))
    if ax.get_xscale() == "symlog":
        _symlog_ticks(ax, gap_px)
        return
    for nbins in range(10, 1, -1):
        ax.xaxis.set_major_locator(MaxNLocator(nbins, integer=True))
        ax.figure.canvas.draw()
        low, high = ax.get_xlim()
        shown = [t for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True) if low <= x <= high]
        boxes = [t.get_window_extent() for t in shown]
        if all(b.x0 - a.x1 >= gap_px for a, b in pairwise(boxes)):
            return


def degree_gof_chart(table: pd.DataFrame, title: str, path: Path, *, source: str, stamp: str) -> Path:
    """The goodness-of-fit chart as a PNG file; ``stamp``: the frame's SYNTHETIC label, or empty."""
    return _save(degree_gof_figure(table, title), path, source, stamp)


def _save(fig: plt.Figure, path: Path, source: str, stamp: str = "") -> Path:
    """Write ``fig`` with ``stamp`` (what of its data is SYNTHETIC, in red) and ``source`` (where
    its numbers come from) in small print under everything it draws: a figure is often passed on
    alone, without the report."""
    add_footer_line(fig, stamp, color="#b00020", fontsize=8)
    add_source_line(fig, source)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
