"""Indicators derived from the engines' count tables (pure pandas, no engine, no I/O).

Rates are computed from unsuppressed counts, then suppression (:mod:`analytics.reports.suppress`)
blanks every small count and every rate built from one before anything is published.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection

import numpy as np
import pandas as pd

from analytics.reports.disclosure import Cell, column_mask, hidden_cells, untiered_ids
from analytics.reports.schema import HOSPITAL_NOT_IN_DIRECTORY, SMALL_CELL, TIER_NOT_RECORDED
from analytics.reports.suppress import add_rates, suppress

REGION_RATES = {
    "local_share": ("local_care", "encounters"),
    "referral_rate": ("referred", "encounters"),
    "digital_share": ("digital", "encounters"),
    "urgent_on_time_share": ("urgent_on_time", "urgent_arrived"),
    "justified_share": ("justified", "completed"),
}


#: Decimals of ``region_month``'s ``urgent_median_hours``: the export's hours to arrival are to
#: 0.1 h, so the median of an even count of them is to 0.05 h.
MEDIAN_HOURS_DECIMALS = 2


def published(raw: dict[str, pd.DataFrame], small_cell: int = SMALL_CELL) -> dict[str, pd.DataFrame]:
    """The count tables as published: counts from 1 to ``small_cell - 1`` blank, then their
    complements (:mod:`analytics.reports.disclosure`), with every rate built from a blank count;
    :data:`~analytics.reports.schema.EXACT_COUNTS` blanks nothing (``--exact-counts``)."""
    hidden = hidden_cells(raw, small_cell)
    n = small_cell
    tables: dict[str, pd.DataFrame] = {}
    tables["region_month"] = region_month(raw["region_month"], hidden, n)
    tables["tier_month"] = tier_month(raw["tier_month"], hidden, n)
    tables["network_edges"], tables["hospital_centrality"] = network(
        raw["network"], raw["facilities"], hidden, n
    )
    tables["tier_load"] = tier_load(
        raw["clinic_month"], raw["hospital_month"], raw["facilities"], hidden, n, untiered_ids(raw)
    )
    tables["clinic_month"] = clinic_month(raw["clinic_month"].drop(columns=["first_digital_day"]), hidden, n)
    return tables


def _masks(
    hidden: set[Cell] | None, table: str, frame: pd.DataFrame, columns: list[str]
) -> dict[str, pd.Series]:
    if not hidden:
        return {}
    return {c: column_mask(hidden, table, c, frame.index, frame.index) for c in columns}


def region_month(
    counts: pd.DataFrame, hidden: set[Cell] | None = None, small_cell: int = SMALL_CELL
) -> pd.DataFrame:
    """Per region and month: encounters, local share, referral rate, urgency, timeliness, feedback."""
    out = add_rates(counts, REGION_RATES)
    counts_cols = [c for c in counts.columns if c not in ("region_code", "month", "urgent_median_hours")]
    out = suppress(
        out, counts_cols, REGION_RATES, _masks(hidden, "region_month", counts, counts_cols), small_cell
    )
    # The median of the urgent arrival times goes with their count (not counted as a blank count).
    # The export's hours are to 0.1 h, so a median is to 0.05 h: two decimals, without the
    # interpolation's residue (the CSV said 3.6500000000000004 where the page said 3.650).
    median = out["urgent_median_hours"].astype("float64").round(MEDIAN_HOURS_DECIMALS)
    out["urgent_median_hours"] = median.mask(out["urgent_arrived"].isna())
    return out


def tier_month(
    counts: pd.DataFrame, hidden: set[Cell] | None = None, small_cell: int = SMALL_CELL
) -> pd.DataFrame:
    """Encounters by the tier where care happened (primary = kept local), with each tier's share."""
    totals = counts.groupby(["region_code", "month"])["encounters"].transform("sum")
    out = counts.assign(region_month_total=totals)
    out = add_rates(out, {"share": ("encounters", "region_month_total")})
    cols = ["encounters", "region_month_total"]
    rates = {"share": ("encounters", "region_month_total")}
    return suppress(out, cols, rates, _masks(hidden, "tier_month", out, cols), small_cell)


def clinic_month(
    counts: pd.DataFrame, hidden: set[Cell] | None = None, small_cell: int = SMALL_CELL
) -> pd.DataFrame:
    """Per clinic and month: encounters, kept local, digitally triaged, and the local share."""
    rates = {"local_share": ("local_care", "encounters")}
    cols = ["encounters", "local_care", "digital"]
    hide = _masks(hidden, "clinic_month", counts, cols)
    return suppress(add_rates(counts, rates), cols, rates, hide, small_cell)


def network(
    edges: pd.DataFrame,
    facilities: pd.DataFrame,
    hidden: set[Cell] | None = None,
    small_cell: int = SMALL_CELL,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Edges (clinic -> hospital) and receiving hospitals with standardized in-degree centrality.

    In-degree = number of distinct clinics referring to the hospital; standardized by (N - 1),
    N = facilities in the network (as UCINET's normalized degree and networkx degree centrality).
    """
    nodes = sorted(set(edges["source"]) | set(edges["target"]))
    denominator = max(len(nodes) - 1, 1)
    hospitals = (
        edges.groupby("target")
        .agg(in_degree=("source", "nunique"), referrals=("referrals", "sum"))
        .reset_index()
        .rename(columns={"target": "facility_id"})
    )
    hospitals["standardized_in_degree"] = hospitals["in_degree"] / denominator
    info = facilities[["facility_id", "name", "tier", "region_code", "lon", "lat", "beds", "capacity"]]
    hospitals = hospitals.merge(info, on="facility_id", how="left").sort_values(
        "standardized_in_degree", ascending=False, kind="stable"
    )
    hospitals["in_degree"] = hospitals["in_degree"].astype("Int64")
    hospitals["referrals"] = hospitals["referrals"].astype("Int64")
    edge_hide = _masks(hidden, "network_edges", edges, ["referrals"])
    edge_out = suppress(edges, ["referrals"], hide=edge_hide, small_cell=small_cell)
    hide = {}
    if hidden:
        hide["referrals"] = column_mask(
            hidden, "hospital_centrality", "referrals", hospitals["facility_id"].astype(str), hospitals.index
        )
    hospitals_out = suppress(hospitals, ["referrals"], hide=hide, small_cell=small_cell)
    return edge_out.reset_index(drop=True), hospitals_out.reset_index(drop=True)


#: Why the primary row of ``tier_load`` has no ``patients_per_100_beds`` (blank in the CSV and
#: Parquet files, this text on the page): its ``patients`` are every encounter at the clinics,
#: visits that mostly use no bed, so dividing them by the clinics' few beds (0 at some) measured
#: nothing; ``load_vs_capacity`` is the primary row's load figure.
PER_BED_PRIMARY = "n/a (clinic encounters are visits, not bed use)"


def _days(month: str) -> int:
    year, mon = (int(p) for p in month.split("-"))
    return calendar.monthrange(year, mon)[1]


def tier_load(
    clinic_month: pd.DataFrame,
    hospital_month: pd.DataFrame,
    facilities: pd.DataFrame,
    hidden: set[Cell] | None = None,
    small_cell: int = SMALL_CELL,
    untiered: Collection[str] = (),
) -> pd.DataFrame:
    """Load by tier against capacity, per month.

    Primary: encounters per day at the pooled clinics against their daily capacity. Secondary and
    tertiary: referral arrivals per day from the pooled clinics against the hospitals' daily
    capacity, and arrivals per 100 beds per month (the bed-normalised referral burden:
    ``patients_per_100_beds`` = arrivals / beds x 100, beds summed over the tier's hospitals that
    the pooled clinics referred anyone to that month). This is the load the pooled clinics create, not the hospitals' total
    occupancy. The primary row has no ``patients_per_100_beds`` (:data:`PER_BED_PRIMARY`); its
    ``beds`` are the pooled clinics' own. A hospital the directory does not give a tier is
    :data:`~analytics.reports.schema.TIER_NOT_RECORDED` when it is in ``untiered`` (listed without a
    usable tier), else :data:`~analytics.reports.schema.HOSPITAL_NOT_IN_DIRECTORY`.
    """
    fac = facilities.set_index("facility_id")
    primary = clinic_month.groupby("month").agg(patients=("encounters", "sum")).reset_index()
    clinics = clinic_month.groupby("month")["clinic_id"].unique()
    primary["tier"] = "primary"
    # counts, summed over the facilities the directory knows; blank (not 0) when it knows none
    for column, name in (("capacity", "capacity_per_day"), ("beds", "beds")):
        primary[name] = pd.array(
            [
                fac.reindex(list(clinics[m]))[column].astype("Int64").sum(min_count=1)
                for m in primary["month"]
            ],
            dtype="Int64",
        )
    hosp = hospital_month.merge(
        fac[["tier", "capacity", "beds"]], left_on="facility_id", right_index=True, how="left"
    )
    listed = hosp["facility_id"].astype(str).isin(set(untiered))
    why = pd.Series(np.where(listed, TIER_NOT_RECORDED, HOSPITAL_NOT_IN_DIRECTORY), index=hosp.index)
    hosp["tier"] = hosp["tier"].fillna(why)
    second = (
        hosp.groupby(["month", "tier"])[["arrivals", "capacity", "beds"]]
        .sum(min_count=1)
        .rename(columns={"arrivals": "patients", "capacity": "capacity_per_day"})
        .reset_index()
    )
    out = pd.concat([primary, second], ignore_index=True)
    days = out["month"].map(_days).astype(float)
    out["patients_per_day"] = out["patients"].astype(float) / days
    cap = out["capacity_per_day"].astype("Float64").astype(float)
    out["load_vs_capacity"] = out["patients_per_day"] / cap.where(cap > 0)
    beds = out["beds"].astype("Float64").astype(float)
    per_bed = out["patients"].astype(float) / beds.where(beds > 0) * 100.0
    out["patients_per_100_beds"] = per_bed.where(out["tier"] != "primary")  # PER_BED_PRIMARY
    for count in ("patients", "capacity_per_day", "beds"):  # counts: 348, not 348.000 or 348.0
        out[count] = out[count].astype("Int64")
    out = out[
        [
            "month",
            "tier",
            "patients",
            "patients_per_day",
            "capacity_per_day",
            "load_vs_capacity",
            "beds",
            "patients_per_100_beds",
        ]
    ]
    out = out.sort_values(["month", "tier"]).reset_index(drop=True)
    hide = {}
    if hidden:  # only the primary row of a month is part of a published relation
        month_blank = column_mask(hidden, "tier_load", "patients", out["month"].astype(str), out.index)
        hide["patients"] = month_blank & (out["tier"] == "primary")
    published = suppress(out, ["patients"], hide=hide, small_cell=small_cell)
    for col in ("patients_per_day", "load_vs_capacity", "patients_per_100_beds"):
        # a ratio of a blank count is blank, and counted as region_month counts a rate's blank
        # (the primary row's per-bed figure, n/a by design, and a ratio without a capacity or
        # beds to divide by are no withheld cells)
        blanked = published["patients"].isna() & published[col].notna()
        published[col] = published[col].mask(blanked)
        published["suppressed_cells"] += blanked.astype("int64")
    return published


def h3_by_clinic(per_clinic: pd.DataFrame) -> pd.DataFrame:
    """``h3_its_by_clinic`` as published, with ``suppressed_cells`` (0: nothing in it is blanked).

    Its estimates and ``share_before`` are fitted on the clinic-months as published
    (:func:`analytics.reports.impact.fitted_months`; ``months_left_out`` counts the months each
    clinic's fit left out for a blank count), so they are functions of the published
    ``clinic_month`` and give no blank back: fitted on every month, a clinic's ``effect`` gave its
    one blank kept-local count back (the estimate is linear in the months' counts, with weights the
    published encounters fix), and ``share_before`` x its months' encounters did too."""
    return per_clinic.assign(suppressed_cells=pd.Series(0, index=per_clinic.index, dtype="int64"))
