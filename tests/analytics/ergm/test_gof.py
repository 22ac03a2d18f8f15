"""Degree-distribution goodness of fit."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from analytics.ergm import Network, ergm


def test_degree_gof_of_a_well_specified_model() -> None:
    rng = np.random.default_rng(8)
    n = 30
    adj = (rng.random((n, n)) < 0.1).astype(int)
    np.fill_diagonal(adj, 0)
    s, t = np.nonzero(adj)
    net = Network(
        pd.DataFrame({"id": [str(k) for k in range(n)]}),
        pd.DataFrame({"source": s.astype(str), "target": t.astype(str)}),
    )
    fit = ergm("edges", net)
    table = fit.gof(nsim=60, seed=1)
    assert set(table["statistic"]) == {"indegree", "outdegree"}
    indeg = table[table["statistic"] == "indegree"]
    assert indeg["observed"].sum() == n
    assert abs(indeg["sim_mean"].sum() - n) < 1e-9
    assert (indeg["sim_low"] <= indeg["sim_high"]).all()
    # A Bernoulli graph fits its own degree distribution: few degrees are flagged.
    assert (table["p_value"] < 0.05).mean() < 0.25


def test_undirected_degrees_count_every_tie_of_a_unit() -> None:
    # An undirected network keeps each tie once (from the unit listed first); the observed degree
    # counted only those rows, so a unit whose ties were all listed from the other end read as
    # degree 0 and the fit was flagged against its own data
    rng = np.random.default_rng(5)
    n = 16
    upper = np.triu((rng.random((n, n)) < 0.25).astype(int), 1)
    s, t = np.nonzero(upper)
    net = Network(
        pd.DataFrame({"id": [f"u{k:02d}" for k in range(n)]}),
        pd.DataFrame({"source": [f"u{k:02d}" for k in t], "target": [f"u{k:02d}" for k in s]}),
        directed=False,
    )
    graph = nx.from_numpy_array(upper + upper.T)
    table = ergm("edges", net).gof(nsim=20, seed=3)
    observed = table[table["observed"] > 0]
    expected = {d: c for d, c in enumerate(nx.degree_histogram(graph)) if c}
    assert dict(zip(observed["degree"], observed["observed"], strict=True)) == expected
    assert table["observed"].sum() == n
