"""`triage study rebuild`: the study's mobility-network analysis in one command."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from analytics.study import DEFAULT_SEED
from referral.errors import UserInputError
from referral.plurals import counted
from triage.cli.analysis_options import BackendName, BackendOption, JsonOption, QuietOption, seed_option
from triage.cli.output import examples, step_progress, write
from triage.cli.paths import WRITTEN_MANIFEST, output_folder, replace_earlier_outputs

#: ``--json``'s format (its first key, ``format_version``, as ``summary.json`` of `triage report
#: imbalance`); changed whenever a key is renamed or removed. Changes are listed in docs/study.md.
REBUILD_FORMAT = "clinic-triage-study-rebuild/2"
#: The first progress line, before the analysis libraries are imported.
LOADING = "loading the analysis libraries"


#: Every file the command writes in --out, as its --help lists them (FRAME: each frame's key; a
#: test holds the list and a run's files equal; docs/study.md describes each).
OUTPUTS = (
    ("report.html", "the report, figures embedded"),
    ("table_FRAME.{csv,parquet}", "Tables 3 and 4 (Models 1-3)"),
    ("coefficients_FRAME.{csv,parquet}", "one row per model and term"),
    ("figure2_edges_FRAME.csv", "Figure 2: the edge list"),
    ("figure2_network_FRAME.png", "Figure 2: the network map"),
    ("figure6_facilities_FRAME.png", "Figure 6: facilities per unit"),
    ("figure7_centrality_FRAME.{csv,parquet,png}", "Figure 7: centrality"),
    ("attraction_hth_FRAME.{csv,parquet,png}", "ties received by HTH quintile"),
    ("gof_degree_FRAME.{csv,parquet,png}", "goodness of fit of Model 3"),
    ("gof_structure_FRAME.{csv,parquet,png}", "shared partners, distances"),
    ("figures3_5_imbalance.{csv,parquet,png}", "Figures 3 and 5"),
    ("comparison_with_paper.{csv,parquet}", "Model 3 against the paper (1)"),
    ("comparison_fit_with_paper.{csv,parquet}", "AIC, BIC against the paper (1)"),
    ("data/", "the embedded dataset (2)"),
    ("written-files.json", "what this run wrote"),
)
#: The notes (1) and (2) of OUTPUTS refer to.
OUTPUTS_NOTE = "(1) with frames called national and zhejiang only; (2) without --data only"


def register(app: typer.Typer) -> None:
    """Add `rebuild` to the study group."""
    width = max(len(name) for name, _ in OUTPUTS)
    outputs = "\n".join(f"  {name.ljust(width)}  {what}" for name, what in OUTPUTS)
    app.command(
        "rebuild",
        epilog=f"Writes in --out (FRAME: each frame's key):\n{outputs}\n  {OUTPUTS_NOTE}\n\n"
        + examples(
            "triage study rebuild --out /tmp/study     # real geography, SYNTHETIC flows",
            "triage study rebuild --data examples/study --out /tmp/example-study",
            "triage study rebuild --seed 7 --json --out /tmp/study-seed7",
        ),
    )(rebuild_command)


def rebuild_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the report, tables and figures (listed below).")
    ] = Path("study-rebuild"),
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Your own study data folder (docs/study-data-format.md). Default: the embedded dataset "
            "(real 2020-census geography, population, urbanisation, schooling and dialects; SYNTHETIC facility"
            " counts, GDP, air quality, internet and all flows).",
        ),
    ] = None,
    seed: Annotated[
        int, seed_option("the embedded dataset's generator and the goodness-of-fit simulations", "study")
    ] = DEFAULT_SEED,
    backend: BackendOption = BackendName.python,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Rebuild the study: Tables 3 and 4 (Models 1-3), Figures 2, 3, 5, 6 and 7, goodness of
    fit, the comparison with the published estimates and an HTML report, all in --out.

    A rebuild into a folder used before removes the files the earlier one wrote there and this
    one does not (written-files.json), when unchanged since; no other file."""
    if data is not None and not (data / "study.json").is_file():
        # Checked before the progress bar starts, so the error is the only line printed.
        raise UserInputError(f"--data {data}: no study.json there (see docs/study-data-format.md)")
    output_folder(out)
    with step_progress(as_json or quiet, total=6) as tick:
        # said before the import: it takes 2-7 s (pandas, matplotlib, scipy, the ERGM engine), in
        # which the command had printed nothing at all
        tick(LOADING, 0, 6)
        from analytics.study.rebuild import rebuild

        result = rebuild(out, data=data, seed=seed, backend=backend.value, progress=tick)
    for note in result.notes:  # on stderr, as `triage study fit` says it, so --json stays the result
        write(note, err=True)
    written = [*result.files, *(_embedded_data_files(out / "data") if data is None else [])]
    earlier = replace_earlier_outputs(out, written, "triage study rebuild", keep_under=data)
    if as_json:
        payload = {
            "format_version": REBUILD_FORMAT,
            "out": str(result.out),
            "report": str(result.report),
            "synthetic": result.synthetic,
            # what is generated, as the text output's SYNTHETIC line says (it was missing here)
            "synthetic_parts": result.synthetic_parts or None,
            # Models 1-3 per frame, as coefficients_<frame>.csv: the numbers the text prints
            "coefficients": {
                name.removeprefix("coefficients_"): _records(table)
                for name, table in result.tables.items()
                if name.startswith("coefficients_")
            },
            # which engine fitted each frame's models (R's ergm or glm and R's version with --backend r)
            "fitted_by": result.fitted_by,
            # the same as keys, as `triage study fit --json` records them (R's version as words only)
            "fitted_with": result.fitted_with,
            "comparison_with_paper": result.comparison_summary,
            "hypotheses": [
                {
                    "hypothesis": h.hypothesis,
                    "supported": h.supported,
                    "paper_says": h.paper_says,
                    "evidence": h.evidence,
                }
                for h in result.hypotheses
            ],
            "files": [str(p) for p in result.files],
            # an earlier rebuild's files this one did not write (written-files.json)
            "removed": [str(p) for p in earlier.removed],
            "left_changed": [str(p) for p in earlier.changed],
        }
        write(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))
        return
    if result.synthetic:
        parts = f": {result.synthetic_parts}" if result.synthetic_parts else ""
        write(
            f"SYNTHETIC{parts} (see the report's notice)."
            if data is None
            else f"SYNTHETIC: {data / 'study.json'} marks this study data as generated{parts}"
            " (see the report's notice).",
            fg=typer.colors.RED,
        )
    from analytics.study.rebuild import SIGNIFICANCE_NOTE

    for name, table in result.tables.items():
        if name.startswith("table_"):
            frame = name.removeprefix("table_")
            write(f"\n{frame} - Models 1-3 (coef, stars, (se)):")
            write(table.to_string())
            write((result.fitted_by or {}).get(frame, ""))
    if any(name.startswith("table_") for name in result.tables):
        write(SIGNIFICANCE_NOTE)  # the stars had no legend here
    # what was compared with the paper, or why nothing was (analytics.study.rebuild.NOT_COMPARED)
    write(f"\n{result.comparison_summary}")
    for check in result.hypotheses:
        verdict = "supported" if check.supported else "NOT supported"
        write(f"{check.hypothesis}: paper: {check.paper_says}; rebuild: {verdict} - {check.evidence}")
    if earlier.removed:
        write(
            f"\nremoved {counted(len(earlier.removed), 'files')} an earlier rebuild wrote in {out} and this one did not"
            f" ({WRITTEN_MANIFEST}): {_names(earlier.removed, out)}"
        )
    if earlier.changed:
        write(
            f"\nleft {counted(len(earlier.changed), 'files')} an earlier rebuild wrote in {out}, not written by this one,"
            f" as they were changed since: {_names(earlier.changed, out)}"
        )
    write(f"\nreport: {result.report}")


def _names(paths: list[Path], out: Path) -> str:
    return ", ".join(p.relative_to(out).as_posix() for p in paths)


def _embedded_data_files(folder: Path) -> list[Path]:
    """The files the embedded dataset's generator wrote in ``folder``, as its study.json names them."""
    study = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    names = ["study.json", "columns.csv", "ATTRIBUTION.txt"]
    for frame in study["frames"]:
        names += [frame["nodes"], frame["moves"], *frame["edgecov"].values()]
    return [folder / name for name in names]


def _records(table: Any) -> list[dict[str, Any]]:
    """Rows as JSON objects, a missing number (an AIC without a log-likelihood) as null."""
    return [
        {key: None if isinstance(value, float) and math.isnan(value) else value for key, value in row.items()}
        for row in table.to_dict("records")
    ]
