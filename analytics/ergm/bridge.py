"""The log-likelihood of a dyad-dependent ERGM by bridge sampling from a dyad-independent start.

This follows R's ``logLik.ergm`` -> ``ergm.bridge.dindstart.llk``:

1. The starting model keeps the formula's dyad-independent terms (``edges``, covariates; ``edges``
   is added when the formula has none) and sets every dependent coefficient to 0. It is a
   logistic regression over the dyads, so its MLE and its log-likelihood are exact.
2. Along the straight path theta(u) = from + u * (to - from), u in [0, 1], the derivative of the
   log-likelihood is (to - from) . (g_obs - E_theta(u)[g]). The path is cut into K bridges; at
   the midpoint of each, the existing Metropolis chain draws statistics, and the midpoint rule
   sums the estimated slopes:

       l(to) - l(from) ~ sum_k (to - from) / K . (g_obs - mean_k(g))

   which is ergm's estimator (its ``llrs`` summed). The chain runs on from one bridge to the
   next, with a long burn-in before the first bridge and a shorter one before each other.
3. The Monte Carlo standard error adds the per-bridge variances of those means, each from the
   draws' variance and their effective sample size (the bridges' chains are treated as
   independent). It does not include the midpoint rule's own (deterministic) error, which is of
   order (to - from)' Var(g) (to - from) / (24 K^2), nor a chain that keeps one mode of a
   bimodal path from bridge to bridge (a near-degenerate model: docs/ergm.md, "a limit of the
   reported error").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analytics.ergm.dependent import (
    Chain,
    DependentTerm,
    default_interval,
    effective_size,
)
from analytics.ergm.formula import TermSpec
from analytics.ergm.mle import fit_dyad_independent, loglik_at
from analytics.ergm.network import Network
from analytics.ergm.proposal import DEFAULT_PROPOSAL
from analytics.ergm.terms import Statistic, build_statistics

Progress = Callable[[str, int, int], None]

#: R's default number of bridges (``control.logLik.ergm(bridge.nsteps = 16)``).
DEFAULT_BRIDGES = 16
#: Draws per bridge. R draws 16384 in all (1024 a bridge) with a compiled sampler; this pure
#: Python sampler takes a quarter of that, which keeps the bridge under about half the time of the
#: MCMC fit it follows. The Monte Carlo standard error says what that costs in precision.
DEFAULT_BRIDGE_DRAWS = 256

#: Burn-in before the first bridge and, at least, between bridges, in sampling intervals: ergm's
#: ``control.ergm.bridge`` (``MCMC.burnin = MCMC.interval * 128``, ``MCMC.burnin.between =
#: max(ceiling(MCMC.burnin / sqrt(bridge.nsteps)), MCMC.interval * 16)``). A shorter burn-in
#: between bridges leaves each bridge's draws lagging behind its parameter, towards the previous
#: bridge's, and the lags add up along the path (a bias of a third of the standard error was
#: measured with 5 intervals on four nodes).
BRIDGE_BURNIN_INTERVALS = 128
BETWEEN_BURNIN_INTERVALS = 16

_INDEPENDENT_KINDS = ("edges", "covariate")


@dataclass(frozen=True)
class BridgeLoglik:
    loglik: float
    mc_se: float
    start_loglik: float  # exact log-likelihood of the dyad-independent start
    llrs: np.ndarray  # the estimated log-likelihood increment over each bridge
    bridges: int
    draws: int
    interval: int

    @property
    def method(self) -> str:
        if self.bridges == 0:
            return "exact (dyad-independent)"
        return f"bridge sampling: {self.bridges} bridges x {self.draws} draws from the dyad-independent start"


def _statistic(term: DependentTerm, net: Network) -> Statistic:
    if term.kind == "edges":
        return build_statistics([TermSpec("edges")], net, valued=False)[0]
    if term.column is None:
        raise ValueError(f"term {term.name} has no dyad column")
    return Statistic(term.name, term.column)


def bridge_loglik(
    terms: list[DependentTerm],
    net: Network,
    coef: np.ndarray,
    *,
    seed: int | None,
    bridges: int = DEFAULT_BRIDGES,
    draws: int = DEFAULT_BRIDGE_DRAWS,
    interval: int | None = None,
    progress: Progress | None = None,
    proposal: str = DEFAULT_PROPOSAL,
) -> BridgeLoglik:
    """Estimate the log-likelihood of the binary ERGM ``terms`` at ``coef`` on ``net``.

    A model without dependent terms gets its exact log-likelihood (no bridges). Raises
    ConvergenceError when the dyad-independent start has no MLE (separation).
    """
    if bridges < 1 or draws < 2:
        raise ValueError(
            f"bridge sampling needs at least 1 bridge and 2 draws per bridge, not bridges={bridges},"
            f" draws={draws} (ergm(bridges=0) skips it)"
        )
    coef = np.asarray(coef, dtype=float)
    y = net.response(None)
    independent = [k for k, t in enumerate(terms) if t.kind in _INDEPENDENT_KINDS]
    start_stats = [_statistic(terms[k], net) for k in independent]
    if len(independent) == len(terms):
        exact = loglik_at(start_stats, y, net.n, net.directed, coef)
        return BridgeLoglik(exact, 0.0, exact, np.zeros(0), 0, 0, 0)
    # ergm's augmented model: the formula's terms, plus edges for the start if the formula has none.
    model = list(terms)
    if not any(t.kind == "edges" for t in terms):
        model.append(DependentTerm("edges", "edges"))
        independent.append(len(model) - 1)
        start_stats.append(_statistic(model[-1], net))
    start = fit_dyad_independent(start_stats, y, net.n, net.directed, valued=False)
    theta_from = np.zeros(len(model))
    theta_from[independent] = start.coef
    theta_to = np.zeros(len(model))
    theta_to[: len(terms)] = coef
    step = (theta_to - theta_from) / bridges

    # An independent stream from the fit's, reproducible from the same seed.
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    interval = interval or default_interval(net.n_dyads)
    first_burnin = BRIDGE_BURNIN_INTERVALS * interval
    later_burnin = max(BETWEEN_BURNIN_INTERVALS * interval, math.ceil(first_burnin / math.sqrt(bridges)))
    chain = Chain(model, y, net.directed, proposal)
    observed = chain.stats.copy()
    llrs = np.empty(bridges)
    variance = 0.0
    for k in range(bridges):
        if progress:
            progress("bridge sampling", k + 1, bridges)
        theta = theta_from + (k + 0.5) * step
        burnin = first_burnin if k == 0 else later_burnin
        sim = chain.sample(theta, rng, draws, interval, burnin)
        slope = (sim - observed) @ step  # per draw: step . (g - g_obs)
        llrs[k] = -float(slope.mean())
        ess = float(effective_size(slope[:, None])[0])
        variance += float(slope.var(ddof=1)) / max(ess, 1.0)
    loglik = start.loglik + float(llrs.sum())
    return BridgeLoglik(loglik, math.sqrt(variance), start.loglik, llrs, bridges, draws, interval)
