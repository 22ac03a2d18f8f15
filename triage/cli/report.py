"""`triage report ...`: pooled imbalance/impact reports, policy simulation, synthetic data."""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from analytics.reports.errors import ReportInputError
from triage.cli.analysis_options import JsonOption, QuietOption, given, seed_option
from triage.cli.output import echo, examples, write
from triage.cli.paths import output_folder

#: ``simulate --json``'s and ``generate --json``'s formats (their first key, ``format_version``, as
#: ``summary.json``'s); changed whenever a key is renamed or removed. Listed in docs/analytics-reports.md.
SIMULATE_FORMAT = "clinic-triage-report-simulate/1"
GENERATE_FORMAT = "clinic-triage-report-generate/1"

app = typer.Typer(
    help="Regional reports from pooled analytics exports: tier imbalance, H3 impact, policy simulation.",
    no_args_is_help=True,
)


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class TableFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"
    jsonl = "jsonl"


InputOption = Annotated[
    list[Path],
    typer.Option(
        "--input",
        "-i",
        help="Analytics export folder, encounters table (.parquet/.csv/.jsonl), clinic referral log"
        " (.sqlite/.db) or a folder of export folders and logs. Repeat for more.",
    ),
]
EngineOption = Annotated[
    EngineName,
    typer.Option(
        "--engine",
        help="Query engine: duckdb (embedded) or spark (local mode, or SPARK_REMOTE/SPARK_MASTER).",
    ),
]
RiskOption = Annotated[
    str | None,
    typer.Option(
        "--risk-model",
        help="Model whose risk column the policy replay uses, by name (cvd10) or column (risk_cvd10);"
        " default: the first found.",
    ),
]
MemoryOption = Annotated[
    str,
    typer.Option(
        "--memory-limit", help="DuckDB memory limit, a size such as 2GB or 500MB; larger data spills to disk."
    ),
]


#: What `imbalance` writes in --out, as its --help lists it (a test holds the two equal, as
#: `triage study rebuild --help`'s list): the help named none of it.
IMBALANCE_OUTPUTS = (
    ("report.html", "key figures, tables and plots"),
    ("summary.json", "key figures unrounded (--json's)"),
    ("tables/region_month.{csv,parquet}", "local share by region and month"),
    ("tables/tier_month.{csv,parquet}", "encounters by tier and month"),
    ("tables/clinic_month.{csv,parquet}", "encounters by clinic and month"),
    ("tables/tier_load.{csv,parquet}", "load by tier against capacity"),
    ("tables/network_edges.{csv,parquet}", "referrals from clinic to hospital"),
    ("tables/hospital_centrality.{csv,parquet}", "hospitals' standardized in-degree"),
    ("tables/h3_summary.{csv,parquet}", "H3: time series and DiD"),
    ("tables/h3_its_by_clinic.{csv,parquet}", "H3: each clinic's time series"),
    ("tables/policy_curve.{csv,parquet}", "default policy grid (as simulate)"),
    ("tables/rejections.{csv,parquet}", "every rejection, with its file"),
    ("tables/sources.{csv,parquet}", "every input and its provenance"),
    # two lines: one name padded the others to 53 characters, and on an 80-column terminal each
    # description wrapped onto a line of its own
    ("plots/{local_share,tiers,load}.png", "the page's plots over months"),
    ("plots/{network,h3,policy}.png", "the page's other plots"),
)


def _outputs_epilog(outputs: tuple[tuple[str, str], ...]) -> str:
    width = max(len(name) for name, _ in outputs)
    return "Writes in --out:\n" + "\n".join(f"  {name.ljust(width)}  {what}" for name, what in outputs)


#: The first progress line, before the analysis libraries (DuckDB, pandas, matplotlib) are imported.
LOADING = "loading the analysis libraries"


def _progress(quiet: bool) -> Any:
    def say(message: str) -> None:
        if not quiet:
            write(f"... {message}", err=True)

    return say


def _check_inputs(inputs: list[Path], facilities: Path | None = None) -> None:
    """A missing --input or --facilities is refused before the progress lines start, naming the
    option, so the error is the only line printed (it came after "... checking 1 input path(s)")."""
    for option, path in [*(("--input", p) for p in inputs), ("--facilities", facilities)]:
        if path is not None and not path.exists():
            raise ReportInputError(f"{option} {path}: no such file or folder")


def _check_out(out: Path) -> None:
    """Refuse an --out that is a file or cannot be created before any work is done (it would fail
    at the end)."""
    output_folder(out)


def _blank(value: Any) -> bool:
    """A suppressed or missing table value (None, pandas' NA or NaN)."""
    import pandas as pd  # not at import time: `triage` starts without pandas (test_footprint)

    return value is None or bool(pd.isna(value))


#: ``--exact-counts`` of `imbalance` and `simulate`: small-cell suppression off, for internal use.
ExactCountsOption = Annotated[
    bool,
    typer.Option(
        "--exact-counts",
        help="Show every count as it is, those from 1 to 4 included (no small-cell suppression):"
        " for internal use only, not for release; every output says so.",
    ),
]

#: ``--strict`` of `imbalance` and `simulate`: the same words, the same exit code.
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Exit with code 2 if any input or row was rejected.")
]


def _echo_rejections(rejected: Any) -> None:
    """Every rejection, one line each, as both `imbalance` and `simulate` print them."""
    from referral.plurals import counted

    if len(rejected):
        write(f"rejected ({len(rejected)}):")
        for row in rejected.to_dict("records"):
            rows = "" if _blank(row["rows"]) else f" [{counted(int(row['rows']), 'rows')}]"  # not '1 row(s)'
            echo(f"  {row['source']}: {row['reason']}{rows}")  # names what the file held
    else:
        write("nothing rejected")


@app.command(
    "imbalance",
    epilog=_outputs_epilog(IMBALANCE_OUTPUTS)
    + "\n\n"
    + examples(
        "triage report generate --out /tmp/exports       # SYNTHETIC data to try",
        "triage report imbalance --input /tmp/exports --out /tmp/report",
        "triage report imbalance -i clinic.db -i exports/ --facilities region.csv",
        "triage report imbalance -i /tmp/exports --strict --json > summary.json",
    ),
)
def imbalance(
    inputs: InputOption,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for report.html, tables/ and plots/.")
    ] = Path("report"),
    engine: EngineOption = EngineName.duckdb,
    facilities: Annotated[
        Path | None,
        typer.Option(
            "--facilities", help="Regional facility directory (.csv/.parquet/.jsonl); wins over the exports'."
        ),
    ] = None,
    risk_model: RiskOption = None,
    memory_limit: MemoryOption = "3GB",
    exact_counts: ExactCountsOption = False,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Pool exports, then write the tier-imbalance and H3 impact report (HTML + CSV + Parquet).

    Counts from 1 to 4 are suppressed (blank), and so are the cells that would give one back by
    subtraction; the output says how many. --exact-counts shows them, for internal use only.
    """
    _check_inputs(inputs, facilities)
    _check_out(out)
    say = _progress(quiet or as_json)
    say(LOADING)  # before the imports: 2-7 s in which the command had printed nothing
    from analytics.reports import jsonout
    from analytics.reports.key_figures import (
        H3_LABELS,
        encounters_pooled,
        h3_estimate,
        most_central,
        shares_line,
        small_cells,
    )
    from analytics.reports.render import data_banners, write_report
    from analytics.reports.report import build
    from referral.plurals import counted

    with tempfile.TemporaryDirectory(prefix="triage-report-") as work:
        report = build(
            inputs,
            Path(work),
            engine=engine.value,
            facilities_file=facilities,
            risk_model=risk_model,
            memory_limit=memory_limit,
            progress=say,
            exact_counts=exact_counts,
        )
        say(f"writing {out}")
        written = write_report(report, out)
    s = report.summary
    rejected = report.tables["rejections"]
    if report.directory_gap:
        write(f"warning: {report.directory_gap}", err=True)
    if as_json:
        write(jsonout.dumps(s | {"report": written["html"], "rejections": rejected}))
    else:
        for banner in data_banners(report.synthetic, report.provenance_unknown, report.exact_counts):
            write(banner)
        write(
            f"pooled {counted(s['rows_pooled'], 'encounters')} from {counted(s['clinics'], 'clinics')} in"
            f" {counted(s['regions'], 'regions')}, {counted(s['months'], 'months')} [engine: {s['engine']}]"
        )
        write(f"encounters pooled: {encounters_pooled(s)}")
        write(shares_line(s))
        for key, label in H3_LABELS.items():
            write(f"{label}: {h3_estimate(key, s.get(key), s.get('h3_planted'))}")
        write(f"most central receiving hospital: {most_central(s)}")  # the page's key figure
        write(f"small cells: {small_cells(s)}")  # the page's words; the CLI had said nothing of them
        _echo_rejections(rejected)
        write(f"report: {written['html']}")
    if strict and len(rejected):
        raise typer.Exit(2)


@app.command(
    "simulate",
    epilog=examples(
        "triage report simulate --input /tmp/exports --out /tmp/sim   # default grid",
        "triage report simulate -i /tmp/exports -t 3:0.20 -t 7:0.30 -o /tmp/sim",
        "triage report simulate -i /tmp/exports -t 5:0.20,7:0.30 --json",
    ),
)
def simulate(
    inputs: InputOption,
    thresholds: Annotated[
        list[str] | None,
        typer.Option(
            "--thresholds",
            "-t",
            help="Policy NEWS2:RISK pairs to replay, e.g. 5:0.20 (repeat or comma-separate);"
            " default: NEWS2 2-9 x risk 0.15/0.20/0.30.",
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder for tables/policy_curve.csv|.parquet, tables/rejections.* and plots/policy.png.",
        ),
    ] = Path("report"),
    engine: EngineOption = EngineName.duckdb,
    risk_model: RiskOption = None,
    memory_limit: MemoryOption = "3GB",
    exact_counts: ExactCountsOption = False,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Replay pooled assessments under alternative thresholds: load shift vs sensitivity for confirmed cases.

    Prints each policy's referred share, its load shift (percentage points of all encounters; below
    0, more patients kept in primary care), its sensitivity (the share of the referrals confirmed as
    justified that it would still refer: an upper bound) and the confirmed cases it would miss.
    The risk column replayed is a risk model's probability, a model trained on teaching data: the
    output, --json (risk_column_label), the tables (risk_column and risk_column_label on every row)
    and the plot say so.
    """
    from analytics.reports.simulate import parse_thresholds

    grid = parse_thresholds(thresholds) if thresholds else None
    _check_inputs(inputs)
    _check_out(out)
    say = _progress(quiet or as_json)
    say(LOADING)
    from analytics.reports import jsonout
    from analytics.reports.render import EXACT_COUNTS_BANNER, plot_policy, write_tables
    from analytics.reports.report import simulate_policy
    from referral.value_sets import RISK_MODELS_LABEL

    with tempfile.TemporaryDirectory(prefix="triage-simulate-") as work:
        result = simulate_policy(
            inputs,
            Path(work),
            engine=engine.value,
            risk_model=risk_model,
            grid=grid,
            memory_limit=memory_limit,
            progress=say,
            exact_counts=exact_counts,
        )
    # The layout of `imbalance` (same default --out): tables/ and plots/.
    tables = {"policy_curve": result.curve, "rejections": result.rejections}
    write_tables(tables, out / "tables", result.synthetic, exact_counts)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    plot = out / "plots" / "policy.png"
    stamp = EXACT_COUNTS_BANNER if exact_counts else ""
    plot.write_bytes(
        plot_policy(
            result.curve, result.synthetic, source=result.source, risk_column=result.risk_column, stamp=stamp
        )
    )
    if as_json:
        write(
            jsonout.dumps(
                {
                    "format_version": SIMULATE_FORMAT,
                    "synthetic": result.synthetic,
                    "provenance_unknown": result.provenance_unknown,
                    "risk_column": result.risk_column,
                    # a script reading the curve gets the label its risk column has everywhere
                    "risk_column_label": RISK_MODELS_LABEL if result.risk_column else None,
                    "encounters": result.rows_pooled,
                    "exact_counts": exact_counts,  # nothing suppressed: internal use only
                    "curve": result.curve,
                    "tables": out / "tables",
                    "plot": plot,
                    "rejections": result.rejections,
                }
            )
        )
    else:
        _print_curve(result, out, plot)
    if strict and len(result.rejections):  # as `imbalance --strict`: it had no such option
        raise typer.Exit(2)


def _print_curve(result: Any, out: Path, plot: Path) -> None:
    """`simulate`'s text output: the curve as a table, what its columns mean, every rejection."""
    from analytics.reports.render import data_banners
    from analytics.reports.simulate import risk_column_note
    from referral.plurals import counted

    curve = result.curve
    for banner in data_banners(result.synthetic, result.provenance_unknown, result.exact_counts):
        write(banner)
    pooled = counted(result.rows_pooled, "encounters").replace(" ", " pooled ", 1)
    write(f"{pooled}; risk column {result.risk_column or 'none'}")
    if result.risk_column:  # a replayed threshold read as a clinical finding without it
        write(risk_column_note(result.risk_column))
    write(
        f"{'policy':<28} {'referred':>10} {'load shift':>13} {'sensitivity*':>12} {'missed (patients)':>17}"
    )
    said_suppressed = False
    for row in curve.to_dict("records"):
        # a blank rate is a suppressed count (1-4) unless its denominator is 0: no confirmed case
        referred = "suppressed" if _blank(row["referred_share"]) else f"{100 * row['referred_share']:.1f}%"
        # in points, as the key figures, the page's tables and the plot say a difference of shares
        shift = "suppressed" if _blank(row["load_shift"]) else f"{100 * row['load_shift']:+.1f} points"
        if not _blank(row["sensitivity"]):
            sens = f"{100 * row['sensitivity']:.1f}%"
        else:
            sens = "suppressed" if _blank(row["confirmed"]) or row["confirmed"] else "-"
        # blank: under 5, or blanked with a confirmed_referred under 5 (it is their difference)
        missed = "suppressed" if _blank(row["missed"]) else f"{int(row['missed']):,}"
        said_suppressed |= "suppressed" in (referred, shift, sens, missed)
        write(f"{row['policy']:<28} {referred:>10} {shift:>13} {sens:>12} {missed:>17}")
    # the plot's axis says "an upper bound"; the table had said neither that nor missed's unit
    write(
        "* an upper bound: the share of the referrals confirmed as justified that the policy would"
        " still refer; patients kept local have no confirmed outcome"
    )
    write("missed: confirmed-justified referrals the policy would not refer, in patients")
    if (curve["confirmed"] == 0).any():
        write("sensitivity -: no completed referral was confirmed as justified, so none to measure")
    if said_suppressed:  # a small pool printed a column of it with no word of why
        write(
            "suppressed: a count from 1 to 4 is not published (small cells), nor a share or shift"
            " that would give it back"
        )
    _echo_rejections(result.rejections)
    write(f"curve: {out / 'tables' / 'policy_curve.csv'}  plot: {plot}")


@app.command(
    "generate",
    epilog=examples(
        "triage report generate --out /tmp/exports",
        "triage report generate --clinics 200 --rows 2000000 --out /tmp/big",
        "triage report generate --table-format csv --seed 3 --out /tmp/csv-exports",
    ),
)
def generate(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Empty or new folder for the export folders.")],
    clinics: Annotated[
        int, typer.Option("--clinics", min=2, max=5000, help="Number of synthetic clinics.")
    ] = 24,
    rows: Annotated[
        int, typer.Option("--rows", min=100, help="Total encounters over all clinics.")
    ] = 200_000,
    months: Annotated[int, typer.Option("--months", min=8, max=120, help="Months of data.")] = 24,
    seed: Annotated[int, seed_option("the generator", "data")] = 7,
    table_format: Annotated[
        TableFormat,
        typer.Option(
            "--table-format",
            help="Encounters/facilities table format (as `triage referrals export --table-format`).",
        ),
    ] = TableFormat.parquet,
    old_format: Annotated[
        TableFormat | None, typer.Option("--format", hidden=True, help="Old name of --table-format.")
    ] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write SYNTHETIC multi-clinic analytics exports (staggered digital-triage starts, known H3 effect)."""
    if old_format is not None and given(ctx, "table_format"):  # --format won without a word
        raise ReportInputError(
            f"--format {old_format.value} and --table-format {table_format.value}: --format is the old"
            " name of --table-format; give --table-format alone"
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReportInputError(f"--out {out}: exists and is not an empty folder; choose a new folder")
    output_folder(out)
    _progress(quiet or as_json)(LOADING)
    from analytics.reports import jsonout
    from analytics.reports.generate import GeneratorSpec
    from analytics.reports.generate import generate as run

    spec = GeneratorSpec(
        clinics=clinics,
        rows=rows,
        months=months,
        seed=seed,
        table_format=(old_format or table_format).value,
    )

    def progress(done: int, total: int) -> None:
        if not (as_json or quiet) and (done == total or done % max(1, total // 10) == 0):
            write(f"... {done}/{total} clinic exports written", err=True)

    truth = run(spec, out, progress)
    if as_json:
        write(jsonout.dumps({"format_version": GENERATE_FORMAT} | truth | {"out": out}))
        return
    write(
        f"SYNTHETIC: {truth['rows']:,} encounters in {truth['clinics']} clinic exports under {out}"
        f" ({truth['clinics_never_started']} never start{'s' if truth['clinics_never_started'] == 1 else ''}"
        " digital triage)"  # "1 never start" read as a typo
    )
    write(f"planted H3 effect on the local share: {100 * truth['true_effect_local_share']:+.1f} points")
    write(f"try: triage report imbalance --input {out} --out {out}-report")
