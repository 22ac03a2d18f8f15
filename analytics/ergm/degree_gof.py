"""Goodness of fit for degree distributions, as ergm's ``gof(fit, GOF = ~degree)``.

Networks are simulated from the fitted model (the same Metropolis chain as MCMC-MLE, at the
estimate, started from the observed network) and the observed count of nodes with each degree is
compared with the simulated distribution: mean, 95% range and a two-sided Monte Carlo p-value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.ergm.dependent import Chain, dependent_terms
from analytics.ergm.formula import parse_formula
from analytics.ergm.network import Network
from analytics.errors import FormulaError


def _counts(degrees: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(np.minimum(degrees, size - 1), minlength=size)


def degree_gof(
    formula: str, coef: np.ndarray, net: Network, nsim: int = 100, seed: int | None = None
) -> pd.DataFrame:
    terms = parse_formula(formula)
    if any(t.name == "sum" for t in terms):
        raise FormulaError("degree goodness of fit is for binary networks")
    dependent = dependent_terms(terms, net)
    y = net.response(None)
    chain = Chain(dependent, y, net.directed)
    rng = np.random.default_rng(seed)
    interval = max(10, net.n_dyads // 10)
    kinds = ("indegree", "outdegree") if net.directed else ("degree",)
    size = net.n
    observed = {k: _counts(y.sum(axis=0 if k == "indegree" else 1).astype(int), size) for k in kinds}
    sims = {k: np.empty((nsim, size)) for k in kinds}
    chain.sample(coef, rng, draws=1, interval=interval, burnin=20 * interval)
    for s in range(nsim):
        chain.sample(coef, rng, draws=1, interval=interval, burnin=0)
        for k in kinds:
            sims[k][s] = _counts(chain.a.sum(axis=0 if k == "indegree" else 1), size)
    rows = []
    for k in kinds:
        top = int(
            max(np.nonzero(observed[k])[0].max(initial=0), np.nonzero(sims[k].max(axis=0))[0].max(initial=0))
        )
        for d in range(top + 1):
            sim = sims[k][:, d]
            obs = observed[k][d]
            p = min(1.0, 2 * min(np.mean(sim <= obs), np.mean(sim >= obs)))
            rows.append(
                {
                    "statistic": k,
                    "degree": d,
                    "observed": int(obs),
                    "sim_mean": float(sim.mean()),
                    "sim_low": float(np.quantile(sim, 0.025)),
                    "sim_high": float(np.quantile(sim, 0.975)),
                    "p_value": float(p),
                }
            )
    return pd.DataFrame(rows)
