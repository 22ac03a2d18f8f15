"""The chain's proposals (TNT and random toggles) sample the exact ERGM distribution on four nodes.

On four nodes every graph can be listed (4,096 directed, 64 undirected), so the exact distribution
of the sufficient statistics under exp(theta . g(y)) is known. The statistics are recounted here
from the adjacency matrices, independently of the chain's change statistics. A seeded chain's
draws, thinned to five sweeps of the dyads so that they are nearly independent (checked: lag-1
autocorrelations under 0.05), are compared with it by a chi-square test of goodness of fit; cells
expected fewer than 5 times are pooled. The companion tests show that the same check fails when
TNT's Metropolis-Hastings ratio drops the proposal asymmetry, or mishandles the empty graph (whose
only moves are dyad steps), so passing it is not an accident of the seed.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from analytics.ergm import Network, parse_formula
from analytics.ergm.dependent import Chain, dependent_terms
from analytics.ergm.proposal import TieList, check_proposal, tnt_log_ratio

N = 4
DRAWS = 6000
SWEEPS = 5  # proposals between draws, in dyads: enough for nearly independent draws with either proposal
# (formula, directed, theta): the empty graph is common (9%), so its special case matters.
CASES = {
    "directed": ("edges + mutual", True, np.array([-1.6, 0.8])),
    "undirected": ("edges + triangle", False, np.array([-0.8, 0.8])),  # the full graph 1.8%
}


def _every_graph(directed: bool) -> np.ndarray:
    """Adjacency matrices of every graph on N nodes."""
    pairs = [(i, j) for i in range(N) for j in range(N) if i != j and (directed or i < j)]
    bits = (np.arange(2 ** len(pairs))[:, None] >> np.arange(len(pairs))) & 1
    a = np.zeros((len(bits), N, N))
    for b, (i, j) in enumerate(pairs):
        a[:, i, j] = bits[:, b]
        if not directed:
            a[:, j, i] = bits[:, b]
    return a


def _statistics(a: np.ndarray, directed: bool) -> np.ndarray:
    """(edges, mutual) for directed graphs, (edges, triangle) for undirected, by recount."""
    if directed:
        return np.column_stack([a.sum(axis=(1, 2)), (a * a.transpose(0, 2, 1)).sum(axis=(1, 2)) / 2])
    return np.column_stack([a.sum(axis=(1, 2)) / 2, np.einsum("gij,gjk,gki->g", a, a, a) / 6])


def _exact_distribution(case: str) -> dict[tuple[float, ...], float]:
    _, directed, theta = CASES[case]
    stats = _statistics(_every_graph(directed), directed)
    weight = np.exp(stats @ theta)
    weight /= weight.sum()
    out: Counter[tuple[float, ...]] = Counter()
    for row, w in zip(map(tuple, stats), weight, strict=True):
        out[row] += float(w)
    return dict(out)


def _sample(case: str, proposal: str, seed: int = 1) -> np.ndarray:
    formula, directed, theta = CASES[case]
    nodes = pd.DataFrame({"id": [str(k) for k in range(N)]})
    net = Network(nodes, pd.DataFrame({"source": [], "target": []}), directed=directed)
    chain = Chain(
        dependent_terms(parse_formula(formula), net), np.zeros((N, N), dtype=int), directed, proposal
    )
    interval = SWEEPS * chain.n_dyads
    return chain.sample(theta, np.random.default_rng(seed), DRAWS, interval, burnin=50 * interval)


def _chi_square_p(case: str, sim: np.ndarray) -> float:
    """p-value of the draws' statistics against the exact distribution (cells expected < 5 pooled)."""
    exact = _exact_distribution(case)
    counts = Counter(map(tuple, sim))
    assert set(counts) <= set(exact), "the chain reached statistics no graph has"
    cells = sorted(exact, key=exact.__getitem__, reverse=True)
    expected = np.array([exact[c] * len(sim) for c in cells])
    observed = np.array([counts.get(c, 0) for c in cells], dtype=float)
    big = expected >= 5
    if not big.all():
        expected = np.append(expected[big], expected[~big].sum())
        observed = np.append(observed[big], observed[~big].sum())
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    return float(chi2.sf(statistic, len(expected) - 1))


def _lag1(sim: np.ndarray) -> np.ndarray:
    s = sim - sim.mean(axis=0)
    return (s[:-1] * s[1:]).sum(axis=0) / (s * s).sum(axis=0)


@pytest.mark.parametrize("proposal", ["TNT", "random"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_long_run_frequencies_match_the_enumerated_distribution(case: str, proposal: str) -> None:
    sim = _sample(case, proposal)
    assert np.all(np.abs(_lag1(sim)) < 0.05), _lag1(sim)  # nearly independent draws: chi-square applies
    p = _chi_square_p(case, sim)
    assert p > 0.001, p
    # And the empty graph, TNT's special case, within 4 binomial standard errors of its probability.
    empty = _exact_distribution(case)[(0.0,) * sim.shape[1]]
    seen = float(np.mean(np.all(sim == 0, axis=1)))
    assert abs(seen - empty) < 4 * math.sqrt(empty * (1 - empty) / len(sim)), (seen, empty)


def test_the_check_fails_without_the_proposal_asymmetry(monkeypatch) -> None:
    # Metropolis with exp(theta . delta) alone: TNT's extra removals thin the graph out.
    monkeypatch.setattr("analytics.ergm.dependent.tnt_log_ratio", lambda present, ties, dyads: 0.0)
    assert _chi_square_p("directed", _sample("directed", "TNT")) < 1e-9


def test_the_check_fails_when_the_empty_graph_is_treated_like_any_other(monkeypatch) -> None:
    # The generic ratio (half the proposals are tie steps) also at 0 ties, where every step is a dyad step.
    def generic(present: bool, ties: int, dyads: int) -> float:
        remove = 0.5 * dyads / (ties if present else ties + 1) + 0.5
        return math.log(0.5 / remove) if present else math.log(remove / 0.5)

    monkeypatch.setattr("analytics.ergm.dependent.tnt_log_ratio", generic)
    assert _chi_square_p("directed", _sample("directed", "TNT")) < 1e-9


def test_tnt_ratio_in_closed_form() -> None:
    d = 12
    # Adding to a graph with 3 ties: q(remove | 4) / q(add | 3) = (D / 8 + 1/2) / (1/2).
    assert tnt_log_ratio(False, 3, d) == pytest.approx(math.log((d / 8 + 0.5) / 0.5))
    assert tnt_log_ratio(True, 4, d) == pytest.approx(-tnt_log_ratio(False, 3, d))
    # From the empty graph every proposal is a dyad (1 / D); back from one tie it is P + Q / D.
    assert tnt_log_ratio(False, 0, d) == pytest.approx(math.log(0.5 * d + 0.5))
    assert tnt_log_ratio(True, 1, d) == pytest.approx(-math.log(0.5 * d + 0.5))
    # The full graph: a tie step is a uniform dyad, so removal's q is 1 / D either way.
    assert tnt_log_ratio(True, d, d) == pytest.approx(math.log(0.5))


def test_tie_list_follows_additions_and_removals() -> None:
    ties = TieList(5)
    for i, j in [(0, 1), (1, 2), (3, 4), (4, 0)]:
        ties.add(i, j)
    ties.remove(0, 1)  # the last tie moves into its place
    ties.remove(4, 0)
    assert len(ties) == 2 and sorted(divmod(k, 5) for k in ties.keys) == [(1, 2), (3, 4)]
    assert ties.position == {key: at for at, key in enumerate(ties.keys)}


def test_a_chain_keeps_its_tie_list_equal_to_its_ties() -> None:
    formula, directed, theta = CASES["directed"]
    rng = np.random.default_rng(0)
    adj = (rng.random((N, N)) < 0.4).astype(int)
    np.fill_diagonal(adj, 0)
    nodes = pd.DataFrame({"id": [str(k) for k in range(N)]})
    net = Network(nodes, pd.DataFrame({"source": [], "target": []}))
    chain = Chain(dependent_terms(parse_formula(formula), net), adj, directed, "TNT")
    chain.sample(theta, rng, draws=50, interval=7, burnin=0)
    assert sorted(divmod(k, N) for k in chain.ties.keys) == sorted(
        zip(*map(list, np.nonzero(chain.a)), strict=True)
    )


def test_proposal_names() -> None:
    assert check_proposal("tnt") == "TNT" and check_proposal("Random") == "random"
    with pytest.raises(ValueError, match='proposal must be one of "TNT", "random", not "gibbs"'):
        check_proposal("gibbs")
