"""`triage study fit`: an ERGM on the analyst's own CSV files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from analytics.study import DEFAULT_SEED
from referral.errors import UserInputError
from triage.cli.analysis_options import BackendName, BackendOption
from triage.cli.output import examples, step_progress


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


def _edgecov_pairs(values: list[str]) -> dict[str, Path]:
    pairs: dict[str, Path] = {}
    for value in values:
        name, eq, path = value.partition("=")
        if not eq or not name or not path:
            raise UserInputError(f"--edgecov {value!r}: expected NAME=FILE.csv")
        pairs[name] = Path(path)
    return pairs


def _check_at_least(option: str, value: int | None, least: int) -> None:
    """One line naming the option (exit 2) instead of a sampler's traceback."""
    if value is not None and value < least:
        raise UserInputError(f"{option} {value}: must be at least {least}")


def fit_command(
    nodes: Annotated[
        Path, typer.Option("--nodes", help="NODES.csv: column 'id' and one column per attribute.")
    ],
    edges: Annotated[
        Path, typer.Option("--edges", help="EDGES.csv: sender, receiver [, weight ...] columns.")
    ],
    formula: Annotated[
        str,
        typer.Option(
            "--formula", help='statnet formula, e.g. \'edges + nodeicov("HTH") + edgecov("GeoProx")\'.'
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
        str, typer.Option("--reference", help="bernoulli (binary ties) or poisson (counts).")
    ] = "bernoulli",
    backend: BackendOption = BackendName.python,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help="Seed of the MCMC fit and its bridge sampling (dyad-dependent terms): "
            "the same seed gives the same fit.",
        ),
    ] = DEFAULT_SEED,
    bridges: Annotated[
        int | None,
        typer.Option(
            "--bridges",
            help="Bridges that estimate an MCMC fit's log-likelihood, AIC and BIC "
            "(default 16, as R's ergm); 0 skips them.",
        ),
    ] = None,
    bridge_draws: Annotated[
        int | None,
        typer.Option(
            "--bridge-draws",
            help="Networks drawn per bridge (default 256, at least 2); more draws, smaller MC error.",
        ),
    ] = None,
    max_iterations: Annotated[
        int | None,
        typer.Option(
            "--max-iterations",
            help="MCMC-MLE iterations before a fit is reported as not converged (default 20).",
        ),
    ] = None,
    proposal: Annotated[
        str | None,
        typer.Option(
            "--proposal",
            help="MCMC proposal of a fit with dyad-dependent terms: TNT (tie / no tie; the default, "
            "as statnet's) or random (uniform random toggles).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the fit as JSON.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar (shown on a terminal only).")
    ] = False,
) -> None:
    """Fit an ERGM to a network given as CSV files; prints a table laid out like R's summary(ergm).

    An MCMC fit that did not pass its convergence test is still printed, then a warning on
    stderr says what to try, and the exit code is 1.
    """
    from analytics.ergm import ergm
    from analytics.ergm.bridge import DEFAULT_BRIDGE_DRAWS, DEFAULT_BRIDGES
    from analytics.ergm.dependent import MAX_ITERATIONS
    from analytics.ergm.proposal import DEFAULT_PROPOSAL, check_proposal
    from analytics.network_files import read_network

    _check_at_least("--seed", seed, 0)
    _check_at_least("--bridges", bridges, 0)
    _check_at_least("--bridge-draws", bridge_draws, 2)
    _check_at_least("--max-iterations", max_iterations, 1)
    try:
        proposal = check_proposal(DEFAULT_PROPOSAL if proposal is None else proposal)
    except ValueError as exc:
        raise UserInputError(f"--proposal {proposal}: {exc}") from None
    iterations = MAX_ITERATIONS if max_iterations is None else max_iterations
    if response is not None and reference == "bernoulli":
        reference = "poisson"
    net = read_network(nodes, edges, _edgecov_pairs(edgecov or []), directed=not undirected)
    # a bar on a terminal (an MCMC fit and its bridges take tens of seconds at 88 units); nothing
    # when redirected, so a script or log gets the fit alone
    with step_progress(as_json or quiet, total=1, lines=False) as tick:
        result = ergm(
            formula,
            net,
            response=response,
            reference=reference,
            backend=backend.value,
            seed=seed,
            progress=tick,
            bridges=DEFAULT_BRIDGES if bridges is None else bridges,
            bridge_draws=DEFAULT_BRIDGE_DRAWS if bridge_draws is None else bridge_draws,
            max_iterations=iterations,
            proposal=proposal,
        )
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), indent=2, allow_nan=False))
    else:
        typer.echo(result.summary())
    if result.converged is False:
        d = result.diagnostics or {}
        typer.echo(
            f"warning: the MCMC fit did not converge in {result.iterations} iterations (convergence test"
            f" p = {d.get('convergence_p', float('nan')):.2g}, needs < 0.01), so its estimates may be"
            f" inaccurate; try --max-iterations {2 * iterations}, another --seed, or a simpler model",
            err=True,
        )
        raise typer.Exit(1)
