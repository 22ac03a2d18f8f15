"""The report's figures (matplotlib): month plots, the referral network and the H3 effects; the
policy trade-off, with its point labels placed clear of each other, is in
:mod:`analytics.reports.policy_figure`.

:mod:`analytics.reports.render` turns them into PNG files and the HTML page.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from analytics.reports.colour_classes import class_colour_bar, class_colours, colour_classes
from analytics.reports.impact import MIN_MONTHS
from analytics.reports.schema import HOSPITAL_NOT_IN_DIRECTORY, NO_HOSPITAL_YET, TIER_NOT_RECORDED
from referral.plurals import counted


def _title(fig: Figure, text: str, synthetic: bool | None) -> None:
    """``synthetic`` None: provenance unknown (an input without a manifest)."""
    label = {True: "  [SYNTHETIC]", None: "  [provenance unknown: no manifest]"}.get(synthetic, "")
    fig.suptitle(text + label, fontsize=11)


def month_starts(months: pd.Series) -> pd.Series:
    """``YYYY-MM`` labels as each month's first day: on a date axis the months stand in time order
    and gaps show (as text, matplotlib placed them in order of first appearance, one slot each)."""
    return pd.to_datetime(months.astype(str) + "-01", format="%Y-%m-%d")


def every_month(months: pd.Series) -> pd.Index:
    """Every ``YYYY-MM`` from the first month to the last, gaps included: a plot over them shows a
    month without data as a gap (or 0 where it counts), not a straight line across it."""
    present = months.dropna().astype(str)
    if present.empty:
        return pd.Index([], name="month", dtype=object)
    span = pd.period_range(min(present), max(present), freq="M")
    return pd.Index([str(p) for p in span], name="month")


def month_axis(ax: Any, months: pd.Series) -> None:
    """Date ticks an eye can read at any span (up to the generator's 120 months): every month up
    to a year, then quarters, half-years or years, labelled ``YYYY-MM`` (``YYYY`` for years), with
    a minor tick per month. A category axis had put a tick every fifth month (2024-01, 2024-06...)."""
    ax.set_xlabel("month")
    starts = month_starts(months.dropna())
    if starts.empty:
        return
    span = 1 + (starts.max().year - starts.min().year) * 12 + starts.max().month - starts.min().month
    step = 1 if span <= 12 else 3 if span <= 36 else 6 if span <= 72 else 12
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, step)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y" if step == 12 else "%Y-%m"))
    if step > 1:
        ax.xaxis.set_minor_locator(mdates.MonthLocator())
    # half a month of air each side: the default margin put a tick (2026-01) past the last month
    ax.set_xlim(starts.min() - pd.Timedelta(days=15), starts.max() + pd.Timedelta(days=15))
    ax.tick_params(axis="x", labelsize=8)


#: What a gap in a month line stands for, said in its legend.
GAP_SUPPRESSED = "suppressed (small cells)"
GAP_NO_DATA = "months without data"


def _month_lines(
    table: pd.DataFrame, by: str, column: str, *, ylabel: str, legend: str, title: str, synthetic: bool | None
) -> Figure:
    """One line per ``by`` value over every month from the first to the last, in %: a month with
    no data is a gap in its line (a straight segment had run across eleven empty months)."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    every = every_month(table["month"])
    suppressed, missing = 0, False
    for key, rows in table.groupby(by):
        given = rows.set_index("month")[column]
        values = given.reindex(every)
        suppressed += int(given.isna().sum())
        missing = missing or len(given) < len(every)
        ax.plot(month_starts(every.to_series()), values.to_numpy(dtype=float), marker=".", label=str(key))
    ax.set_ylabel(ylabel)
    # decimals as the ticks need: with none, ticks 2.5 points apart read "48%", "50%", "52%", "55%"
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    month_axis(ax, table["month"])
    handles, _ = ax.get_legend_handles_labels()
    # a gap in a line said nothing: a share blanked by the small-cell suppression read as missing data
    # and how many of them the suppression blanked (a gap had not said whether one or twenty were)
    blanked = f"{counted(suppressed, 'points')} {GAP_SUPPRESSED}"
    gaps = [words for words, shown in ((blanked, suppressed), (GAP_NO_DATA, missing)) if shown]
    if gaps:
        handles.append(Line2D([], [], linestyle="none", label="gaps: " + " or ".join(gaps)))
    ax.legend(handles=handles, fontsize=7, title=legend, title_fontsize=7)
    _title(fig, title, synthetic)
    return fig


def local_share_figure(region_month: pd.DataFrame, synthetic: bool | None) -> Figure:
    return _month_lines(
        region_month,
        "region_code",
        "local_share",
        ylabel="resolved locally (% of encounters)",
        legend="region",
        title="Encounters resolved in primary care, by region",
        synthetic=synthetic,
    )


#: The stacked band of encounters whose tier the small-cell suppression blanked.
SUPPRESSED_BAND = "tier suppressed (small cells)"
#: Why a tier count is blank, said in the band's key with how many are.
SUPPRESSED_WHY = "counts from 1 to 4 and cells\nthat would give one back by subtraction"


def suppressed_band_label(blank: int) -> str:
    """The hatched band's key: how many tier counts it stands for and why they are blank (the key
    had said "tier suppressed (small cells)" alone, over 3 blank tiers of a month or over 1)."""
    return f"{SUPPRESSED_BAND}:\n{counted(blank, 'tier counts')} blank -\n{SUPPRESSED_WHY}"


#: The key entries of the tiers of referred encounters without a hospital of a known tier, each
#: case apart: "referred, tier unknown" had said a referral not made yet, a hospital the directory
#: lacks (a registration missing) and one listed without a tier (data missing) alike.
UNKNOWN_TIER_KEYS = {
    NO_HOSPITAL_YET: "referred, no hospital named yet",
    HOSPITAL_NOT_IN_DIRECTORY: "referred, hospital not in the directory",
    TIER_NOT_RECORDED: "referred, hospital's tier not recorded",
}


def _tier_label(tier: object) -> str:
    """A tier's key entry (:data:`UNKNOWN_TIER_KEYS`)."""
    return UNKNOWN_TIER_KEYS.get(str(tier), str(tier))


def _key(tier: object, tier_month: pd.DataFrame) -> str:
    if tier == SUPPRESSED_BAND:
        return suppressed_band_label(int(tier_month["encounters"].isna().sum()))
    return _tier_label(tier)


def tiers_figure(tier_month: pd.DataFrame, synthetic: bool | None) -> Figure:
    """Encounters per month stacked by tier, on every month from the first to the last (a month
    with nothing pooled is 0, where the area had run straight across it from the months either
    side). A tier cell blanked by the small-cell suppression is not 0: the encounters it hides
    (the published region-month total less the published tiers) are stacked as a hatched band of
    their own, so each month's stack is its published total; drawn as 0, a blanked primary tier
    of 90 encounters had left a month at 33. Each month is one flat step from its first day to its
    last (a line from month to month had sloped a blanked tier to 0 across its neighbours)."""
    every = every_month(tier_month["month"])
    counts = tier_month.groupby(["month", "tier"])["encounters"].sum(min_count=1).unstack("tier")
    pivot = counts.reindex(every).fillna(0)
    if "region_month_total" in tier_month:
        keys = [k for k in ("region_code", "month") if k in tier_month]
        totals = tier_month.drop_duplicates(keys).groupby("month")["region_month_total"].sum()
        hidden = (totals.reindex(every).fillna(0) - pivot.sum(axis=1)).clip(lower=0)
        if hidden.any():
            pivot[SUPPRESSED_BAND] = hidden
    # a tier with no encounter in any month draws nothing: its key entry (the demo's tertiary and
    # unknown) had named a tier the plot does not show
    drawn = pivot.columns[pivot.sum() > 0]
    pivot = pivot[drawn] if len(drawn) else pivot
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = month_starts(every.to_series())
    if len(every) == 1:
        # one month: an area over a single point has no width and the plot was empty; a bar per tier
        bottom = 0.0
        areas: list[Any] = []
        for tier in pivot.columns:
            value = float(pivot[tier].iloc[0])
            areas.append(ax.bar(x, value, width=20, bottom=bottom, label=_key(tier, tier_month)))
            bottom += value
    else:
        # each month a flat step from its first day to the next month's (the last one's end
        # added): a line from month to month had drawn a blanked primary tier as a slope to 0
        # over the month before and the month after, as if the decline were gradual
        ends = pd.concat([x, pd.Series([x.iloc[-1] + pd.DateOffset(months=1)])], ignore_index=True)
        areas = ax.stackplot(
            ends,
            *(np.append(pivot[tier].to_numpy(dtype=float), pivot[tier].iloc[-1]) for tier in pivot.columns),
            labels=[_key(tier, tier_month) for tier in pivot.columns],
            linewidth=0,
            step="post",
        )
    for area, tier in zip(areas, pivot.columns, strict=True):
        if tier == SUPPRESSED_BAND:
            for part in getattr(area, "patches", [area]):
                part.set_facecolor("#dddddd")
                part.set_hatch("///")
                part.set_edgecolor("#888888")
    ax.set_ylabel("encounters per month")
    month_axis(ax, tier_month["month"])
    if len(every) > 1:  # the steps run from the first month's first day to the last month's last
        # (not to the next month's first: its tick, 2026-01 after a 2025-12, named a month not there)
        ax.set_xlim(x.iloc[0], x.iloc[-1] + pd.DateOffset(months=1) - pd.Timedelta(days=1))
    # outside the axes: inside, the legend covered the stacked areas it explains
    ax.legend(title="tier of care", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _title(fig, "Encounters by tier of care (all regions)", synthetic)
    return fig


def load_figure(load: pd.DataFrame, synthetic: bool | None) -> Figure:
    """Patients per day against daily capacity, by tier."""
    return _month_lines(
        load,
        "tier",
        "load_vs_capacity",
        ylabel="patients per day / daily capacity (%)",
        legend="tier",
        title="Load by tier against capacity",
        synthetic=synthetic,
    )


def network_figure(
    edges: pd.DataFrame, hospitals: pd.DataFrame, facilities: pd.DataFrame, synthetic: bool | None
) -> Figure:
    """Clinics and hospitals on longitude/latitude, each referral a line, hospitals sized and
    coloured by standardized in-degree."""
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    where: dict[str, tuple[float, float]] = {
        str(f): (float(x), float(y))
        for f, x, y in zip(facilities["facility_id"], facilities["lon"], facilities["lat"], strict=True)
    }
    for sender, target in zip(edges["source"], edges["target"], strict=True):
        if sender in where and target in where:
            (x0, y0), (x1, y1) = where[sender], where[target]
            ax.plot([x0, x1], [y0, y1], color="#999999", linewidth=0.4, alpha=0.6)
    # the clinics that referred someone, not every clinic of the directory (four clinics never
    # pooled had read as pooled ones), drawn over the hospitals' circles: a clinic next door to
    # its hospital (the demo's ZJ-C01, 700 m from ZJ-S01) had been hidden under it
    referring = set(edges["source"].astype(str))
    clinics = facilities[
        (facilities["tier"] == "primary") & facilities["facility_id"].astype(str).isin(referring)
    ]
    ax.scatter(
        clinics["lon"],
        clinics["lat"],
        s=14,
        color="#4477aa",
        edgecolors="white",
        linewidths=0.6,
        zorder=4,
        label="referring clinic",
    )
    placed = hospitals.dropna(subset=["lon", "lat"])
    # colour classes, not a linear scale: one hub far above the rest had left every other hospital
    # the same pale colour (colour_classes)
    classes = colour_classes(placed["standardized_in_degree"].tolist(), "hospitals")
    points = ax.scatter(
        placed["lon"],
        placed["lat"],
        s=40 + 800 * placed["standardized_in_degree"],
        c=np.where(classes.index >= 0, classes.index, np.nan),  # NaN: no value, no colour
        cmap=class_colours(max(len(classes.labels), 1), plt.get_cmap("Reds")),
        vmin=-0.5,
        vmax=max(len(classes.labels), 1) - 0.5,
        edgecolors="black",
        zorder=3,
        label="hospital (size: standardized in-degree)",
    )
    class_colour_bar(fig, ax, points, classes, "standardized in-degree centrality")
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    # plain degrees: two facilities 700 m apart (the demo's) read "0.086 ... +1.196e2"
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(6, steps=[1, 2, 5, 10]))
    ax.ticklabel_format(useOffset=False, style="plain")
    # the demo's single hospital (the largest circle) had been cut in half by the axes' edge
    _room_for_markers(ax, [c for c in ax.collections if isinstance(c, PathCollection)])
    # under the axes: inside, at the lower right, the key covered a clinic (SYN-C0003)
    legend = ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    # one marker size in the key: the hospital's had been drawn as large as the biggest hospital
    for handle in legend.legend_handles:
        if isinstance(handle, PathCollection):
            handle.set_sizes([30])
    _title(fig, "Referral network (clinic -> hospital)", synthetic)
    return fig


def _room_for_markers(ax: Any, collections: Sequence[Any]) -> None:
    """Widen the axes' limits so that every marker of ``collections`` (scatter circles, whose
    size is an area in points squared) lies whole inside the axes: the data limits hold only the
    centres. Call it once the axes' size is settled (after a colour bar)."""
    fig = ax.figure
    box = ax.get_position()
    ax.autoscale_view()
    offsets = np.vstack([np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2) for c in collections])
    if not np.isfinite(offsets).any():
        return
    radii = np.concatenate(
        [
            np.sqrt(np.broadcast_to(c.get_sizes(), len(c.get_offsets()))) / 2
            + max(c.get_linewidths(), default=0)
            + 2  # 2 pt of air
            for c in collections
        ]
    )
    for k, (limits, length) in enumerate(
        (
            (ax.get_xlim(), box.width * fig.get_figwidth() * 72),
            (ax.get_ylim(), box.height * fig.get_figheight() * 72),
        )
    ):
        low, high = limits
        for _ in range(60):  # each pass widens less: a marker is much smaller than the axes
            per_point = (high - low) / length
            wider = (
                min(low, float(np.nanmin(offsets[:, k] - radii * per_point))),
                max(high, float(np.nanmax(offsets[:, k] + radii * per_point))),
            )
            if wider == (low, high):
                break
            low, high = wider
        (ax.set_xlim if k == 0 else ax.set_ylim)(low, high)


def h3_figure(
    per_clinic: pd.DataFrame, summary: pd.DataFrame, synthetic: bool | None, planted: float | None = None
) -> Figure:
    """Effects in percentage points, as the CLI and the key figures state them; ``planted`` (0-1):
    the effect `triage report generate` planted, a dashed line with its key under the axis."""
    done = (
        per_clinic[per_clinic.get("status", pd.Series(dtype=object)) == "estimated"]
        if len(per_clinic)
        else per_clinic
    )
    # constrained: the note on the clinics left out (the axes' title) sat on the figure's title
    fig, ax = plt.subplots(figsize=(7, 1.8 + 0.22 * (len(done) + len(summary))), layout="constrained")
    labels: list[str] = []
    y = 0
    for rows, marker, color, name in (
        (done, "o", "#4477aa", "clinic_id"),
        (summary, "D", "#cc3311", "method"),
    ):
        for row in rows.to_dict("records"):
            effect, low, high = (100 * _number(row.get(k)) for k in ("effect", "ci_low", "ci_high"))
            if math.isnan(low) or math.isnan(high):  # no interval: the point alone, hollow
                ax.plot(effect, y, marker, markerfacecolor="white", color=color, markersize=5)
                labels.append(f"{row[name]} (no 95% CI)")
                y += 1
                continue
            ax.errorbar(
                effect, y, xerr=[[effect - low], [high - effect]], fmt=marker, color=color, markersize=4
            )
            labels.append(str(row[name]))
            y += 1
    ax.axvline(0, color="black", linewidth=0.6)
    if planted is not None and labels:
        ax.axvline(
            round(100 * planted, 6),
            color="#228833",
            linestyle="--",
            linewidth=1,
            label=f"planted effect {100 * planted:+.1f} points (SYNTHETIC-truth.json)",
        )
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    if not labels:
        # nothing estimated: an axis of 0.0 to 1.0 points, with no estimate on it, read as data
        ax.set_xticks([])
        ax.text(
            0.5,
            0.5,
            "no H3 estimate to plot; see the table",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
        )
    ax.set_xlabel("change in local-resolution share at digital-triage start (percentage points, 95% CI)")
    notes = [f"not shown: {_left_out(per_clinic)} (see the table)"] if len(done) < len(per_clinic) else []
    notes += [
        textwrap.fill(f"no 95% CI for the {row['method']}: {row['ci_not_estimable']}", 110)
        for row in summary.to_dict("records")
        if isinstance(row.get("ci_not_estimable"), str)
    ]
    notes += [
        f"dashed: {line.get_label()}"
        for line in ax.get_lines()
        if str(line.get_label()).startswith("planted")
    ]
    if notes:  # over the axes, where the constrained layout keeps it clear of the title and points
        ax.set_title("\n".join(notes), fontsize=8)
    _title(fig, "H3: effect of digital triage on local resolution", synthetic)
    return fig


def _number(value: Any) -> float:
    """A table cell as a float, NaN for a missing one (None in a row of objects)."""
    return float("nan") if value is None else float(value)


def _left_out(per_clinic: pd.DataFrame) -> str:
    """Why clinics are missing from the H3 plot, each reason with its count: a clinic that never
    started digital triage is not one 'without 3 months on each side of a start'."""
    status = per_clinic["status"]
    never = int((status == "never started").sum())
    short = int((status != "estimated").sum()) - never
    its = "its" if short == 1 else "their"
    parts = (
        [f"{counted(short, 'clinics')} without {MIN_MONTHS} months on each side of {its} start"]
        if short
        else []
    )
    parts += [f"{counted(never, 'clinics')} that never started digital triage"] if never else []
    return " and ".join(parts)
