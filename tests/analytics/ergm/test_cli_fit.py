"""`triage study fit`: JSON output, summary table, seeds, convergence and progress. Located input
errors are in ``test_cli_fit_input_errors.py``, sampling settings in ``test_cli_fit_sampling.py``;
the three share ``fit_cli.py``."""

from __future__ import annotations

import contextlib
import functools
import io
import json
from pathlib import Path

import pytest

from analytics.ergm.bridge import DEFAULT_BRIDGE_DRAWS, DEFAULT_BRIDGES
from analytics.ergm.dependent import MAX_ITERATIONS, fit_mcmc
from analytics.ergm.proposal import DEFAULT_PROPOSAL
from analytics.study import DEFAULT_SEED
from tests.analytics.ergm.conftest import strict_json_loads
from tests.analytics.ergm.fit_cli import EXAMPLE, FIT, MCMC_FIT, VALUED, _files, _run
from triage.cli import main


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
    assert next(iter(payload.items())) == ("format_version", "clinic-triage-study-fit/2")
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
        "backend",
        "r_version",
        "ergm_version",
        "software",
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


@pytest.fixture(scope="module")
def default_fit() -> str:
    """What `triage study fit` printed for MCMC_FIT (the default seed and proposal), run once for
    the seed and proposal tests, which each ran it (an MCMC fit and its bridge)."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(MCMC_FIT) == 0
    return stdout.getvalue()


def test_seed_repeats_an_mcmc_fit_and_another_seed_changes_it(
    default_fit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    default = default_fit
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


def test_response_alone_fits_poisson_and_no_option_bernoulli(capsys: pytest.CaptureFixture[str]) -> None:
    valued = json.loads(_run([*VALUED, "--response", "movers", "--json"], capsys))
    assert [t["term"] for t in valued["terms"]] == ["sum", "nodeicov.sum.HTH"]  # Poisson terms
    binary = json.loads(_run([*VALUED[:-1], 'edges + nodeicov("HTH")', "--json"], capsys))
    assert [t["term"] for t in binary["terms"]] == ["edges", "nodeicov.HTH"]


def test_proposal_is_recorded_and_the_old_one_is_selectable(
    default_fit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    default = strict_json_loads(default_fit)
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
    assert "warning" not in captured.err  # its stages, one line each (below), and nothing else


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


def test_a_terminal_sees_the_fits_progress_as_a_bar_and_a_redirected_run_one_line_per_stage(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An MCMC fit and its bridge sampling (tens of seconds at 88 units) showed nothing while they
    ran. On a terminal a bar does, on stderr, so `... > fit.txt` still shows it and the file holds
    the fit alone. Redirected (a log file, a cron job) stderr stayed empty: a log could not say
    where a long fit was. It now gets one plain line per stage - no bar, no carriage return, not a
    line per iteration - and stdout still the fit alone; --quiet adds nothing."""
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
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        '... fitting edges + mutual + nodeicov("HTH") to 12 units (132 dyads)',
        "... MCMC-MLE: sampling networks at the estimate, at most 20 iterations",
        "... bridge sampling the log-likelihood: 2 bridges",
    ]
    assert "\r" not in captured.err and "\x1b" not in captured.err
    assert captured.out.splitlines()[1] == "Call:" and "... " not in captured.out
    # an exact fit: its Newton iterations, one line, also for a formula over two lines of a script
    exact = [*FIT, 'edges +\n    nodeicov("HTH")']
    assert main(exact) == 0
    assert capsys.readouterr().err == '... fitting edges + nodeicov("HTH") to 12 units (132 dyads)\n'
    assert main([*summary, "--quiet"]) == 0
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
        "\n".join([edges[0] + ",synthetic", edges[1] + ",maybe", *(e + ",true" for e in edges[2:])]) + "\n",
        encoding="utf-8",
    )
    assert main([*base, "--formula", "edges"]) == 2
    assert (
        capsys.readouterr().err
        == f'error: {f["edges"]}: line 2, column "synthetic": "maybe" is not true or false\n'
    )
