"""`triage study fit`: JSON output, summary table and located input errors."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

from analytics.ergm.bridge import DEFAULT_BRIDGE_DRAWS, DEFAULT_BRIDGES
from analytics.ergm.dependent import MAX_ITERATIONS, fit_mcmc
from analytics.ergm.plan import SAMPLING_SETTINGS, fit_plan
from analytics.ergm.proposal import DEFAULT_PROPOSAL, PROPOSALS
from analytics.rbridge import r_available, r_has_ergm
from analytics.study import DEFAULT_SEED
from tests.analytics.ergm.conftest import strict_json_loads
from triage.cli import main, study_fit
from triage.cli.study_fit import ProposalName

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"
#: A dyad-dependent fit on the 12-unit example (132 dyads), with a short bridge: about 0.5 s.
MCMC_FIT = [
    "study",
    "fit",
    "--nodes",
    str(EXAMPLE / "nodes.csv"),
    "--edges",
    str(EXAMPLE / "edges.csv"),
    "--formula",
    'edges + mutual + nodeicov("HTH")',
    "--bridges",
    "2",
    "--bridge-draws",
    "20",
    "--json",
]


def _files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(2)
    ids = [f"u{k}" for k in range(15)]
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(
        "id,HTH,PCF\n" + "".join(f"{i},{rng.integers(0, 20)},{rng.integers(10, 90)}\n" for i in ids),
        encoding="utf-8",
    )
    edges = tmp_path / "edges.csv"
    pairs = [(a, b) for a in ids for b in ids if a != b and rng.random() < 0.25]
    edges.write_text(
        "from,to,movers\n" + "".join(f"{a},{b},{rng.integers(1, 9)}\n" for a, b in pairs), encoding="utf-8"
    )
    matrix = tmp_path / "geo.csv"
    matrix.write_text(
        "id,"
        + ",".join(ids)
        + "\n"
        + "".join(f"{a}," + ",".join(f"{rng.random():.4f}" for _ in ids) + "\n" for a in ids),
        encoding="utf-8",
    )
    long = tmp_path / "cul.csv"
    long.write_text("source,target,value\nu1,u2,1\nu2,u1,1\n", encoding="utf-8")
    return {"nodes": nodes, "edges": edges, "geo": matrix, "cul": long}


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _files(tmp_path)
    code = main(
        [
            "study",
            "fit",
            "--nodes",
            str(f["nodes"]),
            "--edges",
            str(f["edges"]),
            "--edgecov",
            f"GeoProx={f['geo']}",
            "--edgecov",
            f"CulProx={f['cul']}",
            "--formula",
            'edges + nodeicov("HTH") + edgecov("GeoProx") + edgecov("CulProx")',
            "--json",
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert [t["term"] for t in payload["terms"]] == [
        "edges",
        "nodeicov.HTH",
        "edgecov.GeoProx",
        "edgecov.CulProx",
    ]
    assert next(iter(payload.items())) == ("format_version", "clinic-triage-study-fit/1")
    assert set(payload) == {
        "format_version",
        "terms",
        "loglik",
        "loglik_mc_se",
        "loglik_method",
        "aic",
        "bic",
        "n_nodes",
        "n_dyads",
        "directed",
        "method",
        "seed",
        "proposal",
        "converged",
        "synthetic",
        "synthetic_marks",
    }
    assert payload["loglik_method"] == "exact" and payload["loglik_mc_se"] == 0.0
    assert payload["method"] == "Maximum Likelihood" and payload["seed"] is None  # no sampling
    assert payload["converged"] is None and payload["proposal"] is None  # no MCMC
    assert payload["n_dyads"] == 15 * 14 and payload["directed"] is True


def test_valued_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _files(tmp_path)
    code = main(
        [
            "study",
            "fit",
            "--nodes",
            str(f["nodes"]),
            "--edges",
            str(f["edges"]),
            "--formula",
            'sum + nodeicov("HTH")',
            "--response",
            "movers",
            "--reference",
            "poisson",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "nodeicov.sum.HTH" in out and "AIC" in out


def test_bad_inputs_exit_2_and_say_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _files(tmp_path)
    base = ["study", "fit", "--nodes", str(f["nodes"]), "--formula", "edges"]
    bad_edges = tmp_path / "bad_edges.csv"
    bad_edges.write_text("source,target\nu1,ghost\n", encoding="utf-8")
    assert main([*base, "--edges", str(bad_edges)]) == 2
    assert 'bad_edges.csv: line 2: target "ghost" is not an id' in capsys.readouterr().err
    assert main([*base, "--edges", str(f["edges"]), "--formula", "edges + nodeicov('NOPE')"]) == 2
    err = capsys.readouterr().err
    assert 'no node attribute "NOPE"' in err and "nodes.csv: no node attribute" in err
    square = tmp_path / "ragged.csv"
    square.write_text("id,u0,u1\nu0,0,1\n", encoding="utf-8")
    assert main([*base, "--edges", str(f["edges"]), "--edgecov", f"G={square}"]) == 2
    assert "not square" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("edges_text", "covariate_text", "message"),
    [
        ("from,to,movers\nu1,u2,many\n", None, 'edges.csv: line 2: movers "many" is not a number'),
        (
            None,
            "source,target,value\nu1,ghost,1\n",
            'cov.csv: line 2: "ghost" is not an id in the nodes file',
        ),
        (None, "source,target,value\nu1,u2,high\n", 'cov.csv: line 2: value "high" is not a number'),
        (None, "id,u0,u1\nu0,0,1\nu1,1,0\n", 'cov.csv: node "u2" has no row or column in the matrix'),
    ],
)
def test_values_in_bad_network_files_are_quoted_as_json(
    edges_text: str | None,
    covariate_text: str | None,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """These values were Python reprs ('many', 'ghost'); the nodes file's errors quote as JSON."""
    f = _files(tmp_path)
    if edges_text is not None:
        f["edges"].write_text(edges_text, encoding="utf-8")
    covariate = tmp_path / "cov.csv"
    covariate.write_text(covariate_text or "source,target,value\nu1,u2,1\n", encoding="utf-8")
    argv = ["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    argv += ["--edgecov", f"C={covariate}", "--formula", 'edges + edgecov("C")']
    assert main(argv) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / message}\n"


def test_a_matrix_cell_that_is_not_a_number_and_a_bad_edgecov_are_quoted_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _files(tmp_path)
    ids = [f"u{k}" for k in range(15)]
    rows = [",".join([a, *("x" if (a, b) == ("u0", "u1") else "0" for b in ids)]) for a in ids]
    f["geo"].write_text("id," + ",".join(ids) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    argv = ["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    argv += ["--formula", 'edges + edgecov("G")']
    assert main([*argv, "--edgecov", f"G={f['geo']}"]) == 2
    # said "cell (u0, u1) ..." alone: the line and column now, as for the nodes file
    assert (
        capsys.readouterr().err
        == f'error: {f["geo"]}: line 2, column "u1": cell (u0, u1) value "x" is not a number\n'
    )
    empty = [",".join([a, *("" if (a, b) == ("u2", "u0") else "0" for b in ids)]) for a in ids]
    f["geo"].write_text("id," + ",".join(ids) + "\n" + "\n".join(empty) + "\n", encoding="utf-8")
    assert main([*argv, "--edgecov", f"G={f['geo']}"]) == 2  # said 'value "" is not a number'
    assert (
        capsys.readouterr().err
        == f'error: {f["geo"]}: line 4, column "u0": cell (u2, u0) is empty; give a number\n'
    )
    assert main([*argv, "--edgecov", "G"]) == 2
    assert capsys.readouterr().err == 'error: --edgecov "G": expected NAME=FILE.csv\n'


@pytest.mark.parametrize(
    ("nodes_text", "message"),
    [
        ("", "nodes.csv: the nodes file is empty (not even a header row)"),
        ("id,HTH\n", "nodes.csv: the nodes file has a header row but no data rows"),
        ("id,HTH\nu0,1\nu1,2\nu0,3\n", 'nodes.csv: line 4, column "id": id "u0" repeats line 2'),
        ("id,HTH\nu0,1\n,2\n", 'nodes.csv: line 3, column "id": empty id'),
        (
            "id,HTH\nu0,1\nu1,many\n",
            'nodes.csv: line 3, column "HTH": node attribute "HTH": node "u1" has non-numeric value "many"',
        ),
        # said 'has non-numeric value ""'
        (
            "id,HTH\nu0,1\nu1,\n",
            'nodes.csv: line 3, column "HTH": node attribute "HTH": node "u1" has no value (an empty cell);'
            " give a number",
        ),
        # pandas' own words: "cannot read as CSV: Error tokenizing data. C error: Expected 2 fields in
        # line 3, saw 3\x0a" and "... C error: EOF inside string starting at row 2"
        (
            "id,HTH\nu0,1\nu1,1,5\n",
            "nodes.csv: not a valid CSV file: line 3: 3 fields where the header row has 2; quote a value"
            " that holds a comma",
        ),
        (
            'id,HTH\nu0,1\nu1,"2\nu2,3\n',
            'nodes.csv: not a valid CSV file: line 3: a quoted field (opened by ") is never closed',
        ),
        (
            'id,HTH\nu0,"1\n"\nu1,2,3\n',
            "nodes.csv: not a valid CSV file: line 4: 3 fields where the header row has 2; quote a value"
            " that holds a comma",
        ),
    ],
)
def test_a_bad_nodes_file_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], nodes_text: str, message: str
) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(nodes_text, encoding="utf-8")
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target\nu0,u1\n", encoding="utf-8")
    argv = [
        "study",
        "fit",
        "--nodes",
        str(nodes),
        "--edges",
        str(edges),
        "--formula",
        'edges + nodeicov("HTH")',
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1  # one line, no traceback


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def test_seed_repeats_an_mcmc_fit_and_another_seed_changes_it(capsys: pytest.CaptureFixture[str]) -> None:
    default = _run(MCMC_FIT, capsys)
    assert _run([*MCMC_FIT, "--seed", str(DEFAULT_SEED)], capsys) == default
    other = _run([*MCMC_FIT, "--seed", "7"], capsys)
    first, second = strict_json_loads(default), strict_json_loads(other)
    assert first["method"] == "Monte Carlo Maximum Likelihood"
    assert (first["seed"], second["seed"]) == (DEFAULT_SEED, 7)
    assert first["loglik_method"].startswith("bridge sampling: 2 bridges x 20 draws")
    assert [t["coef"] for t in first["terms"]] != [t["coef"] for t in second["terms"]]


def test_mcmc_fit_without_a_loglik_prints_strict_json(capsys: pytest.CaptureFixture[str]) -> None:
    no_bridge = [*MCMC_FIT[: MCMC_FIT.index("--bridges")], "--bridges", "0", "--json"]
    payload = strict_json_loads(_run([*no_bridge, "--seed", "1"], capsys))
    assert payload["loglik"] is None and payload["aic"] is None and payload["bic"] is None
    assert payload["loglik_method"] == "not estimated" and payload["seed"] == 1
    summary = _run([a for a in MCMC_FIT if a != "--json"] + ["--seed", "1"], capsys)
    assert "; seed 1" in summary  # the text output names the seed too


@pytest.mark.parametrize(
    ("option", "value", "least"),
    [
        ("--seed", "-1", 0),
        ("--bridges", "-1", 0),
        ("--bridge-draws", "1", 2),
        ("--bridge-draws", "0", 2),
        ("--max-iterations", "0", 1),
    ],
)
def test_sampling_settings_out_of_range_exit_2_in_typers_words(
    option: str, value: str, least: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """The words of every range in `triage study` and `triage report` (said '--seed -1: must be
    at least 0' here, "Invalid value for '--seed'" in `study rebuild`)."""
    assert main([*MCMC_FIT, option, value]) == 2
    assert capsys.readouterr().err == (
        f'error: triage study fit: Invalid value for "{option}": {value} is not in the range x>={least}'
        " (see `triage study fit --help`)\n"
    )


def test_an_unknown_proposal_is_refused_listing_the_proposals(capsys: pytest.CaptureFixture[str]) -> None:
    """--proposal was free text checked after the options; it is a choice, listed in --help as
    --reference is, and typer's one line names the option and the choices."""
    assert main([*MCMC_FIT, "--proposal", "gibbs"]) == 2
    assert capsys.readouterr().err == (
        'error: triage study fit: Invalid value for "--proposal": "gibbs" is not one of "tnt",'
        ' "random" (see `triage study fit --help`)\n'
    )
    assert main(["study", "fit", "--help"]) == 0
    assert "<tnt|random>" in capsys.readouterr().out


def test_the_proposal_choices_are_the_engines() -> None:
    assert [p.value for p in ProposalName] == list(PROPOSALS)


VALUED = [*MCMC_FIT[: MCMC_FIT.index("--formula") + 1], 'sum + nodeicov("HTH")']  # the same files


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--reference", "bernoulli", "--response", "movers"],
            "--reference bernoulli and --response movers contradict each other: a Bernoulli model fits"
            " binary ties, not counts; drop --response, or give --reference poisson",
        ),
        (
            ["--reference", "poisson"],
            "--reference poisson needs --response COLUMN, the edge column with the counts (e.g. --response movers)",
        ),
        (
            ["--backend", "r", "--bridges", "4"],
            "--bridges applies to --backend python only: R's ergm estimates an MCMC fit's log-likelihood"
            " its own way; drop --bridges, or use --backend python",
        ),
        (
            ["--backend", "r", "--bridges", "4", "--bridge-draws", "50"],
            "--bridges and --bridge-draws apply to --backend python only: R's ergm estimates an MCMC"
            " fit's log-likelihood its own way; drop them, or use --backend python",
        ),
    ],
)
def test_options_that_contradict_each_other_are_refused_naming_both(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--reference bernoulli --response movers fitted a Poisson model without a word; --backend r
    dropped --bridges; --reference poisson without --response said 'needs response=<edge column>'."""
    assert main([*VALUED, *options]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {message}\n" and captured.out == ""


#: The example's files with a formula to come (FIT[:-1] + [formula]), no sampling option.
FIT = MCMC_FIT[: MCMC_FIT.index("--formula") + 1]
SAMPLING = [
    ("--seed", "7"),
    ("--proposal", "random"),
    ("--max-iterations", "5"),
    ("--bridges", "4"),
    ("--bridge-draws", "50"),
]
INDEPENDENT = "every term of the formula is dyad-independent (none of mutual, triangle or gwesp); drop {them}"


@pytest.mark.parametrize(("option", "value"), SAMPLING)
@pytest.mark.parametrize(
    ("model", "fitted"),
    [
        (
            ['edges + nodeicov("HTH")'],
            "by exact maximum likelihood (a logistic regression on the dyads), sampling nothing, because "
            + INDEPENDENT,
        ),
        (
            ['sum + nodeicov("HTH")', "--response", "movers"],
            "by exact maximum likelihood (a Poisson regression on the dyads), sampling nothing, because "
            + INDEPENDENT,
        ),
        (
            ["mutual + edges"],
            "by exact maximum likelihood in closed form, sampling nothing, because edges and mutual alone"
            " on a directed network make each dyad's state independent of the others; drop {them}",
        ),
    ],
)
def test_a_sampling_option_of_a_fit_that_samples_nothing_is_refused(
    model: list[str], fitted: str, option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--seed, --proposal, --max-iterations, --bridges and --bridge-draws were ignored without a word
    when the model is fitted exactly (the analyst believed they took effect); the same fit without
    them runs."""
    assert main([*FIT, *model, option, value]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: {option} applies only to a fit by MCMC; this model is fitted {fitted.format(them=option)}\n"
    )
    assert main([*FIT, *model]) == 0


def test_every_sampling_option_that_would_be_ignored_is_named_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*FIT, 'edges + nodeicov("HTH")', *[a for pair in SAMPLING for a in pair]]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "error: --seed, --proposal, --max-iterations, --bridges and --bridge-draws apply only to a fit"
        " by MCMC; this model is fitted by exact maximum likelihood"
    )
    assert err.endswith("; drop them\n") and err.count("\n") == 1


def test_the_sampling_options_are_the_engines() -> None:
    assert list(study_fit._SAMPLING_OPTIONS) == list(SAMPLING_SETTINGS)
    assert [study_fit._SAMPLING_OPTIONS[name] for name in SAMPLING_SETTINGS] == [o for o, _ in SAMPLING]


@pytest.mark.parametrize(
    ("formula", "undirected", "mcmc"),
    [
        ('edges + nodeicov("HTH")', False, False),
        ("edges + mutual", False, False),
        ("mutual + edges", False, False),
        ('edges + mutual + nodeicov("HTH")', False, True),
        ("edges + triangle", True, True),
    ],
)
def test_the_plan_says_what_the_engine_does(formula: str, undirected: bool, mcmc: bool) -> None:
    """fit_plan and ergm() decide alike whether a fit samples (the options are checked by the plan)."""
    from analytics.ergm import ergm, parse_formula
    from analytics.network_files import read_network

    net = read_network(EXAMPLE / "nodes.csv", EXAMPLE / "edges.csv", {}, directed=not undirected)
    plan = fit_plan(parse_formula(formula), directed=net.directed, valued=False, backend="python")
    assert plan is not None and (plan.uses == set(SAMPLING_SETTINGS)) is mcmc and bool(plan.uses) is mcmc
    fit = ergm(formula, net, **({"seed": 1, "bridges": 0, "max_iterations": 3} if mcmc else {}))
    assert (fit.method == "Monte Carlo Maximum Likelihood") is mcmc


API_SAMPLING = {"seed": 7, "proposal": "random", "max_iterations": 5, "bridges": 4, "bridge_draws": 50}


@pytest.mark.parametrize("setting", SAMPLING_SETTINGS)
@pytest.mark.parametrize(
    ("formula", "undirected", "valued"),
    [
        ('edges + nodeicov("HTH")', False, False),
        ('sum + nodeicov("HTH")', False, True),
        ("mutual + edges", False, False),
        ('edges + nodecov("HTH")', True, False),
    ],
)
def test_the_api_refuses_a_sampling_setting_of_an_exact_fit_as_the_cli_does(
    formula: str, undirected: bool, valued: bool, setting: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """ergm() ignored seed=, proposal=, max_iterations=, bridges= and bridge_draws= without a word
    for a model it fits exactly, where `triage study fit` refuses them: the same check, the same
    words, the argument spelt as Python spells it."""
    from analytics.ergm import ergm, parse_formula
    from analytics.errors import AnalyticsInputError
    from analytics.network_files import read_network

    net = read_network(EXAMPLE / "nodes.csv", EXAMPLE / "edges.csv", {}, directed=not undirected)
    valued_args = {"response": "movers", "reference": "poisson"} if valued else {}
    value = API_SAMPLING[setting]
    with pytest.raises(AnalyticsInputError) as refused:
        ergm(formula, net, **valued_args, **{setting: value})  # type: ignore[arg-type]
    plan = fit_plan(parse_formula(formula), directed=not undirected, valued=valued, backend="python")
    assert plan is not None and not plan.uses
    spelt = f"{setting}={value!r}"
    assert str(refused.value) == (
        f"{spelt} applies only to a fit by MCMC; this model is fitted {plan.how}, because {plan.because};"
        f" drop {spelt}"
    )
    option = study_fit._SAMPLING_OPTIONS[setting]
    cli = [
        *FIT,
        formula,
        *(["--undirected"] if undirected else []),
        *(["--response", "movers"] if valued else []),
    ]
    assert main([*cli, option, str(value)]) == 2
    assert capsys.readouterr().err == "error: " + str(refused.value).replace(spelt, option) + "\n"
    assert ergm(formula, net, **valued_args).method.startswith("Maximum Likelihood")  # type: ignore[arg-type]


def test_the_api_names_every_unused_setting_and_keeps_those_an_mcmc_fit_uses() -> None:
    from analytics.ergm import ergm
    from analytics.errors import AnalyticsInputError
    from analytics.network_files import read_network

    net = read_network(EXAMPLE / "nodes.csv", EXAMPLE / "edges.csv", {})
    with pytest.raises(
        AnalyticsInputError,
        match=r"^seed=7, proposal='random', max_iterations=5, bridges=4"
        r" and bridge_draws=50 apply only to a fit by MCMC; .*; drop them$",
    ):
        ergm('edges + nodeicov("HTH")', net, **API_SAMPLING)  # type: ignore[arg-type]
    fit = ergm(
        'edges + mutual + nodeicov("HTH")',
        net,
        seed=7,
        proposal="random",
        max_iterations=5,
        bridges=2,
        bridge_draws=20,
    )
    assert fit.method == "Monte Carlo Maximum Likelihood" and fit.to_json_dict()["seed"] == 7
    assert fit.to_json_dict()["proposal"] == "random"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"bridges": 4},
            "bridges=4 applies to backend=\"python\" only: R's ergm estimates an MCMC fit's"
            ' log-likelihood its own way; drop bridges=4, or use backend="python"',
        ),
        (
            {"seed": 3, "bridges": 4, "bridge_draws": 50},
            "bridges=4 and bridge_draws=50 apply to"
            " backend=\"python\" only: R's ergm estimates an MCMC fit's log-likelihood its own way; drop"
            ' them, or use backend="python"',
        ),
    ],
)
def test_the_api_refuses_bridge_settings_for_r_as_the_cli_does(
    settings: dict[str, int], message: str
) -> None:
    """ergm(backend="r") dropped bridges= and bridge_draws= without a word (R estimates the
    log-likelihood its own way); refused before R is started, so this runs without R."""
    from analytics.ergm import ergm
    from analytics.errors import AnalyticsInputError
    from analytics.network_files import read_network

    net = read_network(EXAMPLE / "nodes.csv", EXAMPLE / "edges.csv", {})
    with pytest.raises(AnalyticsInputError) as refused:
        ergm("edges + mutual + triangle", net, backend="r", **settings)  # type: ignore[arg-type]
    assert str(refused.value) == message


def test_bridge_draws_with_no_bridges_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """--bridges 0 skips the bridge sampling: --bridge-draws with it was dropped without a word."""
    argv = [*FIT, 'edges + mutual + nodeicov("HTH")', "--bridges", "0", "--bridge-draws", "50"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "error: --bridges 0 and --bridge-draws 50 contradict each other: --bridges 0 skips the bridge"
        " sampling; drop --bridge-draws, or give --bridges 1 or more\n"
    )


def test_an_edgecov_given_twice_or_not_in_the_formula_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second file of a name given twice was used without a word; a covariate the formula never
    names was read and not used."""
    f = _files(tmp_path)
    base = ["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    formula = ["--formula", 'edges + edgecov("GeoProx")']
    assert main([*base, *formula, "--edgecov", f"GeoProx={f['geo']}"]) == 0
    capsys.readouterr()
    twice = ["--edgecov", f"GeoProx={f['geo']}", "--edgecov", f"GeoProx={f['cul']}"]
    assert main([*base, *formula, *twice]) == 2
    assert capsys.readouterr().err == (
        f"error: --edgecov GeoProx={f['geo']} and --edgecov GeoProx={f['cul']} give the same covariate"
        ' "GeoProx" twice; give each covariate once\n'
    )
    unused = ["--edgecov", f"GeoProx={f['geo']}", "--edgecov", f"CulProx={f['cul']}"]
    assert main([*base, *formula, *unused]) == 2
    assert capsys.readouterr().err == (
        f'error: --edgecov CulProx={f["cul"]}: the formula has no edgecov("CulProx"), so this covariate'
        ' would not be used; add edgecov("CulProx") to --formula, or drop the option\n'
    )


R_OK, R_INFO = r_available()


@pytest.mark.skipif(not R_OK, reason=f"R backend unavailable: {R_INFO}")
@pytest.mark.r
def test_r_sampling_options_of_a_fit_that_samples_nothing_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R fits a dyad-independent binary model exactly (ergm's MPLE or glm): --seed, --proposal and
    --max-iterations reached control.ergm() and changed nothing; a Poisson model samples only in
    R's ergm.count, so without R's ergm --seed changed nothing."""
    binary = [*FIT, 'edges + nodeicov("HTH")', "--backend", "r"]
    assert main([*binary, "--seed", "3", "--proposal", "random", "--max-iterations", "5"]) == 2
    assert capsys.readouterr().err == (
        "error: --seed, --proposal and --max-iterations apply only to a fit by MCMC; this model is fitted"
        " by exact maximum likelihood in R (a logistic regression on the dyads), sampling nothing,"
        " because " + INDEPENDENT.format(them="them") + "\n"
    )
    valued = [*FIT, 'sum + nodeicov("HTH")', "--response", "movers", "--backend", "r"]
    if r_has_ergm():  # ergm.count samples: the seed is used, the proposal and the bound are not
        assert main([*valued, "--proposal", "random"]) == 2
        assert capsys.readouterr().err.startswith(
            "error: --proposal applies only to a binary model's fit by MCMC; this model is fitted in"
            " R's ergm.count by MCMC, with a sampler of its own that takes the seed alone"
        )
        return
    assert main([*valued, "--seed", "3"]) == 2
    assert capsys.readouterr().err == (
        "error: --seed applies only to a fit by MCMC; this model is fitted by exact maximum likelihood"
        " in R's glm (a Poisson regression on the dyads), sampling nothing, because every term of the"
        " formula is dyad-independent (none of mutual, triangle or gwesp) and R's ergm package (whose"
        " ergm.count would sample) is not installed here; drop --seed\n"
    )
    assert main(valued) == 0


def test_response_alone_fits_poisson_and_no_option_bernoulli(capsys: pytest.CaptureFixture[str]) -> None:
    valued = json.loads(_run([*VALUED, "--response", "movers", "--json"], capsys))
    assert [t["term"] for t in valued["terms"]] == ["sum", "nodeicov.sum.HTH"]  # Poisson terms
    binary = json.loads(_run([*VALUED[:-1], 'edges + nodeicov("HTH")', "--json"], capsys))
    assert [t["term"] for t in binary["terms"]] == ["edges", "nodeicov.HTH"]


def test_an_unknown_reference_is_refused_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    """Said "reference must be 'bernoulli' or 'poisson', not 'foo'", naming no option."""
    assert main([*MCMC_FIT, "--reference", "foo"]) == 2
    assert capsys.readouterr().err == (
        'error: triage study fit: Invalid value for "--reference": "foo" is not one of "bernoulli",'
        ' "poisson" (see `triage study fit --help`)\n'
    )


def test_proposal_is_recorded_and_the_old_one_is_selectable(capsys: pytest.CaptureFixture[str]) -> None:
    default = strict_json_loads(_run(MCMC_FIT, capsys))
    assert default["proposal"] == DEFAULT_PROPOSAL == "TNT"
    random = strict_json_loads(_run([*MCMC_FIT, "--proposal", "random"], capsys))
    assert random["proposal"] == "random"
    assert [t["coef"] for t in random["terms"]] != [t["coef"] for t in default["terms"]]
    summary = _run([a for a in MCMC_FIT if a != "--json"] + ["--proposal", "RANDOM"], capsys)
    assert " proposals (random) after " in summary


def test_help_states_the_engine_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "fit", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert f"(default {DEFAULT_BRIDGES}, as R's ergm)" in text
    assert f"(default {DEFAULT_BRIDGE_DRAWS})" in text and "[x>=2]" in text  # the range, as typer shows it
    assert f"[default: {DEFAULT_SEED}]" in text
    assert f"(default {MAX_ITERATIONS})" in text
    assert "TNT (tie / no tie; the default, as statnet's)" in text


def test_the_documented_example_converges(capsys: pytest.CaptureFixture[str]) -> None:
    # docs/ergm.md's command, word for word (it printed "MCMC: NOT converged after 2 iterations").
    argv = ["study", "fit", "--nodes", str(EXAMPLE / "nodes.csv"), "--edges", str(EXAMPLE / "edges.csv")]
    assert main([*argv, "--formula", 'edges + mutual + nodeicov("HTH")']) == 0
    captured = capsys.readouterr()
    assert "\nMCMC: converged after " in captured.out and "NOT converged" not in captured.out
    assert captured.err == ""


def test_a_fit_that_did_not_converge_is_printed_then_warns_and_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10 draws a sample can never show convergence (test_convergence.py says why).
    monkeypatch.setattr("analytics.ergm.fit_mcmc", functools.partial(fit_mcmc, draws=10))
    assert main([*MCMC_FIT, "--max-iterations", "2"]) == 1
    captured = capsys.readouterr()
    payload = strict_json_loads(captured.out)  # the fit is still printed, in full
    assert payload["converged"] is False and payload["method"] == "Monte Carlo Maximum Likelihood"
    (warning,) = captured.err.splitlines()
    assert warning.startswith("warning: the MCMC fit did not converge in 2 iterations")
    assert "try --max-iterations 4, another --seed, or a simpler model" in warning


def test_a_folder_or_a_file_not_in_utf8_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder where a CSV file belongs was an IsADirectoryError traceback; a GBK file said
    only pandas' "'utf-8' codec can't decode byte 0xbc in position 0"."""
    f = _files(tmp_path)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,HTH\nu0,1\n甲,2\n".encode("gbk"))
    base = ["study", "fit", "--formula", "edges"]
    cases = [
        (
            ["--nodes", str(tmp_path), "--edges", str(f["edges"])],
            f"--nodes {tmp_path}: a folder; give the CSV file itself",
        ),
        (
            ["--nodes", str(f["nodes"]), "--edges", str(tmp_path)],
            f"--edges {tmp_path}: a folder; give the CSV file itself",
        ),
        (
            ["--nodes", str(f["nodes"]), "--edges", str(f["edges"]), "--edgecov", f"G={tmp_path}"],
            f"--edgecov G={tmp_path}: a folder; give the CSV file itself",
        ),
        (
            ["--nodes", str(gbk), "--edges", str(f["edges"])],
            f"{gbk}: byte 12 is not UTF-8; save the nodes file as UTF-8",
        ),
    ]
    for argv, message in cases:
        assert main([*base, *argv]) == 2
        assert capsys.readouterr().err == f"error: {message}\n"


def test_a_missing_file_names_its_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Said 'nodes file nope.csv does not exist', 'dyadic covariate file geo.csv does not exist':
    not which option to correct."""
    f = _files(tmp_path)
    monkeypatch.chdir(tmp_path)
    base = ["study", "fit", "--formula", "edges"]
    cases = [
        (["--nodes", "nope.csv", "--edges", "edges.csv"], "--nodes nope.csv: no such file"),
        (["--nodes", "nodes.csv", "--edges", "nope.csv"], "--edges nope.csv: no such file"),
        (
            ["--nodes", "nodes.csv", "--edges", "edges.csv", "--edgecov", "G=nope.csv"],
            "--edgecov G=nope.csv: no such file",
        ),
    ]
    assert f["nodes"].name == "nodes.csv" and f["edges"].name == "edges.csv"
    for argv, message in cases:
        assert main([*base, *argv]) == 2
        assert capsys.readouterr().err == f"error: {message}\n"


def test_a_terminal_sees_the_fits_progress_on_stderr_and_a_redirected_run_none(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An MCMC fit and its bridge sampling (tens of seconds at 88 units) showed nothing while they
    ran. On a terminal a bar now does, on stderr, so `... > fit.txt` still shows it and the file
    holds the fit alone; redirected, or with --quiet, nothing is added."""
    summary = [a for a in MCMC_FIT if a != "--json"]
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.setenv("TERM", "xterm")
    assert main(summary) == 0
    captured = capsys.readouterr()
    # the bar (redrawn ten times a second: which steps it caught varies; the last is drawn)
    assert "━" in captured.err and "bridge sampling" in captured.err
    assert "━" not in captured.out and captured.out.splitlines()[1] == "Call:"  # after SYNTHETIC
    assert main([*summary, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert main(summary) == 0
    assert capsys.readouterr().err == ""


def test_synthetic_inputs_are_labelled_and_their_edge_flag_is_not_a_weight(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`triage study fit` printed a fit of the fictional examples/study or of the rebuild's
    generated files as if of real data, and refused the rebuild's own Figure 2 edge list
    (figure2_edges_*.csv) with 'synthetic "true" is not a number'. The marks the study data
    carry (study.json, synthetic_columns, a synthetic edge column) now label the fit."""
    example = [*FIT, 'edges + nodeicov("HTH")']
    printed = _run(example, capsys)
    assert printed.splitlines()[0] == (
        "SYNTHETIC data (generated or made up, for teaching and testing): "
        f'{EXAMPLE / "study.json"} says "synthetic": true (12 fictional units)'
    )
    as_json = strict_json_loads(_run([*example, "--json"], capsys))
    assert as_json["synthetic"] is True and len(as_json["synthetic_marks"]) == 1

    f = _files(tmp_path)
    base = ["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    real = strict_json_loads(_run([*base, "--formula", 'edges + nodeicov("HTH")', "--json"], capsys))
    assert real["synthetic"] is False and real["synthetic_marks"] == []
    nodes = f["nodes"].read_text(encoding="utf-8").splitlines()
    f["nodes"].write_text(
        "\n".join([nodes[0] + ",synthetic_columns", *(line + ",HTH;PCF" for line in nodes[1:])]) + "\n",
        encoding="utf-8",
    )
    edges = f["edges"].read_text(encoding="utf-8").splitlines()
    f["edges"].write_text(
        "\n".join([edges[0] + ",synthetic", *(line + ",true" for line in edges[1:])]) + "\n", encoding="utf-8"
    )
    flagged = _run([*base, "--response", "movers", "--formula", 'sum + nodeicov("HTH")'], capsys)
    assert flagged.splitlines()[0] == (
        f"SYNTHETIC data (generated or made up, for teaching and testing): {f['nodes']}: synthetic_columns"
        f" HTH, PCF; {f['edges']}: synthetic column true"
    )
    assert "nodeicov.sum.HTH" in flagged
    assert main([*base, "--response", "synthetic", "--formula", "sum"]) == 2  # not a count column
    assert "synthetic" in capsys.readouterr().err
    f["edges"].write_text(
        "\n".join([edges[0] + ",synthetic", edges[1] + ",maybe", *edges[2:]]) + "\n", encoding="utf-8"
    )
    assert main([*base, "--formula", "edges"]) == 2
    assert capsys.readouterr().err == f'error: {f["edges"]}: line 2: synthetic "maybe" is not true or false\n'


@pytest.mark.parametrize(
    ("formula", "valued", "says"),
    [
        (
            'edges + nodeicov("HTH") + foo',
            False,
            'unknown term "foo"; the terms of a binary model: edges, nodecov, nodeicov, nodeocov, edgecov,'
            " absdiff, nodematch, nodefactor, mutual, triangle, gwesp",
        ),
        (
            'sum + absdiff("HTH")',
            True,
            'term "absdiff" is for a binary model, not a valued one; the terms of a valued model: sum,'
            " nodecov, nodeicov, nodeocov, edgecov",
        ),
        ('edges + nodeicov("HTH"', False, "unbalanced parentheses or quotes"),
    ],
)
def test_a_formula_error_names_the_option_and_the_known_terms(
    formula: str, valued: bool, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*FIT, formula, *(["--response", "movers"] if valued else [])]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --formula: ") and says in err, err
    assert len(err.splitlines()) == 1


def test_the_formula_help_lists_the_engines_terms() -> None:
    """--formula's help gave one example and no list of terms; it now lists them, as the engine
    knows them (a new term must be added to both)."""
    import typer

    from analytics.ergm.terms import BINARY_TERMS, VALUED_TERMS
    from triage.cli import app

    fit = typer.main.get_command(app).commands["study"].commands["fit"]  # type: ignore[attr-defined]
    formula = next(p for p in fit.params if p.name == "formula").help
    assert f"Terms: {', '.join(BINARY_TERMS)};" in formula, formula
    assert f"with --response: {', '.join(VALUED_TERMS)} (docs/ergm.md)." in formula
