"""The sampler of a dyad-independent model (the study's Model 3 goodness of fit) is the general one, faster.

Without mutual, triangle or gwesp a dyad's change statistics do not depend on the rest of the
network, so ``Chain`` computes theta . delta once per dyad and skips the per-toggle work of the
general sampler. Seeded, it must make exactly the general sampler's decisions: the same draws,
the same final network and tie list, for both proposals, directed and undirected. The general
sampler is the same ``Chain`` with its fixed change statistics dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ergm import Network, parse_formula
from analytics.ergm.dependent import Chain, dependent_terms

FORMULA = {
    True: 'edges + nodeicov("x") + nodeocov("x") + edgecov("W")',
    False: 'edges + nodecov("x") + edgecov("W")',
}
THETA = {True: np.array([-2.2, 0.35, -0.2, 0.8]), False: np.array([-2.2, 0.35, 0.8])}


def _network(directed: bool, n: int = 30, seed: int = 3) -> tuple[Network, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.random((n, n))
    if not directed:
        w = (w + w.T) / 2
    adj = (rng.random((n, n)) < 0.08).astype(int)
    if not directed:
        adj = np.triu(adj, 1)
        adj = adj + adj.T
    np.fill_diagonal(adj, 0)
    ids = [f"u{k}" for k in range(n)]
    s, t = np.nonzero(np.triu(adj, 1) if not directed else adj)
    net = Network(
        pd.DataFrame({"id": ids, "x": rng.normal(0, 1, n)}),
        pd.DataFrame({"source": np.array(ids)[s], "target": np.array(ids)[t]}),
        directed=directed,
        edgecov={"W": w},
    )
    return net, net.response(None)


def _chains(directed: bool, proposal: str) -> tuple[Chain, Chain]:
    net, y = _network(directed)
    terms = dependent_terms(parse_formula(FORMULA[directed]), net)
    fast = Chain(terms, y, directed, proposal)
    general = Chain(terms, y, directed, proposal)
    general.fixed_change = None  # the toggle-by-toggle sampler every dependent model uses
    return fast, general


@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
@pytest.mark.parametrize("proposal", ["TNT", "random"])
def test_the_fixed_change_sampler_makes_the_general_samplers_decisions(directed: bool, proposal: str) -> None:
    fast, general = _chains(directed, proposal)
    assert fast.fixed_change is not None
    theta = THETA[directed]
    start = fast.stats.copy()
    for draws, interval, burnin in ((40, 97, 500), (1, 435, 0), (3, 1, 0)):  # as a fit, as the gof, odd
        ours = fast.sample(theta, np.random.default_rng(11), draws, interval, burnin)
        theirs = general.sample(theta, np.random.default_rng(11), draws, interval, burnin)
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(fast.a, general.a)
        assert fast.ties.keys == general.ties.keys
        np.testing.assert_array_equal(fast.stats, general.stats)
    assert not np.array_equal(fast.stats, start)  # the chain moved
    if not directed:
        np.testing.assert_array_equal(fast.a, fast.a.T)


def test_a_dyad_independent_sample_computes_no_change_statistics_per_toggle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast, _ = _chains(True, "TNT")
    calls = []
    monkeypatch.setattr(Chain, "change", lambda self, i, j: calls.append((i, j)))
    fast.sample(THETA[True], np.random.default_rng(5), draws=5, interval=200, burnin=100)
    assert calls == []


def test_a_model_with_a_dependent_term_keeps_the_general_sampler() -> None:
    net, y = _network(True)
    terms = dependent_terms(parse_formula("edges + mutual"), net)
    assert Chain(terms, y, True).fixed_change is None
