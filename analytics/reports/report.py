"""Building the imbalance and impact report: pool -> engine queries -> indicators -> tables.

This module wires the pure cores to an engine; :mod:`analytics.reports.render` writes the files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.reports import impact, indicators
from analytics.reports.engines import DuckDBEngine, Engine, SparkEngine, export_pooled, spark_session
from analytics.reports.errors import ReportInputError
from analytics.reports.pooling import Pool, pool, provenance_unknown
from analytics.reports.queries import REPORT_QUERIES, replay_histogram
from analytics.reports.schema import (
    EXACT_COUNTS,
    FORMAT_VERSION,
    HOSPITAL_NOT_IN_DIRECTORY,
    SMALL_CELL,
    TIER_NOT_RECORDED,
)
from analytics.reports.simulate import Thresholds, labelled, published, replay, risk_column_note
from analytics.reports.sources import Rejection, Source
from referral.errors import json_text
from referral.plurals import counted
from referral.value_sets import RISK_MODELS_LABEL

Progress = Callable[[str], None]

#: ``summary.json``'s format (its first key, ``format_version``). 3: an H3 estimate's ``ci_low``,
#: ``ci_high`` and ``se`` may be null beside its ``effect``, ``ci_not_estimable`` saying why (the
#: difference-in-differences with fewer than 2 clinics on a side). 2: rejections counted per kind
#: (``encounter_rows_rejected``, ``facility_rows_rejected``, ``facility_values_left_empty``,
#: ``files_rejected``). 1 (files without the key): one ``rows_rejected`` summing encounter rows,
#: facility rows and facility values left empty. Changes are listed in docs/analytics-reports.md.
SUMMARY_FORMAT = "clinic-triage-report-summary/3"


@dataclass
class Report:
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    engine: str
    synthetic: bool | None
    """True: some input is SYNTHETIC; None: none is, but some input's provenance is unknown."""
    notes: list[str] = field(default_factory=list)
    facilities: pd.DataFrame = field(default_factory=pd.DataFrame)
    provenance_unknown: list[str] = field(default_factory=list)
    """Inputs without a manifest: whether they are real or SYNTHETIC cannot be told."""
    directory_gap: str | None = None
    """Which pooled clinics and receiving hospitals the facility directory lacks, if any."""
    source: str = ""
    """Where the numbers come from (:func:`source_line`), under every plot and atop the page."""
    exact_counts: bool = False
    """Run with ``--exact-counts``: nothing is suppressed (internal use only; every output says so)."""


def small_cell_limit(exact_counts: bool) -> int:
    """The small-cell limit of the published tables: counts under it (from 1) are blanked, none
    with ``--exact-counts``."""
    return EXACT_COUNTS if exact_counts else SMALL_CELL


def suppressed_total(tables: dict[str, pd.DataFrame]) -> int:
    """The cells blanked in the published tables (counts and the rates built from them), as each
    table's ``suppressed_cells`` column counts them per row."""
    return sum(int(t["suppressed_cells"].sum()) for t in tables.values() if "suppressed_cells" in t)


def open_engine(name: str, pooled: Pool, work: Path, progress: Progress) -> Engine:
    if name == "duckdb":
        return DuckDBEngine(pooled.con)
    if name == "spark":
        progress("writing the pooled tables as Parquet for Spark")
        enc, fac, untiered = export_pooled(pooled.con, work / "pooled")
        progress("starting Spark")
        return SparkEngine(spark_session(), enc, fac, untiered)
    raise ReportInputError(f"--engine {json_text(name)}: expected duckdb or spark")


def rejections_table(pooled: Pool) -> pd.DataFrame:
    """One row per rejection: the file, which kind of input it is (``encounters`` or
    ``facilities``), the reason and the rows it affected (empty: the whole file)."""
    rows = [
        {"source": r.source, "table": r.table, "reason": r.reason, "rows": r.rows} for r in pooled.rejections
    ]
    frame = pd.DataFrame(rows, columns=["source", "table", "reason", "rows"])
    frame["rows"] = frame["rows"].astype("Int64")
    return frame


def rejection_counts(rejections: Sequence[Rejection]) -> dict[str, int]:
    """What was rejected, each count of its own things: encounter rows and facility rows left
    out of the pool, facility values left empty (their rows kept), whole files (or tables)."""
    return {
        "encounter_rows_rejected": sum(r.rows or 0 for r in rejections if r.table == "encounters"),
        "facility_rows_rejected": sum(
            r.rows or 0 for r in rejections if r.table == "facilities" and not r.rows_kept
        ),
        "facility_values_left_empty": sum(r.rows or 0 for r in rejections if r.rows_kept),
        "files_rejected": sum(1 for r in rejections if r.rows is None),
    }


def sources_table(pooled: Pool) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "source": s.label,
                "clinics": ", ".join(s.clinic_ids),
                "exported_at": s.exported_at,
                "synthetic": s.synthetic,
            }
            for s in pooled.sources
        ],
        columns=["source", "clinics", "exported_at", "synthetic"],
    )


def build(
    inputs: Sequence[Path],
    work: Path,
    *,
    engine: str = "duckdb",
    facilities_file: Path | None = None,
    risk_model: str | None = None,
    grid: list[Thresholds] | None = None,
    memory_limit: str = "3GB",
    progress: Progress | None = None,
    exact_counts: bool = False,
) -> Report:
    """``exact_counts``: publish every count as it is (``--exact-counts``, internal use only)."""
    say = progress or (lambda _m: None)
    pooled = pool(inputs, work, facilities_file=facilities_file, memory_limit=memory_limit, progress=say)
    runner = open_engine(engine, pooled, work, say)
    raw: dict[str, pd.DataFrame] = {}
    for name, sql in REPORT_QUERIES.items():
        say(f"query {name} on {runner.name}")
        raw[name] = runner.run(sql)
    risk_column = _risk_column(pooled, risk_model)
    say(f"query replay_histogram on {runner.name}")
    histogram = runner.run(replay_histogram(risk_column))
    return assemble(raw, histogram, pooled, runner.name, risk_column, grid, say, exact_counts)


def _risk_column(pooled: Pool, risk_model: str | None) -> str | None:
    if risk_model is None:
        return pooled.risk_columns[0] if pooled.risk_columns else None
    # the model's name (cvd10) or its column as every output names it (risk_cvd10): the column,
    # copied from "risk column risk_cvd10", was refused as "not in the pooled exports (found: cvd10)"
    for column in (f"risk_{risk_model}", risk_model):
        if column in pooled.risk_columns:
            return column
    found = ", ".join(c.removeprefix("risk_") for c in pooled.risk_columns) or "none"
    raise ReportInputError(
        f"--risk-model {json_text(risk_model)}: not in the pooled exports (found: {found})"
    )


def assemble(
    raw: dict[str, pd.DataFrame],
    histogram: pd.DataFrame,
    pooled: Pool,
    engine: str,
    risk_column: str | None,
    grid: list[Thresholds] | None,
    say: Progress,
    exact_counts: bool = False,
) -> Report:
    """Turn the engine's count tables into the published (suppressed) tables and key figures;
    ``exact_counts``: nothing suppressed."""
    from analytics.reports.simulate import default_grid

    facilities = raw["facilities"]
    tables: dict[str, pd.DataFrame] = {}
    say("computing indicators")
    limit = small_cell_limit(exact_counts)
    counts = indicators.published(raw, limit)
    for name in ("region_month", "tier_month", "network_edges", "hospital_centrality", "tier_load"):
        tables[name] = counts[name]
    say("estimating the H3 effect (interrupted time series, difference-in-differences)")
    directory = dict(zip(facilities["facility_id"], facilities["digital_triage_start"], strict=True))
    starts = impact.start_months(raw["clinic_month"], directory)
    # fitted on the clinic-months as published: on every month, blank ones too, an estimate gave a
    # clinic's one blank kept-local count back by subtraction (impact.fitted_months)
    per_clinic = impact.its_per_clinic(counts["clinic_month"], starts)
    its = impact.pooled_its(per_clinic)
    did = impact.stacked_did(counts["clinic_month"], starts)
    tables["h3_its_by_clinic"] = indicators.h3_by_clinic(per_clinic)
    tables["h3_summary"] = pd.DataFrame(
        [
            e.row(m)
            for m, e in (
                ("interrupted time series (pooled)", its),
                ("stacked difference-in-differences", did),
            )
            if e
        ]
    )
    if "comparison_clinics" in tables["h3_summary"]:  # a count: 3, not 3.0 beside the time series' blank
        tables["h3_summary"]["comparison_clinics"] = tables["h3_summary"]["comparison_clinics"].astype(
            "Int64"
        )
    tables["clinic_month"] = counts["clinic_month"]
    say("replaying alternative policy thresholds")
    curve = replay(histogram, grid or default_grid())
    tables["policy_curve"] = labelled(published(curve, limit), risk_column)
    tables["rejections"] = rejections_table(pooled)
    tables["sources"] = sources_table(pooled)
    totals = raw["region_month"][
        [
            "encounters",
            "local_care",
            "referred",
            "urgent_referrals",
            "urgent_arrived",
            "urgent_on_time",
            "completed",
            "justified",
        ]
    ].sum()
    summary: dict[str, Any] = {
        "format_version": SUMMARY_FORMAT,
        "engine": engine,
        "synthetic": pooled.synthetic,
        "provenance_unknown": provenance_unknown(pooled.sources),
        "rows_read": pooled.rows_read,
        "rows_pooled": pooled.rows_pooled,
        **rejection_counts(pooled.rejections),
        "sources": len(pooled.sources),
        "clinics": int(raw["clinic_month"]["clinic_id"].nunique()),
        "regions": int(raw["region_month"]["region_code"].nunique()),
        "months": int(raw["region_month"]["month"].nunique()),
        "local_share": _ratio(totals["local_care"], totals["encounters"]),
        "referral_rate": _ratio(totals["referred"], totals["encounters"]),
        "urgent_on_time_share": _ratio(totals["urgent_on_time"], totals["urgent_arrived"]),
        "justified_share": _ratio(totals["justified"], totals["completed"]),
        "risk_column": risk_column,
        # what the column is, as `report simulate --json` says it (the notes' risk_column_note)
        "risk_column_label": None if risk_column is None else RISK_MODELS_LABEL,
        "h3_its": None if its is None else its.row("its"),
        "h3_did": None if did is None else did.row("did"),
        # what the small-cell suppression blanked, or that it was off (--exact-counts)
        "exact_counts": exact_counts,
        "suppressed_cells": suppressed_total(tables),
    }
    summary["h3_planted"] = planted_effect(pooled.sources)
    hospitals = tables["hospital_centrality"]
    if len(hospitals):
        best = float(hospitals["standardized_in_degree"].iloc[0])
        tied = hospitals.loc[hospitals["standardized_in_degree"] == best, "facility_id"].astype(str)
        summary["top_hospital"] = {
            "facility_id": tied.iloc[0],
            "standardized_in_degree": best,
            # hospitals with the same centrality: one named alone read as the network's hub
            "tied_with": list(tied.iloc[1:]),
        }
    untiered = raw["facilities_untiered"]["facility_id"]
    absent = not_in_directory(
        facilities, raw["clinic_month"]["clinic_id"], raw["network"]["target"], also_known=untiered
    )
    summary["not_in_directory"] = absent
    # listed without a usable tier (their rows left out): data missing, not a registration
    summary["tier_not_recorded"] = not_in_directory(
        untiered.to_frame(), raw["clinic_month"]["clinic_id"], raw["network"]["target"], among=True
    )
    gap = directory_gap(absent, summary["tier_not_recorded"])
    notes = list(pooled.notes) + ([gap] if gap else [])
    h3_note = impact.left_out_note(int(per_clinic.get("months_left_out", pd.Series(dtype="int64")).sum()))
    notes += [h3_note] if h3_note else []
    notes.append(
        "Policy sensitivity is measured on completed referrals with hospital feedback only; patients kept"
        " local have no confirmed outcome, so it is an upper bound."
    )
    if risk_column is not None:
        notes.append(risk_column_note(risk_column))
    unknown = summary["provenance_unknown"]
    if unknown:
        notes.insert(
            0,
            f"Provenance unknown: {counted(len(unknown), 'input tables')} came without a manifest, so nothing"
            f" says whether {'it is' if len(unknown) == 1 else 'they are'} real or SYNTHETIC data:"
            f" {', '.join(unknown)}.",
        )
    if pooled.synthetic:
        notes.insert(0, "SYNTHETIC data: at least one input export is marked synthetic (teaching/test data).")
    return Report(
        tables,
        summary,
        engine,
        pooled.synthetic,
        notes,
        facilities,
        unknown,
        gap,
        source_line(pooled),
        exact_counts,
    )


#: What `triage report generate` writes at the top of its output folder: the planted H3 effect.
TRUTH_FILE = "SYNTHETIC-truth.json"


def planted_effect(sources: Sequence[Source]) -> dict[str, Any] | None:
    """The H3 effect `triage report generate` planted in the pooled exports (``effect``, ``file``),
    when every source is a SYNTHETIC export of one generated folder and the pool holds all its
    clinics (a part of them need not show the pool's effect); else None."""
    folders = {source.encounters.parent.parent for source in sources}
    if len(folders) != 1 or not all(source.synthetic for source in sources):
        return None
    truth_file = folders.pop() / TRUTH_FILE
    try:
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        effect, clinics = float(truth["true_effect_local_share"]), int(truth["clinics"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    pooled = {clinic for source in sources for clinic in source.clinic_ids}
    return {"effect": effect, "file": str(truth_file)} if len(pooled) == clinics else None


def source_line(pooled: Pool) -> str:
    """Where a report's numbers come from, in one line: the pooled encounters, clinics, months and
    exports (their format). It is printed under every plot, which is often passed on alone."""
    clinics, first, last = pooled.con.execute(
        "SELECT COUNT(DISTINCT clinic_id), strftime(MIN(encounter_day), '%Y-%m'),"
        " strftime(MAX(encounter_day), '%Y-%m') FROM encounters"
    ).fetchone() or (0, None, None)
    period = first if first == last else f"{first} to {last}"
    return (
        f"Source: {counted(pooled.rows_pooled, 'encounters')} from {counted(clinics, 'clinics')}, {period},"
        f" pooled from {counted(len(pooled.sources), f'{FORMAT_VERSION} inputs')}"
        f"{provenance([s.synthetic for s in pooled.sources])}"
        " by `triage report`"
    )


def provenance(synthetic: Sequence[bool | None]) -> str:
    """What of the inputs is SYNTHETIC or of unknown provenance (no manifest), as the source line
    under a plot says it (``, all SYNTHETIC (teaching/test data),``); empty when all are real."""
    made, unknown = sum(s is True for s in synthetic), sum(s is None for s in synthetic)
    if made and made == len(synthetic):
        return ", all SYNTHETIC (teaching/test data),"
    parts = [f"{made} of them SYNTHETIC (teaching/test data)"] if made else []
    parts += [f"{unknown} without a manifest (provenance unknown)"] if unknown else []
    return f", {' and '.join(parts)}," if parts else ""


def not_in_directory(
    facilities: pd.DataFrame,
    clinic_ids: pd.Series,
    hospital_ids: pd.Series,
    *,
    also_known: pd.Series | None = None,
    among: bool = False,
) -> dict[str, list[str]]:
    """Pooled clinics and receiving hospitals with no row in the facility directory (``also_known``:
    ids counted as in it); ``among``: those that are in ``facilities`` instead."""
    known = set(facilities["facility_id"].dropna().astype(str))
    known |= set() if also_known is None else set(also_known.dropna().astype(str))

    def pick(ids: pd.Series) -> list[str]:
        found = set(ids.dropna().astype(str))
        return sorted(found & known if among else found - known)

    return {"clinics": pick(clinic_ids), "hospitals": pick(hospital_ids)}


def _named(ids_by_kind: dict[str, list[str]], shown: int) -> tuple[str, bool]:
    """'1 clinic (A) and 2 receiving hospitals (B, C)', and whether it names one facility."""
    labels = {"clinics": "clinics", "hospitals": "receiving hospitals"}
    parts = []
    for kind, ids in ids_by_kind.items():
        if ids:
            listed = ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
            parts.append(f"{counted(len(ids), labels[kind])} ({listed})")
    return " and ".join(parts), sum(len(ids) for ids in ids_by_kind.values()) == 1


def directory_gap(
    absent: dict[str, list[str]], untiered: dict[str, list[str]] | None = None, shown: int = 5
) -> str | None:
    """One line on the facilities the directory lacks (a --facilities file of another region, or
    exports without their facilities table: a registration missing) and on those it lists without a
    usable tier (data missing, their rows left out), each said apart: the referrals to them count as
    tiers of their own, and their capacity, beds and location are missing, which the tables alone
    do not say. One ``'unknown'`` had said both."""
    said = []
    names, one = _named(absent, shown)
    if names:
        is_, its = ("is", "its") if one else ("are", "their")
        referred = (
            f", referrals to {'it' if one else 'them'} count as tier '{HOSPITAL_NOT_IN_DIRECTORY}'"
            if absent.get("hospitals")
            else ""
        )
        said.append(
            f"{names} {is_} not in it (a registration missing), so {its} capacity, beds and location are"
            f" missing{referred} (tier, load and network tables); give the region's directory with"
            " --facilities"
        )
    names, one = _named(untiered or {}, shown)
    if names:
        is_, its = ("is", "its") if one else ("are", "their")
        referred = (
            f", referrals to {'it' if one else 'them'} count as tier '{TIER_NOT_RECORDED}'"
            if (untiered or {}).get("hospitals")
            else ""
        )
        said.append(
            f"{names} {is_} in it without a tier of primary, secondary or tertiary (data missing: {its}"
            f" {'row was' if one else 'rows were'} left out, the rejected inputs say where), so {its}"
            f" capacity, beds and location are missing{referred}; record {its} tier in the clinic's"
            " facility directory"
        )
    return "facility directory: " + "; ".join(said) if said else None


def _ratio(num: Any, den: Any) -> float | None:
    return None if not den else float(num) / float(den)


@dataclass
class PolicyReplay:
    curve: pd.DataFrame
    synthetic: bool | None
    rejections: pd.DataFrame
    risk_column: str | None
    rows_pooled: int
    provenance_unknown: list[str] = field(default_factory=list)
    source: str = ""
    """Where the numbers come from (:func:`source_line`), under the plot."""
    exact_counts: bool = False
    """Run with ``--exact-counts``: nothing is suppressed (internal use only)."""


def simulate_policy(
    inputs: Sequence[Path],
    work: Path,
    *,
    engine: str = "duckdb",
    risk_model: str | None = None,
    grid: list[Thresholds] | None = None,
    memory_limit: str = "3GB",
    progress: Progress | None = None,
    exact_counts: bool = False,
) -> PolicyReplay:
    """Pool the inputs and replay the stored assessments under each threshold pair;
    ``exact_counts``: nothing suppressed."""
    from analytics.reports.simulate import default_grid

    say = progress or (lambda _m: None)
    pooled = pool(inputs, work, memory_limit=memory_limit, progress=say)
    runner = open_engine(engine, pooled, work, say)
    risk_column = _risk_column(pooled, risk_model)
    say(f"query replay_histogram on {runner.name}")
    curve = replay(runner.run(replay_histogram(risk_column)), grid or default_grid())
    return PolicyReplay(
        labelled(published(curve, small_cell_limit(exact_counts)), risk_column),
        pooled.synthetic,
        rejections_table(pooled),
        risk_column,
        pooled.rows_pooled,
        provenance_unknown(pooled.sources),
        source_line(pooled),
        exact_counts,
    )
