"""`triage study rebuild`: the study's mobility-network analysis in one call.

Steps: data (embedded: generated from the seed; or an analyst's folder) -> Figure 2 edge lists
-> Models 1-3 per frame (Tables 3 and 4) -> centrality (Figure 7), facility maps (Figure 6),
tier imbalance (Figures 3 and 5) -> comparison with the paper -> HTML + CSV + Parquet in ``out``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.csvfiles import write_csv
from analytics.study import figures
from analytics.study.comparison import (
    centrality_comparison,
    coefficient_comparison,
    fit_comparison,
    hypotheses,
    imbalance_comparison,
    not_reproduced,
    p_text,
)
from analytics.study.dataset import GEOPROX_COMPUTED, Frame, StudyData, StudyDataError, load_study
from analytics.study.generator import ATTRIBUTION, DEFAULT_SEED, GENERATOR, SYNTHETIC_NOTICE, generate
from analytics.study.hypothesis import HypothesisCheck
from analytics.study.imbalance import imbalance_file_table, imbalance_table, occupancy_summary
from analytics.study.models import NODE_ATTRIBUTES, FrameFits, fit_frame, long_table, side_by_side
from analytics.study.report import ReportSection, hypotheses_html, image_html, render, table_html
from referral.plurals import counted

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RebuildResult:
    out: Path
    report: Path
    synthetic: bool
    synthetic_parts: str
    """What of a SYNTHETIC study is generated, as its study.json says (empty: it does not say)."""
    tables: dict[str, pd.DataFrame]
    hypotheses: list[HypothesisCheck]
    files: list[Path]
    comparison_summary: str = ""
    """Which published coefficients the rebuild does not reproduce, how close the others are, and
    Figure 7 against the paper's words; :data:`NOT_COMPARED` without frames called national and
    zhejiang."""
    fitted_by: dict[str, str] | None = None
    """Per frame, which engine fitted Models 1-3 (:meth:`FrameFits.fitted_by`): this one, or R's
    ergm or glm with R's version."""
    notes: tuple[str, ...] = ()
    """The frames' notes on rows from a unit to itself that were ignored (``note: FILE: 2 rows from
    a unit to itself ignored (lines 5, 7): ...``), which `triage study rebuild` prints on stderr."""
    fitted_with: dict[str, dict[str, Any]] | None = None
    """Per frame, what fitted Models 1-3 as `triage study fit --json` records it: ``backend``,
    ``r_version``, ``ergm_version`` and ``software`` (:meth:`FrameFits.versions`)."""


def _write_table(
    out: Path,
    name: str,
    table: pd.DataFrame,
    files: list[Path],
    index: bool = False,
    synthetic: bool | None = None,
    stamp: str = "",
) -> None:
    """CSV and Parquet. ``synthetic`` labels a table built from (partly) SYNTHETIC data: a last
    ``synthetic`` column in a tidy table, a final ``data`` row in a paper-layout table (``index``)
    saying ``stamp`` (the frame's, naming what is generated), so the file says so wherever it is
    copied to."""
    if synthetic is not None and not index and "synthetic" not in table.columns:
        table = table.assign(synthetic=synthetic)
    if synthetic and index:
        note = pd.DataFrame(
            [[f"{stamp}; these estimates are not the paper's"] + [None] * (len(table.columns) - 1)],
            columns=table.columns,
        )
        table = pd.concat([table, note.set_axis(pd.Index(["data"], name=table.index.name))])
    csv_path = out / f"{name}.csv"
    write_csv(table, csv_path, index=index)
    parquet_path = out / f"{name}.parquet"
    (table.reset_index() if index else table).to_parquet(parquet_path, index=False)
    files += [csv_path, parquet_path]


#: What a cell of the paper-layout tables holds, as R's summary(ergm) legend says it.
SIGNIFICANCE_NOTE = (
    "Each cell: coefficient, stars, (standard error); *** p < 0.001, ** p < 0.01, * p < 0.05, . p < 0.1."
)


def _imbalance_shown(imbalance: pd.DataFrame) -> pd.DataFrame:
    """The page's copy of Figures 3 and 5's numbers as they are written (3,880,000,000 visits,
    74.55 and 78.2 percent, as the figure's bars say): the default float format had printed
    3.880000e+09 and 7.455000e+01."""
    shown = imbalance[["label", "value", "unit", "status", "source"]].astype(object)
    shown["value"] = [f"{v:,.0f}" if float(v).is_integer() else f"{v:,g}" for v in imbalance["value"]]
    return shown


def _drawn_with(manifest: dict[str, Any], frame_key: str) -> dict[str, Any] | None:
    """The coefficients a SYNTHETIC study's frame was drawn with (study.json's
    ``true_coefficients``, which the embedded dataset's generator writes), or None."""
    if manifest.get("synthetic") is not True:
        return None
    truth = manifest.get("true_coefficients")
    frame = truth.get(frame_key) if isinstance(truth, dict) else None
    return frame if isinstance(frame, dict) else None


def _comparison_shown(comparison: pd.DataFrame) -> pd.DataFrame:
    """The page's copy of the comparison: the paper's numbers as printed (its coefficients as the
    CSV's paper_printed, the numeric paper_coef left to the CSV; its standard errors as paper_se
    holds them, printed), the rebuild's to four significant digits (six decimals had shown GDP's
    3.4e-06 as 0.000003), p values to two, yes/no/unknown for the checks, no empty SE printed as
    "None"; the sources are said above the table (the CSV keeps them per row)."""
    shown = comparison.drop(columns=["paper_coef", "paper_source", "rebuilt_from"]).astype(object)
    shown["paper_se"] = ["" if not isinstance(v, str) else v for v in comparison["paper_se"]]
    for column, form in (
        ("rebuilt_coef", ".4g"),
        ("rebuilt_se", ".4g"),
        ("difference_se", "+.1f"),  # a distance in standard errors: one decimal
        ("drawn_with", ".4g"),
    ):
        if column not in comparison:  # drawn_with: only a comparison that knows it (coefficient_comparison)
            continue
        # the rebuild's numbers, each in its form
        shown[column] = [
            "" if value is None or pd.isna(value) else format(float(value), form)
            for value in comparison[column]
        ]
    shown["rebuilt_p"] = [p_text(p) for p in comparison["rebuilt_p"]]
    for column in ("same_sign", "same_significance", "paper_in_rebuilt_ci95", "reproduced"):
        shown[column] = [{True: "yes", False: "NO"}.get(v, "unknown") for v in comparison[column]]
    if "drawn_in_rebuilt_ci95" in comparison:  # empty where the data do not say what they were drawn with
        shown["drawn_in_rebuilt_ci95"] = [
            {True: "yes", False: "NO"}.get(v, "") for v in comparison["drawn_in_rebuilt_ci95"]
        ]
    return shown


def _formatted(table: pd.DataFrame, formats: dict[str, str], names: dict[str, str]) -> pd.DataFrame:
    """A page's copy of ``table``: each column of ``formats`` written with its format, then the
    columns renamed as ``names`` says."""
    shown = table.astype(object)
    for column, form in formats.items():
        shown[column] = [format(v, form) for v in table[column]]
    return shown.rename(columns=names)


def _centrality_shown(top: pd.DataFrame) -> pd.DataFrame:
    """The page's top units: coordinates to two decimals (about a kilometre) and the centrality
    to three, each with its unit, where six decimals had been printed (121.473662, 0.658537)."""
    return _formatted(
        top,
        {"lon": ".2f", "lat": ".2f", "std_in_degree": ".3f"},
        {
            "lon": "lon (degrees east)",
            "lat": "lat (degrees north)",
            "in_degree": "in-degree (units sending)",
            "std_in_degree": "standardized in-degree (in-degree / (n - 1))",
        },
    )


def _attraction_shown(attraction: pd.DataFrame) -> pd.DataFrame:
    """The page's copy of the attraction chart's numbers: whole counts, the share in percent to
    one decimal as the chart's axis reads it."""
    return _formatted(
        attraction,
        {"share_realised": ".1%", "hth_min": "g", "hth_max": "g"},
        {
            "hth_min": "HTH from",
            "hth_max": "HTH to",
            "ties_received": "ties received",
            "possible_ties": "possible ties (units x (n - 1))",
            "share_realised": "share realised",
        },
    )


def _great_circle_geoprox(study: StudyData, frame: Frame) -> bool:
    """Whether a frame's GeoProx is 100 km / great-circle distance: computed from the seats'
    coordinates (no matrix given), or the matrix the embedded dataset's generator wrote."""
    return GEOPROX_COMPUTED in frame.notes or study.manifest.get("generator") == GENERATOR


def _fit_shown(fit: pd.DataFrame) -> pd.DataFrame:
    """The page's AIC and BIC: four decimals as Tables 3 and 4 print them (six had been shown next
    to the paper's four), "not printed" where the paper gives none (it had read "None") and NA
    where the rebuild has none, as the tables say; the paper's number of parameters "not printed"
    where it prints no AIC and BIC to tell it."""
    shown = fit.drop(columns=["paper_source"]).astype(object)
    shown["paper_parameters"] = ["not printed" if pd.isna(k) else int(k) for k in fit["paper_parameters"]]
    for column in ("paper_aic", "paper_bic", "rebuilt_aic", "rebuilt_bic"):
        missing = "not printed" if column.startswith("paper") else "NA"
        shown[column] = [
            missing if value is None or pd.isna(value) else f"{float(value):.4f}" for value in fit[column]
        ]
    return shown


#: The comparison's summary when the study has no frames to compare (the CLI's line and --json's
#: ``comparison_with_paper``, which had been an empty string where the text said this).
NOT_COMPARED = (
    "Not compared with the paper: the study data has no frames called national and zhejiang"
    " (docs/study-data-format.md)."
)


def supplied_data_labels(data: Path, synthetic_parts: str = "") -> tuple[str, str]:
    """The SYNTHETIC notice and the attribution for an analyst's own folder (``--data``).

    The embedded dataset's texts name its generator and the census sources; neither describes data
    someone else made, so a report on it says only what its ``study.json`` declares.
    """
    parts = f" (SYNTHETIC: {synthetic_parts})" if synthetic_parts else ""
    notice = (
        f"SYNTHETIC DATA: {data / 'study.json'} marks this study data as generated{parts}. It is not "
        "observed data; conclusions drawn from it reflect how it was made."
    )
    attribution = f"Study data: {data} (given with --data); its sources are for its provider to state."
    return notice, attribution


def fitting_said(key: str, units: int) -> str:
    """The progress line of a frame's fit, its counts as every count is said ("82,656 dyads": the
    national frame's read "82656 dyads")."""
    return (
        f"fitting Models 1-3 for {key} ({counted(units, 'units')}, {counted(units * (units - 1), 'dyads')})"
    )


def rebuild(
    out: Path,
    data: Path | None = None,
    seed: int = DEFAULT_SEED,
    backend: str = "python",
    progress: Progress | None = None,
) -> RebuildResult:
    """Run the whole rebuild; ``data=None`` uses the embedded (partly SYNTHETIC) dataset."""
    out.mkdir(parents=True, exist_ok=True)
    tick = progress or (lambda step, done, total: None)
    total = 6
    notice, attribution = SYNTHETIC_NOTICE, ATTRIBUTION
    if data is None:
        tick(
            "generating the embedded dataset (real census geography, SYNTHETIC attributes and flows)",
            0,
            total,
        )
        data = generate(out / "data", seed=seed)
        embedded = True
    else:
        embedded = False
    tick("reading the study data", 1, total)
    study: StudyData = load_study(data, NODE_ATTRIBUTES)
    if not embedded:
        notice, attribution = supplied_data_labels(data, study.synthetic_parts)
    keys = [f.key for f in study.frames]
    files: list[Path] = []
    tables: dict[str, pd.DataFrame] = {}
    sections: list[ReportSection] = []
    fits: dict[str, FrameFits] = {}
    for i, frame in enumerate(study.frames):
        tick(fitting_said(frame.key, frame.n), 2, total)
        fits[frame.key] = fit_frame(frame, backend=backend)
        wide = side_by_side(fits[frame.key])
        name = f"table_{frame.key}"
        tables[name] = wide
        _write_table(out, name, wide, files, index=True, synthetic=frame.synthetic, stamp=frame.stamp)
        coefficients = long_table(fits[frame.key])
        tables[f"coefficients_{frame.key}"] = coefficients
        _write_table(out, f"coefficients_{frame.key}", coefficients, files, synthetic=frame.synthetic)
        label = frame.table or f"Frame {i + 1}"
        # counts with thousands separators, as the figures' titles and the CLI write them (2,611 ties)
        note = f"<p class='note'>{frame.n:,} units, {len(frame.edges):,} ties"
        note += (
            f" from {frame.n_moves:,} individual moves (tie = at least {frame.min_movers:,} mover)"
            if frame.n_moves
            else ""
        )
        loops = frame.self_loops.removeprefix("note: ")
        note += (
            ". "
            + " ".join([*frame.notes, *([html.escape(loops) + "."] if loops else [])])
            + f" {fits[frame.key].best_note()} {html.escape(fits[frame.key].fitted_by())}"
            + f" {html.escape(SIGNIFICANCE_NOTE)}</p>"
        )
        sections.append(ReportSection(f"{label}: {frame.title} - Models 1-3", note + table_html(wide)))

    for frame in study.frames:
        # each frame's simulations and figures, named: "drawing figures" alone stood for half a
        # minute of the embedded rebuild with no further word
        tick(f"drawing figures for {frame.key}: goodness of fit of Model 3 (40 simulated networks)", 3, total)
        edges_path = out / f"figure2_edges_{frame.key}.csv"
        edges = frame.edges if "synthetic" in frame.edges else frame.edges.assign(synthetic=frame.synthetic)
        write_csv(edges, edges_path)
        files.append(edges_path)
        centrality = figures.in_degree_centrality(frame)
        _write_table(out, f"figure7_centrality_{frame.key}", centrality, files, synthetic=frame.synthetic)
        tables[f"centrality_{frame.key}"] = centrality
        attraction = figures.attraction_table(frame)
        _write_table(out, f"attraction_hth_{frame.key}", attraction, files, synthetic=frame.synthetic)
        gof = fits[frame.key].fits["Model 3"].gof(nsim=40, seed=seed)
        _write_table(out, f"gof_degree_{frame.key}", gof, files, synthetic=frame.synthetic)
        # the same 40 networks (same seed): shared partners and distances, which no term of Models
        # 1-3 models, so only this shows whether the data cluster or reach further than they draw
        structure = fits[frame.key].fits["Model 3"].gof_structure(nsim=40, seed=seed)
        _write_table(out, f"gof_structure_{frame.key}", structure, files, synthetic=frame.synthetic)
        tick(f"drawing figures for {frame.key}: Figures 2, 6, 7, attraction and goodness of fit", 3, total)
        pngs = [
            figures.network_map(frame, out / f"figure2_network_{frame.key}.png"),
            figures.facility_maps(frame, out / f"figure6_facilities_{frame.key}.png"),
            figures.centrality_chart(frame, centrality, out / f"figure7_centrality_{frame.key}.png"),
            figures.tie_probability_by_hth(frame, out / f"attraction_hth_{frame.key}.png"),
            *(
                chart(
                    table,
                    f"{title}, Model 3 - {frame.title}",
                    out / f"{stem}_{frame.key}.png",
                    source=frame.source,
                    stamp=frame.stamp,
                )
                for chart, table, title, stem in (
                    (figures.degree_gof_chart, gof, "Goodness of fit", "gof_degree"),
                    (
                        figures.structure_gof_chart,
                        structure,
                        "Goodness of fit beyond degrees",
                        "gof_structure",
                    ),
                )
            ),
        ]
        files += pngs
        top = centrality.head(10)
        sections.append(
            ReportSection(
                f"Figures 2, 6, 7: {frame.title}",
                "".join(image_html(p, p.stem) for p in pngs)
                + "<p>Top 10 by standardized in-degree:</p>"
                + table_html(_centrality_shown(top), index=False)
                + "<p>Attraction by high-tier hospitals, the chart's numbers"
                f" (attraction_hth_{html.escape(frame.key)}.csv):</p>"
                + table_html(_attraction_shown(attraction), index=False),
            )
        )
    tick("drawing Figures 3 and 5", 3, total)
    imbalance = imbalance_table()
    _write_table(out, "figures3_5_imbalance", imbalance_file_table(imbalance), files)
    tables["imbalance"] = imbalance
    png = figures.imbalance_chart(imbalance, out / "figures3_5_imbalance.png")
    files.append(png)
    sections.append(
        ReportSection(
            "Figures 3 and 5: the tier imbalance",
            image_html(png, "imbalance")
            + "<p class='note'>Each figure carries its status: official statistics, or quoted by the study and not verified.</p>"
            + table_html(_imbalance_shown(imbalance), index=False),
        )
    )

    tick("comparing with the paper", 4, total)
    checks: list[HypothesisCheck] = []
    summary = ""
    if {"national", "zhejiang"} <= set(keys):
        comparison = pd.concat(
            [
                coefficient_comparison(fits[key], _drawn_with(study.manifest, key))
                for key in ("national", "zhejiang")
            ],
            ignore_index=True,
        )
        tables["comparison"] = comparison
        compared = [f.synthetic for f in study.frames if f.key in ("national", "zhejiang")]
        _write_table(out, "comparison_with_paper", comparison, files, synthetic=any(compared))
        checks = hypotheses(fits["national"], fits["zhejiang"], occupancy_summary(imbalance))
        caveat = ""
        if study.synthetic and embedded:
            caveat = (
                "<p class='note'>The embedded flows are SYNTHETIC: they were drawn with study.json's "
                "true_coefficients (the comparison's drawn_with column) - the paper's printed values where it "
                "gives them, 0 where the paper finds no effect, documented choices elsewhere - so agreement here "
                "shows the pipeline recovers what the generator put in; it is not independent evidence. Run the "
                "rebuild on real data with --data to test the hypotheses.</p>"
            )
        elif study.synthetic:
            caveat = (
                "<p class='note'>This data is marked SYNTHETIC, so agreement with the paper here is not "
                "evidence for the hypotheses.</p>"
            )
        summary = " ".join(
            filter(
                None,
                [
                    not_reproduced(comparison),
                    centrality_comparison("zhejiang", tables["centrality_zhejiang"]),
                    imbalance_comparison(imbalance),
                ],
            )
        )
        fit = pd.concat(
            [
                fit_comparison(fits[key], _great_circle_geoprox(study, fits[key].frame))
                for key in ("national", "zhejiang")
            ],
            ignore_index=True,
        )
        tables["comparison_fit"] = fit
        _write_table(out, "comparison_fit_with_paper", fit, files, synthetic=any(compared))
        sources = (
            "<p class='note'>paper_*: the paper's Model 3 (Tables 3 and 4) as quoted in its text, the only"
            " values it gives (analytics/data/paper-figures.json); rebuilt_*: Model 3 fitted by this rebuild"
            " on the data above (rebuilt_from). Reproduced means the same significance at 0.05, the same sign"
            " where either is significant, and the printed value inside the rebuild's 95% confidence"
            " interval.</p>"
        )
        sections.append(
            ReportSection(
                "Comparison with the published estimates (Model 3)",
                caveat
                + sources
                + f"<p><strong>{html.escape(summary)}</strong></p>"
                + f"<div class='verdicts'>{table_html(_comparison_shown(comparison), index=False)}</div>"
                + "<p>AIC and BIC of Models 1-3 (the paper prints them for Table 4 only; its source, with"
                " the caveat on their digits, in comparison_fit_with_paper.csv). The rebuild's are of the data"
                " above; they can equal the paper's only on the paper's data.</p>"
                + table_html(_fit_shown(fit), index=False)
                + hypotheses_html(checks),
            )
        )
    else:
        summary = NOT_COMPARED
        sections.append(
            ReportSection(
                "Comparison with the published estimates",
                "<p>The data folder does not have frames named 'national' and 'zhejiang', so the rebuilt "
                "estimates are not compared with the paper's.</p>",
            )
        )
    tick("writing the report", 5, total)
    report = render(
        out / "report.html", f"Study rebuild - {study.title}", study.synthetic, sections, attribution, notice
    )
    files.append(report)
    tick("done", total, total)
    notes = tuple(frame.self_loops for frame in study.frames if frame.self_loops)
    return RebuildResult(
        out,
        report,
        study.synthetic,
        study.synthetic_parts,
        tables,
        checks,
        files,
        summary,
        {key: frame_fits.fitted_by() for key, frame_fits in fits.items()},
        notes,
        {key: frame_fits.versions() for key, frame_fits in fits.items()},
    )


__all__ = ["NOT_COMPARED", "RebuildResult", "StudyDataError", "rebuild"]
