"""Writing a report: CSV and Parquet tables, PNG plots, one self-contained HTML page.

Everything written here comes from the suppressed tables of :mod:`analytics.reports.report`; the
figures themselves are drawn by :mod:`analytics.reports.figures` and :mod:`analytics.reports.policy_figure`.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analytics.csvfiles import write_csv
from analytics.plotnotes import add_footer_line, add_source_line
from analytics.reports import jsonout
from analytics.reports.figures import (
    h3_figure,
    load_figure,
    local_share_figure,
    network_figure,
    tiers_figure,
)
from analytics.reports.impact import MONTHS_LEFT_OUT
from analytics.reports.indicators import PER_BED_PRIMARY
from analytics.reports.key_figures import NONE_TO_MEASURE, key_figures, small_cells
from analytics.reports.policy_figure import policy_figure
from analytics.reports.report import Report
from analytics.reports.schema import HOSPITAL_NOT_IN_DIRECTORY, NO_HOSPITAL_YET, TIER_NOT_RECORDED
from analytics.reports.simulate import policy_caption, risk_column_note

SYNTHETIC_BANNER = "SYNTHETIC DATA - generated for testing and teaching, not real clinics or patients"
PROVENANCE_BANNER = "PROVENANCE UNKNOWN - no manifest, so nothing says whether this is real or SYNTHETIC data"
#: What every output of a run with ``--exact-counts`` says: its small cells are not suppressed.
EXACT_COUNTS_BANNER = "EXACT COUNTS - small cells (counts from 1 to 4) are not suppressed: for internal use only, not for release"


def data_banners(
    synthetic: bool | None, provenance_unknown: Sequence[str], exact_counts: bool = False
) -> list[str]:
    """What a report must say about its data wherever it appears: SYNTHETIC if any input is,
    which inputs came without a manifest (a bare table: real or SYNTHETIC cannot be told), and
    that its counts are exact (``--exact-counts``: nothing suppressed)."""
    banners = [SYNTHETIC_BANNER] if synthetic else []
    if provenance_unknown:
        banners.append(f"{PROVENANCE_BANNER}: {', '.join(provenance_unknown)}")
    if exact_counts:
        banners.append(EXACT_COUNTS_BANNER)
    return banners


def suppression_note(exact_counts: bool) -> str:
    """What a table of counts' ``suppressed_cells`` column (on the page and in its files) and its
    files' ``exact_counts`` column are: its caption on the page, which showed the one and the files
    the other (false on every row) without a word of either."""
    if exact_counts:
        return (
            "suppressed_cells: 0 on every row: this run (--exact-counts) suppressed nothing, so counts"
            " from 1 to 4 are shown as they are; the table's CSV and Parquet files say so in"
            " exact_counts (true): for internal use only, not for release."
        )
    return (
        "suppressed_cells: how many of the row's cells the small-cell suppression blanked:"
        " counts from 1 to 4, the cells that would give one back by subtraction, and"
        " the rates built from them. The table's CSV and Parquet files add exact_counts beside it:"
        " false, as here; true only in a run with --exact-counts, which suppresses nothing."
    )


def write_tables(
    tables: dict[str, pd.DataFrame], folder: Path, synthetic: bool | None, exact_counts: bool = False
) -> list[Path]:
    """Every table as CSV and Parquet, each row carrying the report's ``synthetic`` flag in a last
    column (true: some input is SYNTHETIC; empty: provenance unknown), so a table copied out of the
    report still says what its numbers are; ``sources`` has a flag per input already. A table of
    counts (with ``suppressed_cells``) says beside that column whether its counts are exact
    (``exact_counts``: true with ``--exact-counts``, nothing suppressed: internal use only)."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, table in tables.items():
        frame = table
        if "suppressed_cells" in frame.columns:
            at = list(frame.columns).index("suppressed_cells") + 1
            frame = frame.copy()
            frame.insert(at, "exact_counts", exact_counts)
        frame = frame if "synthetic" in frame.columns else frame.assign(synthetic=synthetic)
        csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
        write_csv(frame, csv_path)
        frame.to_parquet(parquet_path, index=False)
        written += [csv_path, parquet_path]
    return written


def _stamped(fig: Figure, stamp: str) -> Figure:
    """``fig`` with ``stamp`` (:data:`EXACT_COUNTS_BANNER`, or nothing) in red under what it draws,
    above the source line :func:`_png` adds: a plot is often passed on alone."""
    add_footer_line(fig, stamp, color="#b00020", fontsize=8)
    return fig


def _png(fig: Figure, source: str) -> bytes:
    """The figure as PNG with ``source`` (where its numbers come from) in small print under it: a
    plot is often passed on alone, without the page or the tables."""
    add_source_line(fig, source)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def plot_local_share(
    region_month: pd.DataFrame, synthetic: bool | None, *, source: str, stamp: str = ""
) -> bytes:
    return _png(_stamped(local_share_figure(region_month, synthetic), stamp), source)


def plot_tiers(tier_month: pd.DataFrame, synthetic: bool | None, *, source: str, stamp: str = "") -> bytes:
    return _png(_stamped(tiers_figure(tier_month, synthetic), stamp), source)


def plot_network(
    edges: pd.DataFrame,
    hospitals: pd.DataFrame,
    facilities: pd.DataFrame,
    synthetic: bool | None,
    *,
    source: str,
    stamp: str = "",
) -> bytes:
    return _png(_stamped(network_figure(edges, hospitals, facilities, synthetic), stamp), source)


#: What ``tier_load`` and its plot measure, under the plot and in the table's caption: a hospital
#: tier's load is the arrivals the pooled clinics sent, not its patients; the plot and the page had
#: said "Load by tier against capacity" alone, and a secondary tier at 0.4 % of its capacity read as
#: hospitals nearly empty.
LOAD_MEANS = (
    "Load: primary - every encounter at the pooled clinics per day, against the clinics' daily"
    " capacity; secondary and tertiary - the referral arrivals from the pooled clinics per day, against"
    " the hospitals' daily capacity: the load these clinics send, not the hospitals' other patients nor"
    " their occupancy."
)


def plot_load(load: pd.DataFrame, synthetic: bool | None, *, source: str, stamp: str = "") -> bytes:
    fig = load_figure(load, synthetic)
    add_footer_line(fig, LOAD_MEANS, color="#222222")
    return _png(_stamped(fig, stamp), source)


def plot_h3(
    per_clinic: pd.DataFrame,
    summary: pd.DataFrame,
    synthetic: bool | None,
    *,
    source: str,
    planted: float | None = None,
    stamp: str = "",
) -> bytes:
    return _png(_stamped(h3_figure(per_clinic, summary, synthetic, planted), stamp), source)


def plot_policy(
    curve: pd.DataFrame, synthetic: bool | None, *, source: str, risk_column: str | None, stamp: str = ""
) -> bytes:
    """The policy trade-off, saying under its axes (above the source) what the risk column its
    ``risk >= r`` curves replay is: a teaching-data model's probability (none: NEWS2 alone)."""
    fig = policy_figure(curve, synthetic)
    if risk_column is not None:
        add_footer_line(fig, risk_column_note(risk_column), color="#222222")
    return _png(_stamped(fig, stamp), source)


def _img(data: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


SHARE_COLUMNS = frozenset(
    {
        "local_share",
        "referral_rate",
        "digital_share",
        "urgent_on_time_share",
        "justified_share",
        "share",
        "share_before",
        "referred_share",
        "observed_referred_share",
        "sensitivity",
        "load_vs_capacity",
    }
)
"""Table columns holding a share (0-1): the page shows them in %, as its key figures and plots."""
POINT_COLUMNS = frozenset({"effect", "ci_low", "ci_high", "se", "load_shift"})
"""Differences of shares (H3 effects and their intervals, the policy load shift): in points."""


def _in_units(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The page's copy of a table: shares in % and share differences in percentage points, one
    decimal, the unit in the column name (the CSV and Parquet files keep the 0-1 values); a
    threshold as given (0.15)."""
    out = frame.copy()
    formatters: dict[str, Any] = {}
    for col in frame.columns:
        unit = "%" if col in SHARE_COLUMNS else "points" if col in POINT_COLUMNS else None
        if unit is not None:
            name = f"{col} ({unit})"
            out = out.rename(columns={col: name})
            out[name] = 100 * frame[col].astype("float64")
            decimals = 2 if col == "se" else 1
            formatters[name] = lambda v, d=decimals: "suppressed/-" if pd.isna(v) else f"{v:.{d}f}"
        elif col.endswith("_threshold") and pd.api.types.is_float_dtype(frame[col]):
            # as given, on the 0.01 grid --thresholds takes and as the row's policy says it: 0.15,
            # 0.20 (three decimals had shown "0.150", a threshold nobody set)
            formatters[col] = lambda v: "suppressed/-" if pd.isna(v) else f"{v:.2f}"
        elif isinstance(frame[col].dtype, pd.Int64Dtype) and frame[col].isna().any():
            # to_html prints a nullable integer's <NA> as is, ignoring na_rep and formatters
            out[col] = frame[col].astype(object).where(frame[col].notna(), "suppressed/-")
    return out, formatters


def _table(
    frame: pd.DataFrame,
    limit: int = 60,
    not_applicable: dict[str, tuple[pd.Series, str | pd.Series]] | None = None,
    empty_because: pd.Series | None = None,
    caption: str | None = None,
) -> str:
    """``not_applicable``: column -> (rows, why) of cells that have no meaning, shown as the
    reason (``n/a (...)``, as a key figure with nothing to measure) instead of "suppressed/-"
    (``why``: one reason, or a reason per row).
    ``empty_because``: per row, why its empty cells are empty (None: suppressed or unknown), so a
    clinic that never started digital triage reads "n/a (never started)", not "suppressed/-".
    ``caption``: the table's own caption, over its header."""
    shown, formatters = _in_units(frame.head(limit))
    for col, (rows, why) in (not_applicable or {}).items():
        # the page's name of the column (a share's carries its unit) and its number format
        name = next(c for c in shown.columns if c == col or c.startswith(f"{col} ("))
        blank = rows.reindex(shown.index, fill_value=False).fillna(False).astype(bool)
        reason = why.reindex(shown.index) if isinstance(why, pd.Series) else why
        shown[name] = shown[name].astype(object).where(~blank, reason)
        number = formatters.get(name, lambda v: f"{v:.3f}" if isinstance(v, float) else str(v))
        formatters[name] = lambda v, f=number: (
            v if isinstance(v, str) else "suppressed/-" if pd.isna(v) else f(v)
        )
    if empty_because is not None:
        reasons = empty_because.reindex(shown.index)
        for col in shown.columns:
            cells = shown[col]
            empty = (cells.isna() | cells.astype(object).eq("suppressed/-")) & reasons.notna()
            if not empty.any():
                continue
            shown[col] = cells.astype(object).where(~empty, "n/a (" + reasons.astype(str) + ")")
            number = formatters.get(col, lambda v: f"{v:.3f}" if isinstance(v, float) else str(v))
            formatters[col] = lambda v, f=number: (
                v if isinstance(v, str) else "suppressed/-" if pd.isna(v) else f(v)
            )
    note = (
        f"<p>First {limit} of {len(frame)} rows; all rows in the CSV/Parquet file.</p>"
        if len(frame) > limit
        else ""
    )
    table = shown.to_html(
        index=False,
        na_rep="suppressed/-",
        float_format=lambda v: f"{v:.3f}",
        formatters=formatters,
        border=0,
    )
    # a header may break after an underscore, and a table still wider than the page scrolls in its
    # own box: region_month's 24 columns had run 1,500 pixels past the page's right edge
    table = re.sub(r"<th>([^<]*)</th>", lambda m: "<th>" + m.group(1).replace("_", "_<wbr>") + "</th>", table)
    if caption is not None:
        table = re.sub(
            r"(<table[^>]*>)",
            lambda m: f"{m.group(1)}<caption>{html.escape(caption)}</caption>",
            table,
            count=1,
        )
    return f'<div class="table">{table}</div>' + note


def _h3_summary_table(h3_summary: pd.DataFrame) -> str:
    """The H3 estimates' table on the page: an empty ``comparison_clinics`` (the time series
    compares each clinic with itself) and ``ci_not_estimable`` (an estimate with its interval) are
    said as such - they read "suppressed/-" and "None", as if a count had been withheld."""
    shown = h3_summary.copy()
    if "comparison_clinics" in shown:
        shown["comparison_clinics"] = [
            "n/a (each clinic against itself)" if pd.isna(v) else f"{int(v)}"
            for v in shown["comparison_clinics"]
        ]
    if "ci_not_estimable" in shown:
        shown["ci_not_estimable"] = ["" if not isinstance(v, str) else v for v in shown["ci_not_estimable"]]
    return _table(shown, empty_because=_no_interval(h3_summary))


def _no_interval(h3_summary: pd.DataFrame) -> pd.Series:
    """Why an H3 estimate's interval cells are empty (its ``ci_not_estimable``, said in that
    column), None where it has one: they read "suppressed/-", as if a count had been withheld."""
    said = h3_summary.get("ci_not_estimable", pd.Series(index=h3_summary.index, dtype=object))
    return said.where(said.isna(), "no 95% CI: see ci_not_estimable")


def _not_estimated(per_clinic: pd.DataFrame) -> pd.Series:
    """Why a clinic has no H3 estimate (its status), None for an estimated one."""
    status = per_clinic.get("status", pd.Series(index=per_clinic.index, dtype=object))
    return status.where(status != "estimated")


def _policy_table(curve: pd.DataFrame, risk_column: str | None, counts_note: str) -> str:
    """The policy curve on the page, captioned with what its ``risk >= r`` is over (a teaching-data
    model's probability); the two columns that say it on every row of the files are the caption,
    followed by ``counts_note`` (:func:`suppression_note`)."""
    shown = curve.drop(columns=["risk_column", "risk_column_label"], errors="ignore")
    return _table(
        shown,
        not_applicable=_nothing_to_measure("policy_curve", shown),
        caption=f"{policy_caption(risk_column)} {counts_note}",
    )


def _summary_html(summary: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(label)}</th><td style='text-align:left'>{html.escape(value)}</td></tr>"
        for label, value in key_figures(summary)
    )
    return f"<table>{rows}</table><p>Every figure, unrounded: <code>summary.json</code>.</p>"


CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:12px}td,th{padding:2px 6px;border-bottom:1px solid #ddd;text-align:right}
.banner{background:#b00020;color:#fff;padding:.5em 1em;font-weight:bold}img{max-width:100%}
.table{overflow-x:auto;max-width:100%}caption{text-align:left;padding:4px 0;font-style:italic}"""


#: What ``region_month``'s median is of, in its caption: the column named a median and not how
#: many referrals it was taken over (a median of 2 read as one of 2,000).
MEDIAN_OF = (
    "urgent_median_hours: the median of the hours from assessment to arrival of the row's"
    " urgent_arrived referrals (emergency and urgent referrals that arrived), so it is taken over as"
    " many referrals as urgent_arrived says, and is blank when that count is suppressed."
)


#: What each tier of referred encounters without a hospital of a known tier counts, in the caption
#: of ``tier_month`` for those that show. The demo's pool showed "unknown 10" beside a run that said
#: every facility was in the directory (the ten had no referral made yet), and one "unknown" said a
#: hospital missing from the directory and one listed there without a tier alike: a registration
#: missing and data missing, which an analyst follows up with different people.
TIER_UNKNOWN = {
    NO_HOSPITAL_YET: (
        f"{NO_HOSPITAL_YET}: encounters with a referral disposition (emergency transfer, urgent or"
        " routine referral) but no referral to a hospital recorded when the clinic exported (a"
        " clinician had not made it yet)."
    ),
    HOSPITAL_NOT_IN_DIRECTORY: (
        f"{HOSPITAL_NOT_IN_DIRECTORY}: referred to a hospital that no facility directory lists - its"
        " registration is missing (the notes above name it; --facilities gives the region's directory)."
    ),
    TIER_NOT_RECORDED: (
        f"{TIER_NOT_RECORDED}: referred to a hospital the facility directory lists without a tier of"
        " primary, secondary or tertiary - the tier is missing from its row, which was left out (the"
        " notes above name the hospital, the rejected inputs its file and line)."
    ),
}


def tier_caption(tiers: pd.Series) -> str:
    """What the tiers of referred encounters without a known tier count, for those in ``tiers``."""
    present = set(tiers.astype(str))
    return " ".join(text for tier, text in TIER_UNKNOWN.items() if tier in present)


#: Per table, a rate (or median) whose denominator is a published 0 and why it is empty: there is
#: nothing to measure, and "suppressed/-" had read as a small count withheld (a pool with no
#: completed referral showed its justified share so); the words are the key figures'.
NOTHING_TO_MEASURE: dict[str, dict[str, tuple[str, str]]] = {
    "region_month": {
        "urgent_on_time_share": ("urgent_arrived", NONE_TO_MEASURE["urgent_on_time_share"]),
        "urgent_median_hours": ("urgent_arrived", NONE_TO_MEASURE["urgent_on_time_share"]),
        "justified_share": ("completed", NONE_TO_MEASURE["justified_share"]),
    },
    "policy_curve": {"sensitivity": ("confirmed", "n/a (no referral confirmed as justified)")},
}


#: A facility's directory value the page shows for a facility the directory lacks (its exports had
#: no facilities table, or --facilities is another region's): "suppressed/-" had read as a small
#: count withheld, in a hospital's name and location too.
NOT_IN_DIRECTORY = "n/a (not in the facility directory)"
#: The directory's columns of ``hospital_centrality``: never suppressed, so empty means unknown.
DIRECTORY_COLUMNS = ("name", "tier", "region_code", "lon", "lat", "beds", "capacity")


def _hospitals_not_in_directory(hospitals: pd.DataFrame) -> dict[str, tuple[pd.Series, str | pd.Series]]:
    """``_table``'s ``not_applicable`` for ``hospital_centrality``: a directory value that is empty."""
    return {col: (hospitals[col].isna(), NOT_IN_DIRECTORY) for col in DIRECTORY_COLUMNS if col in hospitals}


def _load_not_applicable(load: pd.DataFrame) -> dict[str, tuple[pd.Series, str | pd.Series]]:
    """``_table``'s ``not_applicable`` for ``tier_load``: the primary row's per-bed figure
    (:data:`PER_BED_PRIMARY`), and capacity and beds the directory does not know (never suppressed),
    with the ratios they would divide a published count by."""
    primary = load["tier"] == "primary"
    known_patients = load["patients"].notna()
    per_bed_why = pd.Series(NOT_IN_DIRECTORY, index=load.index).where(~primary, PER_BED_PRIMARY)
    return {
        "capacity_per_day": (load["capacity_per_day"].isna(), NOT_IN_DIRECTORY),
        "beds": (load["beds"].isna(), NOT_IN_DIRECTORY),
        "load_vs_capacity": (known_patients & load["capacity_per_day"].isna(), NOT_IN_DIRECTORY),
        "patients_per_100_beds": (primary | (known_patients & load["beds"].isna()), per_bed_why),
    }


def _nothing_to_measure(name: str, frame: pd.DataFrame) -> dict[str, tuple[pd.Series, str | pd.Series]]:
    """``_table``'s ``not_applicable`` for the table ``name``: :data:`NOTHING_TO_MEASURE`."""
    return {
        col: (frame[count].eq(0).fillna(False), why)
        for col, (count, why) in NOTHING_TO_MEASURE.get(name, {}).items()
        if col in frame.columns and count in frame.columns
    }


def write_report(report: Report, out: Path) -> dict[str, Path]:
    """Write ``report.html``, ``summary.json``, ``tables/*.csv|parquet`` and ``plots/*.png``."""
    out.mkdir(parents=True, exist_ok=True)
    t = report.tables
    write_tables(t, out / "tables", report.synthetic, report.exact_counts)
    facilities = t["hospital_centrality"]
    synthetic, source = report.synthetic, report.source
    stamp = EXACT_COUNTS_BANNER if report.exact_counts else ""
    counts_note = suppression_note(report.exact_counts)
    plots: dict[str, bytes] = {
        "local_share": plot_local_share(t["region_month"], synthetic, source=source, stamp=stamp),
        "tiers": plot_tiers(t["tier_month"], synthetic, source=source, stamp=stamp),
        "load": plot_load(t["tier_load"], synthetic, source=source, stamp=stamp),
        "h3": plot_h3(
            t["h3_its_by_clinic"],
            t["h3_summary"],
            synthetic,
            source=source,
            planted=(report.summary.get("h3_planted") or {}).get("effect"),
            stamp=stamp,
        ),
        "policy": plot_policy(
            t["policy_curve"],
            synthetic,
            source=source,
            risk_column=report.summary["risk_column"],
            stamp=stamp,
        ),
    }
    if len(t["network_edges"]):
        plots["network"] = plot_network(
            t["network_edges"], facilities, report.facilities, synthetic, source=source, stamp=stamp
        )
    (out / "plots").mkdir(exist_ok=True)
    for name, data in plots.items():
        (out / "plots" / f"{name}.png").write_bytes(data)
    (out / "summary.json").write_text(jsonout.dumps(report.summary) + "\n", encoding="utf-8")
    banner = "".join(
        f'<p class="banner">{html.escape(b)}</p>'
        for b in data_banners(report.synthetic, report.provenance_unknown, report.exact_counts)
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
    sections = [
        ("Key figures", _summary_html(report.summary)),
        (
            "Rejected inputs",
            _table(t["rejections"]) if len(t["rejections"]) else "<p>Nothing was rejected.</p>",
        ),
        (
            "By region and month",
            _img(plots["local_share"], "local share")
            + _table(
                t["region_month"],
                not_applicable=_nothing_to_measure("region_month", t["region_month"]),
                caption=f"{MEDIAN_OF} {counts_note}",
            ),
        ),
        (
            "Encounters by tier",
            _img(plots["tiers"], "tiers")
            + _table(
                t["tier_month"],
                caption=" ".join(filter(None, (tier_caption(t["tier_month"]["tier"]), counts_note))),
            ),
        ),
        (
            "Referral network",
            (
                _img(plots["network"], "network")
                if "network" in plots
                else "<p>No referrals with a destination.</p>"
            )
            + _table(
                t["hospital_centrality"],
                not_applicable=_hospitals_not_in_directory(t["hospital_centrality"]),
                caption=counts_note,
            ),
        ),
        (
            "Load by tier against capacity",
            _img(plots["load"], "load")
            + _table(
                t["tier_load"],
                not_applicable=_load_not_applicable(t["tier_load"]),
                caption=f"{LOAD_MEANS} {counts_note}",
            ),
        ),
        (
            "H3: digital triage and local resolution",
            _img(plots["h3"], "H3")
            + _h3_summary_table(t["h3_summary"])
            + _table(
                t["h3_its_by_clinic"],
                empty_because=_not_estimated(t["h3_its_by_clinic"]),
                caption=f"{MONTHS_LEFT_OUT} {counts_note}",
            ),
        ),
        (
            "Counterfactual policy thresholds",
            _img(plots["policy"], "policy")
            + _policy_table(t["policy_curve"], report.summary["risk_column"], counts_note),
        ),
        ("Sources", _table(t["sources"])),
    ]
    body = "".join(f"<h2>{html.escape(h)}</h2>{content}" for h, content in sections)
    page = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Tier imbalance report</title>"
        f"<style>{CSS}</style></head><body>{banner}<h1>Tier imbalance and digital-triage impact</h1>"
        f"<p>{html.escape(report.source)}. Engine: {html.escape(report.engine)}. Small cells:"
        f" {html.escape(small_cells(report.summary))}.</p>"
        f"<ul>{notes}</ul>{body}{banner}</body></html>"
    )
    (out / "report.html").write_text(page, encoding="utf-8")
    return {
        "html": out / "report.html",
        "summary": out / "summary.json",
        "tables": out / "tables",
        "plots": out / "plots",
    }
