"""`triage study fit`: an ERGM on the analyst's own CSV files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from analytics.study import DEFAULT_SEED
from referral.errors import UserInputError, json_text
from referral.plurals import counted
from triage.cli.analysis_options import (
    BackendName,
    BackendOption,
    JsonOption,
    QuietOption,
    given,
    seed_option,
)
from triage.cli.output import examples, step_progress, write
from triage.cli.paths import in_existing_folder

_T = TypeVar("_T")

if TYPE_CHECKING:
    from analytics.ergm import ErgmResult
    from analytics.ergm.formula import TermSpec


#: ``--json``'s format (its first key, ``format_version``, as `triage study rebuild --json` and
#: ``summary.json`` of `triage report imbalance`); changed whenever a key is renamed or removed or
#: its meaning changes. Changes are listed in docs/ergm.md. 2: an MCMC fit's ``se``, ``z`` and ``p``
#: are from the total standard error (model and MCMC), with ``se_model`` and ``se_mcmc`` beside it.
FIT_FORMAT = "clinic-triage-study-fit/2"


def register(app: typer.Typer) -> None:
    """Add `fit` to the study group."""
    app.command(
        "fit",
        epilog=examples(
            "cd examples/study        # 12 fictional units, docs/study-data-format.md",
            "triage study fit --nodes nodes.csv --edges edges.csv \\",
            """    --formula 'edges + nodeicov("HTH") + nodeicov("PCF")'""",
            "triage study fit --nodes nodes.csv --edges edges.csv --response movers \\",
            """    --formula 'sum + nodeicov("HTH")' --json          # valued (Poisson)""",
            "triage study fit --nodes nodes.csv --edges edges.csv --seed 7 \\",
            """    --formula 'edges + mutual + nodeicov("HTH")'     # MCMC-MLE""",
        ),
    )(fit_command)


class ReferenceName(StrEnum):
    bernoulli = "bernoulli"
    poisson = "poisson"


class ProposalName(StrEnum):
    """analytics.ergm.proposal.PROPOSALS, named here: importing analytics.ergm would load numpy
    before `triage --help` prints anything (a test holds the two lists equal)."""

    TNT = "TNT"
    random = "random"


def _check_response(reference: ReferenceName | None, response: str | None) -> ReferenceName:
    """The reference the options ask for: poisson with --response, bernoulli without; an explicit
    --reference that says otherwise is refused naming both options (it was silently overridden)."""
    if reference is None:
        return ReferenceName.poisson if response is not None else ReferenceName.bernoulli
    if reference == ReferenceName.bernoulli and response is not None:
        raise UserInputError(
            f"--reference bernoulli and --response {response} contradict each other: a Bernoulli"
            " model fits binary ties, not counts; drop --response, or give --reference poisson"
        )
    if reference == ReferenceName.poisson and response is None:
        raise UserInputError(
            "--reference poisson needs --response COLUMN, the edge column with the counts"
            " (e.g. --response movers)"
        )
    return reference


def _input_file(given: str, path: Path) -> Path:
    """``path`` if it is a file; else one line naming the option as given (``--nodes nope.csv``),
    worded as `triage report --facilities` words it."""
    if not path.exists():
        raise UserInputError(f"{given}: no such file")
    if path.is_dir():
        raise UserInputError(f"{given}: a folder; give the CSV file itself")
    return path


def _synthetic_line(marks: list[str]) -> str:
    """What of the data is SYNTHETIC, as the summary's first line and the plot's label say it (empty:
    nothing is marked)."""
    return (
        f"SYNTHETIC data (generated or made up, for teaching and testing): {'; '.join(marks)}"
        if marks
        else ""
    )


def _plot_file(path: Path) -> Path:
    """``--mcmc-plot``'s file, checked before the fit (a fit by MCMC takes a while): a PNG in a folder
    that exists."""
    given = f"--mcmc-plot {path}"
    if path.is_dir():
        raise UserInputError(f"{given}: a folder; give the PNG file's name (e.g. {path / 'mcmc.png'})")
    if path.suffix.lower() != ".png":
        raise UserInputError(f"{given}: not a .png file name; the plot is a PNG (e.g. mcmc.png)")
    return in_existing_folder(path, "--mcmc-plot")


def _write_mcmc_plot(
    result: ErgmResult, path: Path, nodes: Path, edges: Path, marks: list[str], quiet: bool
) -> None:
    """Draw the fit's trace and density plots to ``path`` and say so on stderr (stdout: the fit)."""
    from analytics.study.figures import mcmc_chart

    source = (
        f"triage study fit --nodes {nodes} --edges {edges}; seed {(result.diagnostics or {}).get('seed')}"
    )
    try:
        mcmc_chart(result, path, source=source, stamp=_synthetic_line(marks))
    except OSError as exc:
        raise UserInputError(f"--mcmc-plot {path}: cannot write the file ({exc.strerror})") from None
    if not quiet:
        draws = len(result.mcmc_sample)
        write(
            f"wrote {path}: the MCMC trace and density of {counted(len(result.terms), 'statistics')}"
            f" over {counted(draws, 'draws')}",
            err=True,
        )


def _edgecov_pairs(values: list[str]) -> dict[str, Path]:
    """NAME=FILE.csv pairs; a name given twice is refused (the last file was used without a word)."""
    pairs: dict[str, Path] = {}
    given_as: dict[str, str] = {}
    for value in values:
        name, eq, path = value.partition("=")
        if not eq or not name or not path:
            raise UserInputError(f"--edgecov {json_text(value)}: expected NAME=FILE.csv")
        if name in given_as:
            raise UserInputError(
                f"--edgecov {given_as[name]} and --edgecov {value} give the same covariate"
                f" {json_text(name)} twice; give each covariate once"
            )
        given_as[name] = value
        pairs[name] = _input_file(f"--edgecov {value}", Path(path))
    return pairs


def _check_edgecov_used(pairs: dict[str, Path], terms: list[TermSpec]) -> None:
    """A covariate the formula never names would be read and not used: refused naming it."""
    used = {t.args[0] for t in terms if t.name == "edgecov" and t.args}
    for name, path in pairs.items():
        if name not in used:
            raise UserInputError(
                f"--edgecov {name}={path}: the formula has no edgecov({json_text(name)}), so this"
                f" covariate would not be used; add edgecov({json_text(name)}) to --formula, or drop"
                " the option"
            )


@contextmanager
def _naming_edgecov_option(covariates: dict[str, Path]) -> Iterator[None]:
    """A problem in an --edgecov file names the option as given (``--edgecov GeoProx=geo.csv: line
    3, ...``): the file's name alone did not say which covariate, nor which option, to fix."""
    from analytics.errors import NetworkInputError

    try:
        yield
    except NetworkInputError as exc:
        text = str(exc)
        for name, path in covariates.items():
            if text.startswith(f"{path}: "):
                raise NetworkInputError(f"--edgecov {name}={path}: {text[len(str(path)) + 2 :]}") from None
        raise


@contextmanager
def _naming_formula_option() -> Iterator[None]:
    """A problem with the formula, found where it is read, planned or fitted, names --formula:
    "unknown term "foo"" alone did not say which of the options held it."""
    from analytics.errors import FormulaError

    try:
        yield
    except FormulaError as exc:
        raise FormulaError(f"--formula: {exc}") from None


def _stage_words(step: str, of: int, fitting: str) -> str:
    """The line (or the bar's words) for an engine's progress step: the same for every iteration
    of a stage, so a log gets one line per stage (``fitting``: the line the fit began with, which
    an exact fit's Newton iterations continue)."""
    if step == "MCMC-MLE":
        return f"MCMC-MLE: sampling networks at the estimate, at most {counted(of, 'iterations')}"
    if step == "bridge sampling":
        return f"bridge sampling the log-likelihood: {of} bridges"
    return fitting if step == "fitting" else step


#: ergm()'s sampling settings (analytics.ergm.plan.SAMPLING_SETTINGS) as options (a test holds the
#: two lists equal).
_SAMPLING_OPTIONS = {
    "seed": "--seed",
    "proposal": "--proposal",
    "max_iterations": "--max-iterations",
    "mcmc_interval": "--mcmc-interval",
    "mcmc_burnin": "--mcmc-burnin",
    "bridges": "--bridges",
    "bridge_draws": "--bridge-draws",
}


def fit_command(
    ctx: typer.Context,
    nodes: Annotated[
        Path, typer.Option("--nodes", help="NODES.csv: column 'id' and one column per attribute.")
    ],
    edges: Annotated[
        Path,
        typer.Option(
            "--edges",
            help=(
                "EDGES.csv: sender and receiver in the columns named source and target (or from and to),"
                " found by name in any place; further columns are weights or counts (--response)."
            ),
        ),
    ],
    formula: Annotated[
        str,
        typer.Option(
            "--formula",
            help='statnet formula, e.g. \'edges + nodeicov("HTH") + edgecov("GeoProx")\'. Terms: edges,'
            " nodecov, nodeicov, nodeocov, edgecov, absdiff, nodematch, nodefactor, mutual, triangle, gwesp;"
            " with --response: sum, nodecov, nodeicov, nodeocov, edgecov (docs/ergm.md).",
        ),
    ],
    edgecov: Annotated[
        list[str] | None,
        typer.Option(
            "--edgecov",
            help="NAME=FILE.csv dyadic covariate (square matrix or long source,target,value); repeat.",
        ),
    ] = None,
    undirected: Annotated[
        bool, typer.Option("--undirected", help="Treat the network as undirected.")
    ] = False,
    response: Annotated[
        str | None, typer.Option("--response", help="Edge column with counts, for a valued model.")
    ] = None,
    reference: Annotated[
        ReferenceName | None,
        typer.Option(
            "--reference",
            help="bernoulli (binary ties; the default without --response) or poisson (counts in the"
            " --response column; the default with it).",
        ),
    ] = None,
    backend: BackendOption = BackendName.python,
    seed: Annotated[
        int, seed_option("the MCMC fit and its bridge sampling (dyad-dependent terms)", "fit")
    ] = DEFAULT_SEED,
    bridges: Annotated[
        int | None,
        typer.Option(
            "--bridges",
            min=0,
            help="Bridges that estimate an MCMC fit's log-likelihood, AIC and BIC "
            "(default 16, as R's ergm); 0 skips them.",
        ),
    ] = None,
    bridge_draws: Annotated[
        int | None,
        typer.Option(
            "--bridge-draws",
            min=2,
            help="Networks drawn per bridge (default 256); more draws, smaller MC error.",
        ),
    ] = None,
    max_iterations: Annotated[
        int | None,
        typer.Option(
            "--max-iterations",
            min=1,
            help="MCMC-MLE iterations before a fit is reported as not converged (default 20).",
        ),
    ] = None,
    proposal: Annotated[
        ProposalName,
        typer.Option(
            "--proposal",
            case_sensitive=False,
            help="MCMC proposal of a fit with dyad-dependent terms: TNT (tie / no tie; the default, "
            "as statnet's) or random (uniform random toggles).",
        ),
    ] = ProposalName.TNT,
    mcmc_interval: Annotated[
        int | None,
        typer.Option(
            "--mcmc-interval",
            min=1,
            help="Proposals between an MCMC fit's recorded draws (default: a twentieth of the dyads,"
            " at least 10); longer for draws less alike.",
        ),
    ] = None,
    mcmc_burnin: Annotated[
        int | None,
        typer.Option(
            "--mcmc-burnin",
            min=0,
            help="Proposals before each MCMC-MLE iteration's first draw (default: 20 intervals);"
            " longer for a trace that drifts at first.",
        ),
    ] = None,
    mcmc_plot: Annotated[
        Path | None,
        typer.Option(
            "--mcmc-plot",
            help="PNG file for a fit by MCMC's diagnostics, as R's mcmc.diagnostics(fit): per statistic"
            " its trace and density over the final sample's draws, titled with its Geweke z and"
            " effective size (docs/ergm.md).",
        ),
    ] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Fit an ERGM to a network given as CSV files; prints a table laid out like R's summary(ergm).

    An MCMC fit that did not pass its convergence test is still printed, then a warning on
    stderr says what to try, and the exit code is 1.
    """
    from analytics.ergm import ergm
    from analytics.ergm.bridge import DEFAULT_BRIDGE_DRAWS, DEFAULT_BRIDGES
    from analytics.ergm.dependent import MAX_ITERATIONS
    from analytics.ergm.formula import parse_formula
    from analytics.ergm.plan import fit_plan, refuse_plot_without_draws, refuse_unused_settings
    from analytics.network_files import read_network, synthetic_marks

    reference = _check_response(reference, response)
    if bridges == 0 and bridge_draws is not None:  # the draws were dropped without a word
        raise UserInputError(
            f"--bridges 0 and --bridge-draws {bridge_draws} contradict each other: --bridges 0 skips"
            " the bridge sampling; drop --bridge-draws, or give --bridges 1 or more"
        )
    nodes_file, edges_file = _input_file(f"--nodes {nodes}", nodes), _input_file(f"--edges {edges}", edges)
    covariates = _edgecov_pairs(edgecov or [])
    with _naming_edgecov_option(covariates):
        net = read_network(nodes_file, edges_file, covariates, directed=not undirected)
    marks = synthetic_marks(nodes_file, edges_file)
    only_loops = net.only_self_loops_problem()
    if only_loops:  # no tie at all: the fit failed 'no convergence'
        raise UserInputError(f"--edges {edges}: {only_loops}")
    loops = net.self_loops_note()
    if loops:  # on stderr, so --json stays the fit alone
        write(loops, err=True)
    with _naming_formula_option():
        terms = parse_formula(formula)
        _check_edgecov_used(covariates, terms)
        r_ergm = False
        if backend == BackendName.r and reference == ReferenceName.poisson:
            from analytics.rbridge import r_has_ergm

            r_ergm = r_has_ergm()  # R's ergm.count samples, its glm fallback does not
        valued = reference == ReferenceName.poisson
        plan = fit_plan(terms, directed=net.directed, valued=valued, backend=backend.value, r_ergm=r_ergm)
        # the options the fit would not use are refused (ergm() refuses them the same way); the fit
        # gets the settings it uses, each the option's value or its default
        given_options = {name: option for name, option in _SAMPLING_OPTIONS.items() if given(ctx, name)}
        refuse_unused_settings(plan, given_options, python_backend="--backend python")
        if mcmc_plot is not None:  # before the fit: an exact fit (or R's) has no draws to plot
            refuse_plot_without_draws(plan, "--mcmc-plot", python_backend="--backend python")
            _plot_file(mcmc_plot)
        iterations = MAX_ITERATIONS if max_iterations is None else max_iterations
        uses = plan.uses if plan is not None else frozenset(_SAMPLING_OPTIONS)

        def used(name: str, value: _T) -> _T | None:  # None: not given (ergm() would refuse it)
            return value if name in uses else None

        # a bar on a terminal (an MCMC fit and its bridges take tens of seconds at 88 units);
        # redirected (a log, a cron job), one plain line per stage on stderr, where it had printed
        # nothing; stdout holds the fit alone either way
        # one line in a log, also for a formula written over several lines of a script
        fitting = (
            f"fitting {' '.join(formula.split())} to {counted(net.n, 'units')} ({counted(net.n_dyads, 'dyads')})"
            + (" in R" if backend == BackendName.r else "")
        )
        with step_progress(as_json or quiet, total=1, stages=True) as tick:
            started: list[bool] = []

            def progress(step: str, done: int, of: int) -> None:
                # the fit's line first, once the engine is under way: a formula or attribute
                # problem it finds while building the terms stays the one line it was
                if not started:
                    started.append(True)
                    tick(fitting, 0, 1)
                tick(_stage_words(step, of, fitting), done, of)

            if backend == BackendName.r:  # R says nothing while it fits
                progress("fitting", 0, 1)
            result = ergm(
                formula,
                net,
                response=response,
                reference=reference.value,
                backend=backend.value,
                progress=progress,
                seed=used("seed", seed),
                proposal=used("proposal", proposal.value),
                max_iterations=used("max_iterations", iterations),
                mcmc_interval=used("mcmc_interval", mcmc_interval),
                mcmc_burnin=used("mcmc_burnin", mcmc_burnin),
                bridges=used("bridges", DEFAULT_BRIDGES if bridges is None else bridges),
                bridge_draws=used(
                    "bridge_draws", DEFAULT_BRIDGE_DRAWS if bridge_draws is None else bridge_draws
                ),
            )
    if as_json:
        payload = (
            {"format_version": FIT_FORMAT}
            | result.to_json_dict()
            | {"synthetic": bool(marks), "synthetic_marks": marks}
        )
        write(json.dumps(payload, indent=2, allow_nan=False))
    else:
        if marks:  # as `triage study rebuild` and `triage report` say it, before the numbers
            write(_synthetic_line(marks))
        write(result.summary())
    if mcmc_plot is not None:  # not converged too: the plot is what shows why
        _write_mcmc_plot(result, mcmc_plot, nodes_file, edges_file, marks, quiet)
    if result.converged is False:
        d = result.diagnostics or {}
        write(
            f"warning: the MCMC fit did not converge in {counted(result.iterations, 'iterations')}"
            f" (convergence test p = {d.get('convergence_p', float('nan')):.2g}, needs < 0.01), so its"
            f" estimates may be inaccurate; try --max-iterations {2 * iterations}, another --seed, or a simpler model",
            err=True,
        )
        raise typer.Exit(1)
