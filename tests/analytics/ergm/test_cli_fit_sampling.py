"""`triage study fit`'s sampling settings (seed, proposal, iterations, bridges) in the CLI and the API:
their ranges and choices are the engine's, and a setting a fit would not use is refused naming it."""

from __future__ import annotations

import pytest

from analytics.ergm.plan import SAMPLING_SETTINGS, fit_plan
from analytics.ergm.proposal import PROPOSALS
from analytics.rbridge import r_available, r_has_ergm
from tests.analytics.ergm.fit_cli import EXAMPLE, FIT, MCMC_FIT, VALUED
from triage.cli import main, study_fit
from triage.cli.study_fit import ProposalName


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


SAMPLING = [
    ("--seed", "7"),
    ("--proposal", "random"),
    ("--max-iterations", "5"),
    ("--mcmc-interval", "20"),
    ("--mcmc-burnin", "500"),
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
        "error: --seed, --proposal, --max-iterations, --mcmc-interval, --mcmc-burnin, --bridges and"
        " --bridge-draws apply only to a fit by MCMC; this model is fitted by exact maximum likelihood"
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


API_SAMPLING = {
    "seed": 7,
    "proposal": "random",
    "max_iterations": 5,
    "mcmc_interval": 20,
    "mcmc_burnin": 500,
    "bridges": 4,
    "bridge_draws": 50,
}


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
        match=r"^seed=7, proposal='random', max_iterations=5, mcmc_interval=20, mcmc_burnin=500,"
        r" bridges=4 and bridge_draws=50 apply only to a fit by MCMC; .*; drop them$",
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
