"""Dyad-dependent terms: exact edges + mutual, MCMC-MLE against it and against statnet's Florentine fit."""

from __future__ import annotations

import re
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analytics.ergm import Network, ergm, parse_formula
from analytics.ergm.dependent import Chain, dependent_terms, fit_mcmc
from analytics.errors import FormulaError
from tests.analytics.ergm.conftest import reciprocal_network


def _florentine() -> Network:
    graph = nx.florentine_families_graph()
    graph.add_node("Pucci")  # statnet's flomarriage has 16 families; Pucci has no marriage ties
    nodes = pd.DataFrame({"id": sorted(graph.nodes())})
    return Network(nodes, pd.DataFrame(list(graph.edges()), columns=["source", "target"]), directed=False)


def test_edges_mutual_closed_form_matches_the_dyad_census() -> None:
    net = reciprocal_network()
    fit = ergm("edges + mutual", net)
    assert fit.method.startswith("Maximum Likelihood (exact")
    y = net.response(None)
    upper = np.triu_indices(net.n, 1)
    f, b = y[upper], y.T[upper]
    mutual, asym = np.sum((f == 1) & (b == 1)), np.sum(f != b)
    null = len(f) - mutual - asym
    # At the MLE the expected dyad census equals the observed one.
    a, m = np.exp(fit.coef[0]), np.exp(2 * fit.coef[0] + fit.coef[1])
    z = 1 + 2 * a + m
    assert len(f) * 2 * a / z == pytest.approx(asym)
    assert len(f) * m / z == pytest.approx(mutual)
    assert len(f) / z == pytest.approx(null)
    assert np.isfinite(fit.aic) and fit.bic > fit.aic


def test_edges_mutual_in_either_order_is_the_same_exact_fit() -> None:
    net = reciprocal_network()
    forward, backward = ergm("edges + mutual", net), ergm("mutual + edges", net)
    assert backward.method == forward.method
    assert forward.method.startswith("Maximum Likelihood (exact")
    # Terms as the formula writes them (as R lays them out); the same estimates by name.
    assert forward.terms == ("edges", "mutual") and backward.terms == ("mutual", "edges")
    assert dict(zip(backward.terms, backward.coef, strict=True)) == pytest.approx(
        dict(zip(forward.terms, forward.coef, strict=True))
    )
    assert dict(zip(backward.terms, backward.se, strict=True)) == pytest.approx(
        dict(zip(forward.terms, forward.se, strict=True))
    )
    np.testing.assert_allclose(backward.cov, forward.cov[::-1, ::-1])
    assert backward.loglik == forward.loglik


def test_mcmc_agrees_with_the_exact_edges_mutual_mle() -> None:
    net = reciprocal_network()
    exact = ergm("edges + mutual", net)
    terms = dependent_terms(parse_formula("edges + mutual"), net)
    mcmc = fit_mcmc(terms, net, seed=11)
    # Within Monte Carlo error plus a small tolerance for the finite sample.
    assert np.all(np.abs(mcmc.coef - exact.coef) < 3 * mcmc.mcmc_se + 0.15), (mcmc.coef, exact.coef)
    np.testing.assert_allclose(np.sqrt(np.diag(mcmc.cov)), exact.se, rtol=0.3)
    assert mcmc.diagnostics["converged"] is True


@pytest.fixture(scope="module")
def florentine_fit() -> Any:
    """flomarriage ~ edges + triangle fitted by MCMC at seed 3 (about a second), read by the statnet
    comparison and fitted again by the same-seed test."""
    return ergm("edges + triangle", _florentine(), seed=3)


def test_florentine_edges_triangle_matches_statnet_within_monte_carlo_error(florentine_fit) -> None:
    fit = florentine_fit
    assert fit.terms == ("edges", "triangle")
    assert fit.method == "Monte Carlo Maximum Likelihood"
    # statnet's ergm tutorial (flomarriage ~ edges + triangle): edges about -1.68, triangle about 0.16,
    # with standard errors of about 0.35 and 0.6.
    assert fit.coef[0] == pytest.approx(-1.68, abs=0.2)
    assert fit.coef[1] == pytest.approx(0.16, abs=0.3)
    assert fit.se[0] == pytest.approx(0.35, abs=0.1)
    # statnet prints Residual Deviance 108.1 on 118 df, AIC 112.1 and BIC 117.6 for this fit (its
    # log-likelihood also by bridge sampling); ours is within rounding plus Monte Carlo error.
    assert fit.loglik_mc_se < 0.05
    assert fit.aic == pytest.approx(112.1, abs=0.05 + 4 * 2 * fit.loglik_mc_se)
    assert fit.bic == pytest.approx(117.6, abs=0.1 + 4 * 2 * fit.loglik_mc_se)
    text = fit.summary()
    assert "Monte Carlo Maximum Likelihood Results" in text and "effective sample sizes" in text
    assert fit.diagnostics is not None and fit.diagnostics["seed"] == 3


def test_same_seed_same_estimate(florentine_fit) -> None:
    again = ergm("edges + triangle", _florentine(), seed=3)  # the module's fit, from a fresh network
    np.testing.assert_array_equal(again.coef, florentine_fit.coef)


def test_gwesp_recovers_a_simulated_directed_network() -> None:
    n = 30
    nodes = pd.DataFrame({"id": [str(k) for k in range(n)]})
    empty = Network(nodes, pd.DataFrame({"source": [], "target": []}))
    terms = dependent_terms(parse_formula("edges + gwesp(0.5, fixed=TRUE)"), empty)
    truth = np.array([-3.0, 0.6])
    chain = Chain(terms, np.zeros((n, n), dtype=int), directed=True)
    chain.sample(truth, np.random.default_rng(1), draws=1, interval=1, burnin=60_000)
    s, t = np.nonzero(chain.a)
    net = Network(nodes, pd.DataFrame({"source": s.astype(str), "target": t.astype(str)}))
    # The estimates are what is tested here; the bridge (its log-likelihood) is skipped to save time.
    fit = ergm("edges + gwesp(0.5, fixed=TRUE)", net, seed=2, bridges=0)
    assert fit.terms == ("edges", "gwesp.fixed.0.5")
    assert np.all(np.abs(fit.coef - truth) < 3 * fit.se), (fit.coef, fit.se)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("edges + mutual(same='x')", 'term mutual: argument same="x" is not supported here'),
        ("edges + triangle('x')", 'term triangle: takes no arguments here; got "x"'),
        ("edges + gwesp(0.5)", "only a fixed decay is supported"),
        ("edges + gwesp(0.5, FALSE)", "only a fixed decay is supported"),
        ("edges + gwesp(0.5, fixed=TRUE, cutoff=10)", 'term gwesp: argument cutoff="10" is not supported'),
        ("edges + gwesp(decay=abc, fixed=TRUE)", 'term gwesp: decay "abc" is not a number'),
    ],
)
def test_dependent_terms_refuse_arguments_they_would_ignore(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=re.escape(message)):
        dependent_terms(parse_formula(formula), _florentine())


def test_gwesp_takes_fixed_by_position_as_r_does() -> None:
    (term,) = dependent_terms(parse_formula("gwesp(0.25, TRUE)"), _florentine())
    assert term.name == "gwesp.fixed.0.25" and term.decay == 0.25


def test_change_statistics_match_recounting() -> None:
    rng = np.random.default_rng(0)
    n = 9
    adj = (rng.random((n, n)) < 0.3).astype(int)
    np.fill_diagonal(adj, 0)
    nodes = pd.DataFrame({"id": [str(k) for k in range(n)]})
    s, t = np.nonzero(adj)
    net = Network(nodes, pd.DataFrame({"source": s.astype(str), "target": t.astype(str)}))
    terms = dependent_terms(parse_formula("edges + mutual + triangle"), net)
    chain = Chain(terms, adj, directed=True)
    a = adj
    transitive = sum(a[i, j] * a[j, k] * a[i, k] for i in range(n) for j in range(n) for k in range(n))
    cyclic = sum(a[i, j] * a[j, k] * a[k, i] for i in range(n) for j in range(n) for k in range(n)) / 3
    mutual = np.sum(a * a.T) / 2
    assert chain.stats.tolist() == [a.sum(), mutual, transitive + cyclic]


def test_a_tie_from_a_unit_to_itself_is_no_tie_of_the_model() -> None:
    """An edge list row a -> a counted as a tie in an MCMC fit's observed statistics (edges 3 for
    two ties between units, and the chain could remove it but never add it back), while an exact
    fit left it out; it is ignored everywhere, as moves within a unit are."""
    nodes = pd.DataFrame({"id": list("abcd")})
    with_loop = Network(nodes, pd.DataFrame({"source": ["a", "b", "a"], "target": ["b", "c", "a"]}))
    without = Network(nodes, pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]}))
    terms = dependent_terms(parse_formula("edges + mutual"), with_loop)
    loop_chain = Chain(terms, with_loop.response(None), directed=True)
    plain_chain = Chain(terms, without.response(None), directed=True)
    np.testing.assert_array_equal(loop_chain.stats, [2.0, 0.0])
    np.testing.assert_array_equal(loop_chain.stats, plain_chain.stats)
    assert sorted(loop_chain.ties.keys) == sorted(plain_chain.ties.keys) == [1, 6]
