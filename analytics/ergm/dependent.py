"""Dyad-dependent ERGM terms (mutual, triangle, gwesp) by MCMC-MLE, and the exact edges + mutual MLE.

The sampler toggles random dyads with Metropolis acceptance, keeping the two-path matrix
``sp = A @ A`` up to date so triangle and gwesp change statistics cost O(n). MCMC-MLE follows
ergm: start at the MPLE (a logistic regression of the change statistics), then repeat
Geyer-Thompson steps - maximise the importance-sampled log-likelihood ratio around the current
estimate - until the observed statistics sit inside the sample and the estimate settles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from analytics.ergm.formula import TermSpec
from analytics.ergm.network import Network
from analytics.ergm.terms import build_statistics, check_arguments
from analytics.errors import ConvergenceError, FormulaError

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DependentTerm:
    name: str
    kind: str  # "edges", "mutual", "triangle", "gwesp", "covariate"
    decay: float = 0.0
    column: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None


def dependent_terms(terms: list[TermSpec], net: Network) -> list[DependentTerm]:
    out: list[DependentTerm] = []
    for spec in terms:
        if spec.name in ("edges", "mutual", "triangle"):
            check_arguments(spec)
            if spec.name == "mutual" and not net.directed:
                raise FormulaError("term mutual: only for directed networks")
            out.append(DependentTerm(spec.name, spec.name))
        elif spec.name == "gwesp":
            check_arguments(spec, positional=2, keywords=("decay", "fixed"))
            kwargs = dict(spec.kwargs)
            raw = kwargs.get("decay", spec.args[0] if spec.args else None)
            fixed = kwargs.get("fixed", spec.args[1] if len(spec.args) > 1 else None)
            if raw is None:
                raise FormulaError("term gwesp: give a fixed decay, e.g. gwesp(0.5, fixed=TRUE)")
            if fixed is None or fixed.upper() not in ("TRUE", "T"):
                # R's default is fixed=FALSE, a curved model with the decay estimated: not this one
                raise FormulaError(
                    "term gwesp: only a fixed decay is supported; write gwesp(0.5, fixed=TRUE)"
                    " (R's default, fixed=FALSE, estimates the decay as a curved model)"
                )
            try:
                decay = float(raw)
            except ValueError:
                raise FormulaError(f"term gwesp: decay {raw!r} is not a number") from None
            out.append(DependentTerm(f"gwesp.fixed.{decay:g}", "gwesp", decay=decay))
        else:
            for stat in build_statistics([spec], net, valued=False):
                out.append(DependentTerm(stat.name, "covariate", column=stat.column))
    return out


class Chain:
    """A network state with its statistics, updated toggle by toggle."""

    def __init__(self, terms: list[DependentTerm], adjacency: np.ndarray, directed: bool) -> None:
        self.terms = terms
        self.directed = directed
        self.n = adjacency.shape[0]
        idx = np.arange(self.n)
        self.cov = {
            t.name: t.column(np.repeat(idx, self.n), np.tile(idx, self.n)).reshape(self.n, self.n)
            for t in terms
            if t.kind == "covariate" and t.column is not None
        }
        self.a = np.zeros((self.n, self.n), dtype=np.int64)
        self.sp = np.zeros((self.n, self.n), dtype=np.int64)
        self.stats = np.zeros(len(terms))
        for i, j in zip(*np.nonzero(adjacency), strict=True):
            if directed or i < j:
                self.stats += self.change(int(i), int(j))
                self._set(int(i), int(j), 1)

    def _set(self, i: int, j: int, value: int) -> None:
        for a, b in ((i, j),) if self.directed else ((i, j), (j, i)):
            d = value - self.a[a, b]
            if d:
                self.a[a, b] = value
                self.sp[a, :] += d * self.a[b, :]
                self.sp[:, b] += d * self.a[:, a]
                # the two updates double-count nothing: a != b and there are no loops

    def change(self, i: int, j: int) -> np.ndarray:
        """Change in every statistic when the tie i -> j (i - j) is added to the current state."""
        a, sp = self.a, self.sp
        out = np.empty(len(self.terms))
        for k, term in enumerate(self.terms):
            if term.kind == "edges":
                out[k] = 1.0
            elif term.kind == "mutual":
                out[k] = a[j, i]
            elif term.kind == "triangle":
                if self.directed:
                    out[k] = a[i] @ a[:, j] + a[:, i] @ a[:, j] + a[i] @ a[j] + a[j] @ a[:, i]
                else:
                    out[k] = sp[i, j]
            elif term.kind == "gwesp":
                r = 1.0 - np.exp(-term.decay)
                own = np.exp(term.decay) * (1.0 - r ** sp[i, j])
                if self.directed:  # outgoing two-paths (OTP), ergm's default for directed gwesp
                    legs = np.sum(a[i] * a[j] * r ** sp[i]) + np.sum(a[:, j] * a[:, i] * r ** sp[:, j])
                else:
                    common = a[i] * a[j]
                    legs = np.sum(common * (r ** sp[i] + r ** sp[j]))
                out[k] = own + legs
            else:
                out[k] = self.cov[term.name][i, j]
        return out

    def toggle(self, i: int, j: int, theta: np.ndarray, u: float) -> bool:
        present = self.a[i, j] == 1
        if present:
            self._set(i, j, 0)
            delta = -self.change(i, j)
        else:
            delta = self.change(i, j)
        if np.log(u) < float(theta @ delta):
            if not present:
                self._set(i, j, 1)
            self.stats += delta
            return True
        if present:
            self._set(i, j, 1)
        return False

    def sample(
        self, theta: np.ndarray, rng: np.random.Generator, draws: int, interval: int, burnin: int
    ) -> np.ndarray:
        total = burnin + draws * interval
        ii = rng.integers(0, self.n, total)
        jj = rng.integers(0, self.n - 1, total)
        jj = jj + (jj >= ii)  # uniform over j != i
        if not self.directed:
            ii, jj = np.minimum(ii, jj), np.maximum(ii, jj)
        uu = rng.random(total)
        out = np.empty((draws, len(self.terms)))
        for step in range(total):
            self.toggle(int(ii[step]), int(jj[step]), theta, float(uu[step]))
            if step >= burnin and (step - burnin) % interval == interval - 1:
                out[(step - burnin) // interval] = self.stats
        return out


@dataclass(frozen=True)
class McmcFit:
    coef: np.ndarray
    cov: np.ndarray
    mcmc_se: np.ndarray
    observed: np.ndarray
    diagnostics: dict[str, object]
    iterations: int
    interval: int  # toggles between recorded draws


def _mple(chain: Chain, y: np.ndarray, directed: bool) -> np.ndarray:
    n = chain.n
    rows, ys = [], []
    for i in range(n):
        for j in range(n):
            if i == j or (not directed and j < i):
                continue
            present = chain.a[i, j] == 1
            if present:
                chain._set(i, j, 0)
            rows.append(chain.change(i, j))
            if present:
                chain._set(i, j, 1)
            ys.append(y[i, j])
    x, yy = np.array(rows), np.array(ys, dtype=float)
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        mu = expit(x @ beta)
        hess = (x * (mu * (1 - mu))[:, None]).T @ x + 1e-8 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, x.T @ (yy - mu))
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def effective_size(series: np.ndarray) -> np.ndarray:
    """Per column: draws / (1 + 2 * sum of autocorrelations, cut where they drop below 0.05)."""
    out = np.empty(series.shape[1])
    for k in range(series.shape[1]):
        s = series[:, k] - series[:, k].mean()
        var = s @ s / len(s)
        if var == 0:
            out[k] = float(len(s))
            continue
        rho_sum = 0.0
        for lag in range(1, min(200, len(s) // 2)):
            rho = (s[:-lag] @ s[lag:]) / (len(s) * var)
            if rho < 0.05:
                break
            rho_sum += rho
        out[k] = len(s) / (1 + 2 * rho_sum)
    return out


#: The first burn-in of a chain, in sampling intervals.
BURNIN_INTERVALS = 20


def default_interval(n_dyads: int) -> int:
    """Toggles between recorded draws: a twentieth of the dyads, at least 10."""
    return max(10, n_dyads // 20)


def fit_mcmc(
    terms: list[DependentTerm],
    net: Network,
    seed: int | None,
    draws: int = 1500,
    interval: int | None = None,
    max_iter: int = 12,
    progress: Progress | None = None,
) -> McmcFit:
    rng = np.random.default_rng(seed)
    y = net.response(None)
    chain = Chain(terms, y, net.directed)
    observed = chain.stats.copy()
    theta = _mple(chain, y, net.directed)
    interval = interval or default_interval(net.n_dyads)
    burnin = BURNIN_INTERVALS * interval
    sim = np.empty((0, len(terms)))
    for iteration in range(1, max_iter + 1):
        if progress:
            progress("MCMC-MLE", iteration, max_iter)
        sim = chain.sample(theta, rng, draws, interval, burnin)
        centered = sim - observed
        # Geyer-Thompson: maximise l(t) - l(theta) ~ -log mean exp((t - theta) . (g_sim - g_obs)).
        step_total = np.zeros(len(terms))
        for _ in range(30):
            w = centered @ step_total
            w = np.exp(w - w.max())
            w /= w.sum()
            mean = w @ centered
            cov = (centered - mean).T @ ((centered - mean) * w[:, None])
            try:
                newton = np.linalg.solve(cov + 1e-9 * np.eye(len(terms)), -mean)
            except np.linalg.LinAlgError:
                raise ConvergenceError(
                    "MCMC sample has no variation in a statistic: the model is degenerate"
                ) from None
            newton = np.clip(newton, -1.0, 1.0)
            step_total += newton
            if np.max(np.abs(newton)) < 1e-6:
                break
        sd = sim.std(axis=0)
        t_ratio = np.where(sd > 0, (sim.mean(axis=0) - observed) / np.where(sd > 0, sd, 1), 0.0)
        theta = theta + step_total
        if np.max(np.abs(t_ratio)) < 0.1 and np.max(np.abs(step_total)) < 0.05:
            break
    # Final sample at the estimate: Fisher information = covariance of the statistics.
    sim = chain.sample(theta, rng, draws * 2, interval, burnin)
    info = np.cov(sim.T).reshape(len(terms), len(terms))
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise ConvergenceError("the sampled statistics are collinear; the model is degenerate") from None
    ess = effective_size(sim)
    mcmc_var = np.diag(cov @ info @ cov) / np.maximum(ess, 1.0)
    sd = sim.std(axis=0)
    t_ratio = np.where(sd > 0, (sim.mean(axis=0) - observed) / np.where(sd > 0, sd, 1), 0.0)
    half = len(sim) // 2
    first, last = sim[: len(sim) // 10], sim[half:]
    geweke = (first.mean(axis=0) - last.mean(axis=0)) / np.sqrt(
        first.var(axis=0) / max(len(first), 1) + last.var(axis=0) / max(len(last), 1) + 1e-12
    )
    # Converged when the observed statistics equal the simulated means within Monte Carlo error
    # (z computed with the effective sample size), the criterion ergm's Hotelling test is after.
    mc_z = t_ratio * np.sqrt(np.maximum(ess, 1.0))
    converged = bool(np.max(np.abs(mc_z)) < 3.0)
    diagnostics: dict[str, object] = {
        "converged": converged,
        "iterations": iteration,
        "t_ratio": t_ratio.tolist(),
        "mc_z": mc_z.tolist(),
        "effective_size": ess.tolist(),
        "geweke_z": geweke.tolist(),
        "draws": len(sim),
        "interval": interval,
        "burnin": burnin,
        "seed": seed,
    }
    return McmcFit(theta, cov, np.sqrt(mcmc_var), observed, diagnostics, iteration, interval)


def exact_edges_mutual(net: Network) -> tuple[np.ndarray, np.ndarray, float]:
    """Closed-form MLE of ``edges + mutual``: the dyads are independent with three states."""
    y = net.response(None)
    upper = np.triu_indices(net.n, 1)
    forward, backward = y[upper], y.T[upper]
    n_mut = float(np.sum((forward == 1) & (backward == 1)))
    n_asym = float(np.sum(forward != backward))
    n_null = float(len(forward)) - n_mut - n_asym
    if min(n_mut, n_asym, n_null) <= 0:
        raise ConvergenceError(
            "edges + mutual has no finite MLE: a dyad state (null, asymmetric, mutual) never occurs"
        )
    a = n_asym / (2 * n_null)
    b = n_mut / n_null
    coef = np.array([np.log(a), np.log(b) - 2 * np.log(a)])
    z = 1 + 2 * a + b
    probs = np.array([1 / z, 2 * a / z, b / z])
    stats = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 1.0]])
    mean = probs @ stats
    info = len(forward) * ((stats - mean).T @ ((stats - mean) * probs[:, None]))
    loglik = n_null * np.log(1 / z) + n_asym * np.log(a / z) + n_mut * np.log(b / z)
    return coef, np.linalg.inv(info), float(loglik)
