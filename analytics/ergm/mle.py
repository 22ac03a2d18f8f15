"""Exact maximum likelihood for dyad-independent ERGMs: Newton-Raphson over dyad blocks.

A dyad-independent binary ERGM is a logistic regression over the dyads and a Poisson-reference
valued ERGM is a Poisson regression, so their MLE is exact. Columns are scaled internally by
their standard deviation (not centred) and the estimates back-transformed; X'WX and X'(y - mu)
are accumulated block by block, so the dyad table is never held in memory whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, gammaln

from analytics.ergm.terms import Statistic, dyad_blocks
from analytics.errors import ConvergenceError
from referral.plurals import counted

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Fit:
    coef: np.ndarray
    cov: np.ndarray
    loglik: float
    null_loglik: float
    iterations: int
    n_dyads: int


def _design(stats: list[Statistic], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    x = np.empty((len(i), len(stats)))
    for k, stat in enumerate(stats):
        x[:, k] = stat.column(i, j)
    return x


#: Below this many design cells (dyads x terms) the design blocks are built once and kept.
CACHE_CELLS = 8_000_000


def _blocks(
    stats: list[Statistic],
    n: int,
    directed: bool,
    cache: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(i, j, X) per block of dyads; from ``cache`` when given, else built on the fly."""
    if cache is not None:
        yield from cache
        return
    for i, j in dyad_blocks(n, directed):
        yield i, j, _design(stats, i, j)


def _scales(
    stats: list[Statistic], blocks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> np.ndarray:
    total = np.zeros(len(stats))
    total_sq = np.zeros(len(stats))
    low = np.full(len(stats), np.inf)
    high = np.full(len(stats), -np.inf)
    count = 0
    for i, _, x in blocks:
        total += x.sum(axis=0)
        total_sq += (x * x).sum(axis=0)
        low, high = np.minimum(low, x.min(axis=0)), np.maximum(high, x.max(axis=0))
        count += len(i)
    _refuse_constant_terms(stats, low, high)
    var = np.maximum(total_sq / count - (total / count) ** 2, 0.0)
    sd = np.sqrt(var)
    # Constant columns (edges, sum) keep scale 1; so does any column with no variation.
    return np.where(sd > 1e-12, sd, 1.0)


def _refuse_constant_terms(stats: list[Statistic], low: np.ndarray, high: np.ndarray) -> None:
    """Two terms the same for every dyad (edges and a nodeicov of an attribute every unit shares,
    or an edgecov matrix of zeros) cannot be told apart; that ended as 'no convergence ... (separation)'
    or 'the information matrix is singular', naming no term."""
    constant = [k for k in range(len(stats)) if low[k] == high[k]]
    if len(constant) < 2:
        return
    base = next((k for k in constant if stats[k].name in ("edges", "sum")), constant[0])
    named = ", ".join(f"{stats[k].name} (always {low[k]:g})" for k in constant if k != base)
    raise ConvergenceError(
        f"{named}: the same for every dyad, so not distinguishable from {stats[base].name}; drop the"
        " term or check its attribute or covariate values (they do not vary)"
    )


def fit_dyad_independent(
    stats: list[Statistic],
    y: np.ndarray,
    n: int,
    directed: bool,
    valued: bool,
    max_iter: int = 60,
    tol: float = 1e-10,
    progress: Progress | None = None,
) -> Fit:
    p = len(stats)
    n_dyads = n * (n - 1) // (1 if directed else 2)
    cache = list(_blocks(stats, n, directed, None)) if n_dyads * p <= CACHE_CELLS else None
    scale = _scales(stats, _blocks(stats, n, directed, cache))
    beta = np.zeros(p)
    if valued:
        mean_y = y.sum() / n_dyads
        intercept = [k for k, s in enumerate(stats) if s.name == "sum"]
        if intercept and mean_y > 0:
            beta[intercept[0]] = np.log(mean_y)
    loglik = -np.inf
    for iteration in range(1, max_iter + 1):
        grad = np.zeros(p)
        hess = np.zeros((p, p))
        new_loglik = 0.0
        for i, j, raw in _blocks(stats, n, directed, cache):
            x = raw / scale
            yy = y[i, j]
            eta = x @ beta
            if valued:
                mu = np.exp(np.minimum(eta, 700))
                weight = mu
                new_loglik += float(np.sum(yy * eta - mu - gammaln(yy + 1)))
            else:
                mu = expit(eta)
                weight = mu * (1 - mu)
                new_loglik += float(np.sum(yy * eta - np.logaddexp(0.0, eta)))
            grad += x.T @ (yy - mu)
            hess += (x * weight[:, None]).T @ x
        if progress:
            progress("fitting", iteration, max_iter)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            if iteration == 1:  # at the start every dyad weighs the same: the terms themselves
                raise ConvergenceError(
                    "the information matrix is singular: two terms are collinear or a term is constant"
                ) from None
            # the terms were fine at the start: the fitted probabilities went to 0 or 1, as when a
            # few dyads are fitted exactly (2 units, 2 terms): it said 'collinear or constant'
            raise ConvergenceError(
                f"the MLE does not exist (separation): fitted tie probabilities reach 0 or 1, so the"
                f" estimates diverge; {_how_much_data(y, n_dyads, p, directed)}"
            ) from None
        beta = beta + step
        converged = abs(new_loglik - loglik) < tol * (1 + abs(new_loglik)) and np.max(np.abs(step)) < 1e-8
        loglik = new_loglik
        if converged:
            break
    else:
        raise ConvergenceError(
            f"no convergence after {max_iter} Newton steps (last step {np.max(np.abs(step)):.3g}); "
            "the MLE may not exist (separation)"
        )
    if np.max(np.abs(beta)) > 30:
        raise ConvergenceError(
            "an estimate diverges (|scaled coefficient| > 30): the MLE does not exist (separation);"
            f" {_how_much_data(y, n_dyads, p, directed)}"
        )
    cov_scaled = np.linalg.inv(hess)
    coef = beta / scale
    cov = cov_scaled / np.outer(scale, scale)
    final = _loglik(coef, y, valued, _blocks(stats, n, directed, cache))
    null = -n_dyads * np.log(2.0) if not valued else float("nan")
    return Fit(coef, cov, final, null, iteration, n_dyads)


def _how_much_data(y: np.ndarray, n_dyads: int, terms: int, directed: bool) -> str:
    """The data a separated fit had, in words, so that too little of it shows (2 dyads for 2
    terms) - or which way to look when there is plenty."""
    ties = int(np.count_nonzero(y if directed else np.triu(y, 1)))
    said = f"{counted(n_dyads, 'dyads')} ({counted(ties, 'ties')}) for {counted(terms, 'terms')}"
    if n_dyads < 10 * terms:
        return f"{said}: not enough data for this model; fit fewer terms or a larger network"
    return f"{said}; look for a term that only tied (or only untied) dyads have"


def _loglik(
    coef: np.ndarray, y: np.ndarray, valued: bool, blocks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> float:
    total = 0.0
    for i, j, raw in blocks:
        eta = raw @ coef
        yy = y[i, j]
        if valued:
            total += float(np.sum(yy * eta - np.exp(eta) - gammaln(yy + 1)))
        else:
            total += float(np.sum(yy * eta - np.logaddexp(0.0, eta)))
    return total


def loglik_at(
    stats: list[Statistic], y: np.ndarray, n: int, directed: bool, coef: np.ndarray, valued: bool = False
) -> float:
    """The exact log-likelihood of a dyad-independent model at ``coef`` (not only at its MLE)."""
    return _loglik(np.asarray(coef, dtype=float), y, valued, _blocks(stats, n, directed, None))
