"""Goodness of fit for degree distributions, as ergm's ``gof(fit, GOF = ~degree)``.

Networks are simulated from the fitted model (the same Metropolis chain as MCMC-MLE, at the
estimate, started from the observed network) and the observed count of nodes with each degree is
compared with the simulated distribution: mean, 95% range and a two-sided Monte Carlo p-value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from analytics.ergm.dependent import Chain, dependent_terms
from analytics.ergm.formula import parse_formula
from analytics.ergm.network import Network
from analytics.errors import FormulaError


def _counts(degrees: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(np.minimum(degrees, size - 1), minlength=size)


def simulated_networks(
    formula: str, coef: np.ndarray, net: Network, nsim: int, seed: int | None
) -> Iterator[np.ndarray]:
    """``nsim`` adjacency matrices simulated from the fitted model, one every tenth of the dyads
    (at least 10 proposals) after a burn-in of 20 such intervals from the observed network; each
    is the chain's own matrix, to be read before the next is drawn."""
    terms = parse_formula(formula)
    if any(t.name == "sum" for t in terms):
        raise FormulaError("goodness of fit is for binary networks")
    chain = Chain(dependent_terms(terms, net), net.response(None), net.directed)
    rng = np.random.default_rng(seed)
    interval = max(10, net.n_dyads // 10)
    chain.sample(coef, rng, draws=1, interval=interval, burnin=20 * interval)
    for _ in range(nsim):
        chain.sample(coef, rng, draws=1, interval=interval, burnin=0)
        yield chain.a


def observed_adjacency(net: Network) -> np.ndarray:
    """The observed ties as the simulated networks hold them: an undirected tie both ways (the
    network keeps each once, from the unit listed first), so a unit's degree counts all its ties."""
    y = net.response(None)
    return y if net.directed else np.maximum(y, y.T)


def gof_row(statistic: str, column: str, value: float, obs: float, sim: np.ndarray) -> dict[str, Any]:
    """One row of a goodness-of-fit table: the observed count, the simulated mean and 95% range,
    and ergm's two-sided Monte Carlo p-value, 2 x the smaller tail share (at most 1)."""
    p = min(1.0, 2 * float(min(np.mean(sim <= obs), np.mean(sim >= obs))))
    return {
        "statistic": statistic,
        column: value,
        "observed": int(obs),
        "sim_mean": float(sim.mean()),
        "sim_low": float(np.quantile(sim, 0.025)),
        "sim_high": float(np.quantile(sim, 0.975)),
        "p_value": float(p),
    }


def degree_gof(
    formula: str, coef: np.ndarray, net: Network, nsim: int = 100, seed: int | None = None
) -> pd.DataFrame:
    y = observed_adjacency(net)
    kinds = ("indegree", "outdegree") if net.directed else ("degree",)
    size = net.n
    observed = {k: _counts(y.sum(axis=0 if k == "indegree" else 1).astype(int), size) for k in kinds}
    sims = {k: np.empty((nsim, size)) for k in kinds}
    for s, a in enumerate(simulated_networks(formula, coef, net, nsim, seed)):
        for k in kinds:
            sims[k][s] = _counts(a.sum(axis=0 if k == "indegree" else 1), size)
    rows = []
    for k in kinds:
        top = int(
            max(np.nonzero(observed[k])[0].max(initial=0), np.nonzero(sims[k].max(axis=0))[0].max(initial=0))
        )
        rows += [gof_row(k, "degree", d, observed[k][d], sims[k][:, d]) for d in range(top + 1)]
    return pd.DataFrame(rows)
