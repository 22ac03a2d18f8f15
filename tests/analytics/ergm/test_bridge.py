"""Bridge-sampled log-likelihoods of MCMC fits against exact enumeration of every graph.

On four nodes a directed network has 12 dyads, so all 2**12 = 4,096 graphs can be listed: the
normalising constant log sum_y exp(theta . g(y)) and hence the log-likelihood are then exact.
The statistics are recounted here from the adjacency matrices, independently of the sampler's
change statistics. Tolerances are four times the Monte Carlo standard error the bridge reports,
and that standard error is itself checked against the spread over seeds. The midpoint rule's own
error is far below it: computed exactly from the enumeration for the networks and coefficients
used here it was under 0.001 (about 1e-4 to 6e-4).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp, softmax

from analytics.ergm import Network, ergm, parse_formula
from analytics.ergm.bridge import bridge_loglik
from analytics.ergm.dependent import dependent_terms, exact_edges_mutual
from tests.analytics.ergm.conftest import reciprocal_network, strict_json_loads

N = 4
PAIRS = [(i, j) for i in range(N) for j in range(N) if i != j]
X = np.array([0.0, 1.0, 2.0, 3.0])  # a receiver covariate for nodeicov("x")
# Observed networks whose MCMC-MLE exists (the observed statistics are inside their hull).
OBSERVED = {
    "a": np.array([[0, 1, 0, 0], [0, 0, 0, 1], [1, 1, 0, 0], [1, 1, 0, 0]]),
    "b": np.array([[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0]]),
}
FITTED = ("edges + triangle", "a")  # the model and network of the module's fit (``fitted``)


def _network(adj: np.ndarray) -> Network:
    s, t = np.nonzero(adj)
    return Network(
        pd.DataFrame({"id": [str(k) for k in range(N)], "x": X}),
        pd.DataFrame({"source": s.astype(str), "target": t.astype(str)}),
    )


@pytest.fixture(scope="module")
def every_graph() -> dict[str, np.ndarray]:
    """Statistics of all 4,096 directed graphs on four nodes, by ergm term name."""
    bits = (np.arange(2 ** len(PAIRS))[:, None] >> np.arange(len(PAIRS))) & 1
    a = np.zeros((len(bits), N, N))
    a[:, [p[0] for p in PAIRS], [p[1] for p in PAIRS]] = bits
    two_paths = np.einsum("gik,gkj->gij", a, a)
    r = 1 - np.exp(-0.5)
    return {
        "edges": a.sum(axis=(1, 2)),
        "mutual": (a * a.transpose(0, 2, 1)).sum(axis=(1, 2)) / 2,
        # ergm's directed triangle: transitive triples plus cyclic triples
        "triangle": np.einsum("gij,gjk,gik->g", a, a, a) + np.einsum("gij,gjk,gki->g", a, a, a) / 3,
        # outgoing two-path edgewise shared partners, ergm's default for directed gwesp
        "gwesp.fixed.0.5": np.exp(0.5) * (a * (1 - r**two_paths)).sum(axis=(1, 2)),
        "nodeicov.x": (a * X[None, None, :]).sum(axis=(1, 2)),
    }


def _exact_loglik(
    stats: dict[str, np.ndarray], terms: tuple[str, ...], coef: np.ndarray, adj: np.ndarray
) -> float:
    design = np.column_stack([stats[t] for t in terms])
    index = sum(int(adj[i, j]) << bit for bit, (i, j) in enumerate(PAIRS))
    return float(design[index] @ coef - logsumexp(design @ coef))


@pytest.mark.parametrize(
    ("formula", "observed"),
    [
        ("edges + triangle", "a"),
        ("edges + gwesp(0.5, fixed=TRUE)", "b"),
        # no edges term: the dyad-independent start adds one, as ergm's does
        ('mutual + nodeicov("x")', "b"),
        ('edges + mutual + nodeicov("x")', "a"),
    ],
)
def test_mcmc_fit_loglik_matches_enumeration(every_graph, fitted, formula: str, observed: str) -> None:
    adj = OBSERVED[observed]
    # edges + triangle on "a" at seed 1 is the module's fit (``fitted``), not fitted twice
    fit = fitted[0] if (formula, observed) == FITTED else ergm(formula, _network(adj), seed=1)
    assert fit.method == "Monte Carlo Maximum Likelihood"
    exact = _exact_loglik(every_graph, fit.terms, fit.coef, adj)
    assert 0 < fit.loglik_mc_se < 0.05
    assert abs(fit.loglik - exact) < 4 * fit.loglik_mc_se, (fit.loglik, exact, fit.loglik_mc_se)
    assert fit.aic == pytest.approx(-2 * fit.loglik + 2 * len(fit.terms), rel=1e-12)
    assert fit.bic == pytest.approx(-2 * fit.loglik + len(fit.terms) * np.log(12), rel=1e-12)


def test_every_bridge_of_the_fit_adds_its_exact_midpoint_slope(every_graph, fitted) -> None:
    """The enumeration test above compares the sum alone, within 4 Monte Carlo standard errors: a
    bridge left out of it (the first, near the start, adds about as little as that tolerance) was
    not seen. Here each part of the fit's estimate is checked against the enumeration: the start's
    exact log-likelihood, each bridge's increment against the exact expectation of its midpoint
    slope, and the estimate as the start's plus every increment."""
    fit, _, bridge = fitted
    adj = OBSERVED[FITTED[1]]
    design = np.column_stack([every_graph[t] for t in ("edges", "triangle")])
    observed = design[sum(int(adj[i, j]) << bit for bit, (i, j) in enumerate(PAIRS))]
    ties = int(adj.sum())
    start = np.array([np.log(ties / (len(PAIRS) - ties)), 0.0])  # edges alone: the density's logit
    assert bridge.start_loglik == pytest.approx(_exact_loglik(every_graph, fit.terms, start, adj), abs=1e-9)
    step = (fit.coef - start) / bridge.bridges
    expected = np.array(
        [
            step @ (observed - softmax(design @ (start + (k + 0.5) * step)) @ design)
            for k in range(bridge.bridges)
        ]
    )
    assert bridge.bridges == len(bridge.llrs) == 16
    assert np.all(np.abs(bridge.llrs - expected) < 4 * bridge.mc_se), (bridge.llrs, expected)
    assert fit.loglik == pytest.approx(bridge.start_loglik + bridge.llrs.sum(), abs=1e-12)
    # the midpoint rule's own error is far below the Monte Carlo one (module docstring)
    exact = _exact_loglik(every_graph, fit.terms, fit.coef, adj)
    assert abs(bridge.start_loglik + expected.sum() - exact) < 0.001


def test_edges_mutual_bridge_matches_enumeration_and_closed_form(every_graph) -> None:
    adj = OBSERVED["a"]
    net = _network(adj)
    coef, _, closed_form = exact_edges_mutual(net)
    # The enumeration and the closed form agree exactly: a check of the enumeration itself.
    assert _exact_loglik(every_graph, ("edges", "mutual"), coef, adj) == pytest.approx(closed_form, abs=1e-10)
    bridge = bridge_loglik(dependent_terms(parse_formula("edges + mutual"), net), net, coef, seed=4)
    assert abs(bridge.loglik - closed_form) < 4 * bridge.mc_se


def test_edges_mutual_bridge_matches_closed_form_on_600_dyads() -> None:
    net = reciprocal_network()  # 25 nodes
    coef, _, closed_form = exact_edges_mutual(net)
    bridge = bridge_loglik(dependent_terms(parse_formula("edges + mutual"), net), net, coef, seed=2)
    # The path from the edges-only start to a strong mutual effect is long (the log-likelihood
    # rises by about 34), so 256 draws a bridge leave a standard error near 0.5.
    assert 0 < bridge.mc_se < 0.75
    assert abs(bridge.loglik - closed_form) < 4 * bridge.mc_se, (bridge.loglik, closed_form, bridge.mc_se)


@pytest.mark.parametrize(
    ("proposal", "coef"),
    [
        ("TNT", (-1.2, 0.3)),  # a sparse graph (3.9 ties expected of 12) with one mode
        ("random", (-1.2, 0.3)),
        # Far from the start, so the bridge has work to do; the target is nearly the full graph.
        # TNT is not checked here: its chain moves between the sparse and the nearly full graphs
        # more slowly than a bridge's run, and its spread was 1.55 times the reported standard
        # error over 40 seeds (random toggles: 0.97), see docs/ergm.md.
        ("random", (-2.0, 1.0)),
    ],
)
def test_reported_standard_error_matches_the_spread_over_seeds(every_graph, proposal, coef) -> None:
    adj = OBSERVED["a"]
    net = _network(adj)
    terms = dependent_terms(parse_formula("edges + triangle"), net)
    coef = np.array(coef)
    exact = _exact_loglik(every_graph, ("edges", "triangle"), coef, adj)
    runs = [
        bridge_loglik(terms, net, coef, seed=s, bridges=8, draws=128, proposal=proposal) for s in range(20)
    ]
    estimates = np.array([r.loglik for r in runs])
    reported = float(np.mean([r.mc_se for r in runs]))
    # With 20 runs the sample sd is within a factor 1.6 of the true one with high probability.
    assert 0.6 < estimates.std(ddof=1) / reported < 1.6, (estimates.std(ddof=1), reported)
    # And the mean of the 20 is unbiased within 4 standard errors of a mean.
    assert abs(estimates.mean() - exact) < 4 * reported / np.sqrt(len(runs))


def test_dyad_independent_model_gets_its_exact_loglik_without_bridges() -> None:
    net = _network(OBSERVED["a"])
    mle = ergm('edges + nodeicov("x")', net)
    terms = dependent_terms(parse_formula('edges + nodeicov("x")'), net)
    at_mle = bridge_loglik(terms, net, mle.coef, seed=1)
    assert at_mle.bridges == 0 and at_mle.mc_se == 0.0
    assert at_mle.loglik == pytest.approx(mle.loglik, abs=1e-12)
    # Away from the MLE too: the logistic log-likelihood at those coefficients.
    coef = np.array([0.3, -0.2])
    y = net.response(None)
    eta = coef[0] + coef[1] * X[None, :] * np.ones((N, 1))
    off = ~np.eye(N, dtype=bool)
    expected = float(np.sum((y * eta - np.logaddexp(0.0, eta))[off]))
    assert bridge_loglik(terms, net, coef, seed=1).loglik == pytest.approx(expected, abs=1e-12)


def test_zero_dependent_coefficients_reduce_to_the_start_exactly() -> None:
    net = _network(OBSERVED["b"])
    start = ergm('edges + nodeicov("x")', net)
    terms = dependent_terms(parse_formula('edges + nodeicov("x") + triangle'), net)
    bridge = bridge_loglik(terms, net, np.append(start.coef, 0.0), seed=1)
    assert bridge.bridges == 16
    assert bridge.loglik == pytest.approx(start.loglik, abs=1e-9)
    assert bridge.mc_se == pytest.approx(0, abs=1e-9)


def test_too_few_bridges_or_draws_are_refused_with_the_values_given() -> None:
    net = _network(OBSERVED["b"])
    terms = dependent_terms(parse_formula("edges + triangle"), net)
    with pytest.raises(ValueError, match="not bridges=0, draws=256"):
        bridge_loglik(terms, net, np.zeros(2), seed=1, bridges=0)
    with pytest.raises(ValueError, match="not bridges=16, draws=1"):
        bridge_loglik(terms, net, np.zeros(2), seed=1, draws=1)


@pytest.fixture(scope="module")
def fitted():
    """edges + triangle fitted to "a" by MCMC at seed 1, with the progress it said and its bridge
    reproduced from the same seed (every bridge's increment, which the fit does not keep): read by
    the enumeration tests of that model and network and by the seed and reporting tests."""
    steps: list[tuple[str, int, int]] = []
    net = _network(OBSERVED[FITTED[1]])
    fit = ergm(FITTED[0], net, seed=1, progress=lambda *s: steps.append(s))
    again = bridge_loglik(dependent_terms(parse_formula(FITTED[0]), net), net, fit.coef, seed=1)
    return fit, steps, again


@pytest.fixture(scope="module")
def unbridged():
    """The same model and network at seed 1 with bridges=0: no log-likelihood estimated."""
    return ergm(FITTED[0], _network(OBSERVED[FITTED[1]]), seed=1, bridges=0)


def test_same_seed_same_loglik_and_progress(fitted) -> None:
    fit, steps, again = fitted
    net = _network(OBSERVED["a"])
    terms = dependent_terms(parse_formula("edges + triangle"), net)
    # The fit's bridge is reproduced from the same seed (the fit itself is: test_dependent.py).
    assert again.loglik == fit.loglik and again.mc_se == fit.loglik_mc_se
    assert bridge_loglik(terms, net, fit.coef, seed=2).loglik != fit.loglik
    bridge_steps = [s for s in steps if s[0] == "bridge sampling"]
    assert bridge_steps == [("bridge sampling", k, 16) for k in range(1, 17)]


def test_bridge_settings_and_reporting(fitted, unbridged) -> None:
    fit, _, _ = fitted
    assert fit.loglik_method == "bridge sampling: 16 bridges x 256 draws from the dyad-independent start"
    assert fit.loglik_estimated
    text = fit.summary()
    assert f"MC Std. Err. = {fit.loglik_mc_se:.4g}" in text
    assert "Deviance, AIC and BIC are MCMC estimates" in text
    payload = fit.to_json_dict()
    assert payload["loglik_mc_se"] == fit.loglik_mc_se and payload["aic"] == fit.aic
    net = _network(OBSERVED["a"])
    terms = dependent_terms(parse_formula("edges + triangle"), net)
    small = bridge_loglik(terms, net, fit.coef, seed=1, bridges=4, draws=50)
    assert (small.bridges, small.draws, len(small.llrs)) == (4, 50, 4)
    assert small.mc_se > fit.loglik_mc_se  # fewer draws, less precision
    skipped = unbridged
    assert np.isnan(skipped.loglik) and np.isnan(skipped.aic) and not skipped.loglik_estimated
    assert "AIC: not available" in skipped.summary() and "bridges=0" in skipped.notes[0]


def test_json_of_a_fit_without_a_loglik_is_strict_with_nulls(unbridged) -> None:
    fit = unbridged
    payload = strict_json_loads(json.dumps(fit.to_json_dict()))
    assert payload["loglik"] is None and payload["aic"] is None and payload["bic"] is None
    assert payload["loglik_mc_se"] is None and payload["loglik_method"] == "not estimated"
    assert [t["coef"] for t in payload["terms"]] == pytest.approx(list(fit.coef))
    # Missing standard errors (and so z and p) are null too.
    broken = dataclasses.replace(fit, cov=np.full_like(fit.cov, np.nan))
    rows = strict_json_loads(json.dumps(broken.to_json_dict()))["terms"]
    assert all(r["se"] is None and r["z"] is None and r["p"] is None for r in rows)
    assert [r["coef"] for r in rows] == pytest.approx(list(fit.coef))
