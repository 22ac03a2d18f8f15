"""Degree-distribution goodness of fit."""

from __future__ import annotations

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
