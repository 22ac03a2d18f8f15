"""Dyad-dependent ERGM terms (mutual, triangle, gwesp) by MCMC-MLE, and the exact edges + mutual MLE.

The sampler toggles dyads chosen by a Metropolis-Hastings proposal (statnet's TNT by default, or
uniform random toggles: ``analytics/ergm/proposal.py``), keeping the two-path matrix
``sp = A @ A`` up to date so triangle and gwesp change statistics cost O(n). MCMC-MLE follows
ergm: start at the MPLE (a logistic regression of the change statistics), then repeat
Geyer-Thompson steps - maximise the importance-sampled log-likelihood ratio around the current
estimate - until the observed statistics sit inside the sample and the estimate settles.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

from analytics.ergm.convergence import (
    convergence_test,
    geweke_z,
    hummel_steplength,
    mean_covariance,
    spectrum0_ar,
    target_effective_size,
)
from analytics.ergm.formula import TermSpec
from analytics.ergm.network import Network
from analytics.ergm.proposal import (
    DEFAULT_PROPOSAL,
    TIE_PROBABILITY,
    TNT,
    TieList,
    check_proposal,
    tnt_log_ratio,
)
from analytics.ergm.terms import build_statistics, check_arguments
from analytics.errors import ConvergenceError, FormulaError
from referral.errors import json_text

Progress = Callable[[str, int, int], None]

#: Proposals whose random numbers the TNT sampler draws at a time.
_BLOCK = 1 << 16


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
                raise FormulaError(f"term gwesp: decay {json_text(raw)} is not a number") from None
            out.append(DependentTerm(f"gwesp.fixed.{decay:g}", "gwesp", decay=decay))
        else:
            for stat in build_statistics([spec], net, valued=False):
                out.append(DependentTerm(stat.name, "covariate", column=stat.column))
    return out


class Chain:
    """A network state with its statistics, updated toggle by toggle by a Metropolis-Hastings proposal.

    ``proposal`` is ``"TNT"`` (statnet's default) or ``"random"`` (uniform random toggles); see
    ``analytics/ergm/proposal.py``.
    """

    def __init__(
        self,
        terms: list[DependentTerm],
        adjacency: np.ndarray,
        directed: bool,
        proposal: str = DEFAULT_PROPOSAL,
    ) -> None:
        self.terms = terms
        self.directed = directed
        self.proposal = check_proposal(proposal)
        self.n = adjacency.shape[0]
        self.n_dyads = self.n * (self.n - 1) // (1 if directed else 2)
        self.ties = TieList(self.n)
        idx = np.arange(self.n)
        self.cov = {
            t.name: t.column(np.repeat(idx, self.n), np.tile(idx, self.n)).reshape(self.n, self.n)
            for t in terms
            if t.kind == "covariate" and t.column is not None
        }
        self.a = np.zeros((self.n, self.n), dtype=np.int64)
        self.sp = np.zeros((self.n, self.n), dtype=np.int64)
        # Only triangle and gwesp read the two-path matrix; without them it is not kept (half a toggle's cost).
        self.two_paths = any(t.kind in ("triangle", "gwesp") for t in terms)
        # Without mutual, triangle or gwesp a dyad's change statistics do not depend on the rest of
        # the network: one row per dyad key i * n + j, computed once (``_sample_fixed_change``).
        self.fixed_change: np.ndarray | None = None
        self._gain: tuple[np.ndarray, list[float]] | None = None  # theta and theta . fixed_change
        if all(t.kind in ("edges", "covariate") for t in terms):
            self.fixed_change = np.column_stack(
                [np.ones(self.n * self.n) if t.kind == "edges" else self.cov[t.name].ravel() for t in terms]
            )
        self.stats = np.zeros(len(terms))
        for i, j in zip(*np.nonzero(adjacency), strict=True):
            if directed or i < j:
                self.stats += self.change(int(i), int(j))
                self._set(int(i), int(j), 1)
                self.ties.add(int(i), int(j))

    def _set(self, i: int, j: int, value: int) -> None:
        for a, b in ((i, j),) if self.directed else ((i, j), (j, i)):
            d = value - self.a[a, b]
            if d:
                self.a[a, b] = value
                if not self.two_paths:
                    continue
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
        """Propose toggling i -> j with a symmetric proposal: accept when u < exp(theta . delta)."""
        return self._toggle_below(i, j, theta, math.log(u))

    def _toggle_below(self, i: int, j: int, theta: np.ndarray, threshold: float) -> bool:
        """Toggle i -> j when ``threshold`` < theta . delta.

        ``threshold`` is log u minus the log proposal ratio log q(reverse) / q(forward), which is 0
        for a symmetric proposal (Metropolis-Hastings acceptance with u uniform).
        """
        present = self.a[i, j] == 1
        if present:
            self._set(i, j, 0)
            delta = -self.change(i, j)
        else:
            delta = self.change(i, j)
        if threshold < float(theta @ delta):
            if present:
                self.ties.remove(i, j)
            else:
                self._set(i, j, 1)
                self.ties.add(i, j)
            self.stats += delta
            return True
        if present:
            self._set(i, j, 1)
        return False

    def _uniform_dyads(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``size`` uniformly chosen dyads (i, j), i != j (i < j in an undirected network)."""
        ii = rng.integers(0, self.n, size)
        jj = rng.integers(0, self.n - 1, size)
        jj = jj + (jj >= ii)  # uniform over j != i
        if not self.directed:
            ii, jj = np.minimum(ii, jj), np.maximum(ii, jj)
        return ii, jj

    def sample(
        self, theta: np.ndarray, rng: np.random.Generator, draws: int, interval: int, burnin: int
    ) -> np.ndarray:
        """``draws`` statistics vectors, one every ``interval`` proposals after ``burnin`` proposals."""
        if self.fixed_change is not None:
            return self._sample_fixed_change(theta, rng, draws, interval, burnin)
        if self.proposal == TNT:
            return self._sample_tnt(theta, rng, draws, interval, burnin)
        total = burnin + draws * interval
        ii, jj = self._uniform_dyads(rng, total)
        uu = rng.random(total)
        out = np.empty((draws, len(self.terms)))
        for step in range(total):
            self.toggle(int(ii[step]), int(jj[step]), theta, float(uu[step]))
            if step >= burnin and (step - burnin) % interval == interval - 1:
                out[(step - burnin) // interval] = self.stats
        return out

    def _sample_tnt(
        self, theta: np.ndarray, rng: np.random.Generator, draws: int, interval: int, burnin: int
    ) -> np.ndarray:
        total = burnin + draws * interval
        out = np.empty((draws, len(self.terms)))
        n, dyads, a, keys = self.n, self.n_dyads, self.a, self.ties.keys
        for begin in range(0, total, _BLOCK):  # random numbers a block at a time: bounded memory
            size = min(_BLOCK, total - begin)
            ii, jj = self._uniform_dyads(rng, size)
            dyad_i, dyad_j = ii.tolist(), jj.tolist()
            log_u = np.log(rng.random(size)).tolist()
            tie_u = rng.random(size).tolist()  # below TIE_PROBABILITY: a tie step; u / P chooses the tie
            for k in range(size):
                ties, u = len(keys), tie_u[k]
                if u < TIE_PROBABILITY and ties:
                    i, j = divmod(keys[min(int(u / TIE_PROBABILITY * ties), ties - 1)], n)
                else:
                    i, j = dyad_i[k], dyad_j[k]
                self._toggle_below(i, j, theta, log_u[k] - tnt_log_ratio(a[i, j] == 1, ties, dyads))
                step = begin + k
                if step >= burnin and (step - burnin) % interval == interval - 1:
                    out[(step - burnin) // interval] = self.stats
        return out

    def _sample_fixed_change(
        self, theta: np.ndarray, rng: np.random.Generator, draws: int, interval: int, burnin: int
    ) -> np.ndarray:
        """``sample`` of a dyad-independent model: the same proposals, random numbers and decisions.

        A dyad's change statistics are fixed, so theta . delta is one number per dyad, computed for
        all of them at once; whether a dyad is a tie is read from the tie list's positions; the
        statistics are summed, in the same order, only when a draw is recorded (a running sum,
        ``np.cumsum``, of the toggled dyads' rows), and the toggled dyads are written to ``a`` at
        the end. Numpy's per-element reads and writes, a method call per term and the proposal ratio
        recomputed per toggle were most of the general sampler's cost here.
        """
        assert self.fixed_change is not None
        total = burnin + draws * interval
        out = np.empty((draws, len(self.terms)))
        n, dyads = self.n, self.n_dyads
        keys, position = self.ties.keys, self.ties.position
        rows = self.fixed_change
        if self._gain is None or not np.array_equal(self._gain[0], theta):  # one theta per fit or gof
            self._gain = (theta.copy(), (rows @ theta).tolist())
        gain = self._gain[1]  # theta . delta of adding the tie; removing it: minus that
        tnt = self.proposal == TNT
        # tnt_log_ratio by the number of ties, for a removal and an addition: a few hundred values
        remove_ratio: dict[int, float] = {}
        add_ratio: dict[int, float] = {}
        added: list[int] = []  # per toggle accepted since the last draw: the dyad, + when added, - removed
        toggled: list[int] = []
        record = burnin + interval - 1  # the next step whose statistics are a draw
        blocks = range(0, total, _BLOCK) if tnt else range(1)
        for begin in blocks:  # TNT draws its random numbers a block at a time, random toggles all at once
            size = min(_BLOCK, total - begin) if tnt else total
            ii, jj = self._uniform_dyads(rng, size)
            dyad_i, dyad_j = ii.tolist(), jj.tolist()
            if tnt:
                log_u = np.log(rng.random(size)).tolist()
                tie_u = rng.random(size).tolist()
            else:
                log_u = [math.log(u) for u in rng.random(size).tolist()]
            for k in range(size):
                count = len(keys)
                if tnt and tie_u[k] < TIE_PROBABILITY and count:
                    key = keys[min(int(tie_u[k] / TIE_PROBABILITY * count), count - 1)]
                else:
                    key = dyad_i[k] * n + dyad_j[k]
                threshold = log_u[k]
                if key in position:
                    if tnt:
                        lr = remove_ratio.get(count)
                        if lr is None:
                            lr = remove_ratio[count] = tnt_log_ratio(True, count, dyads)
                        threshold -= lr
                    if threshold < -gain[key]:
                        at = position.pop(key)  # TieList.remove, inline
                        last = keys.pop()
                        if at < len(keys):
                            keys[at] = last
                            position[last] = at
                        toggled.append(~key)
                else:
                    if tnt:
                        lr = add_ratio.get(count)
                        if lr is None:
                            lr = add_ratio[count] = tnt_log_ratio(False, count, dyads)
                        threshold -= lr
                    if threshold < gain[key]:
                        position[key] = len(keys)  # TieList.add, inline
                        keys.append(key)
                        toggled.append(key)
                if begin + k == record:
                    self._add_toggled(toggled)
                    out[(record - burnin) // interval] = self.stats
                    added += toggled
                    toggled = []
                    record += interval
        self._add_toggled(toggled)
        added += toggled
        dyad, times = np.unique(
            np.array([~t if t < 0 else t for t in added], dtype=np.int64), return_counts=True
        )
        i, j = np.divmod(dyad[times % 2 == 1], n)
        self.a[i, j] = 1 - self.a[i, j]
        if not self.directed:
            self.a[j, i] = self.a[i, j]
        return out

    def _add_toggled(self, toggled: list[int]) -> None:
        """Add the change statistics of the ``toggled`` dyads to ``stats`` in order (~key: removed)."""
        if not toggled:
            return
        assert self.fixed_change is not None
        signed = np.array(toggled, dtype=np.int64)
        removed = signed < 0
        steps = self.fixed_change[np.where(removed, ~signed, signed)]
        steps[removed] *= -1.0
        self.stats[...] = np.cumsum(np.vstack([self.stats, steps]), axis=0)[-1]


@dataclass(frozen=True)
class McmcFit:
    coef: np.ndarray
    cov: np.ndarray  # the model's: the inverse Fisher information
    mcmc_cov: np.ndarray  # the Monte Carlo error's
    observed: np.ndarray
    diagnostics: dict[str, Any]
    iterations: int
    interval: int  # toggles between recorded draws
    converged: bool
    sample: np.ndarray  # the final sample: one row of statistics minus the observed ones per draw

    @property
    def mcmc_se(self) -> np.ndarray:
        """The Monte Carlo standard errors of the estimates."""
        return np.sqrt(np.diag(self.mcmc_cov))


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
    """Per column: draws times variance over the spectral density at zero, as coda's ``effectiveSize``.

    The spectral density at zero (``convergence.spectrum0_ar``) is the series' long-run variance, the
    one Geweke's z divides by, so the two read the draws' autocorrelation alike. A column with no
    variation about a straight line has 0, as coda's. It summed the autocorrelations up to where one
    dropped below 0.05: the tail left out gave an AR(1) with phi = 0.9 some 6% too many effective
    draws, and a negative first autocorrelation stopped the sum at once (phi = -0.5: n, not 3n).
    """
    out = np.zeros(series.shape[1])
    for k in range(series.shape[1]):
        spectrum = spectrum0_ar(series[:, k])
        if spectrum > 0:
            out[k] = len(series) * float(np.var(series[:, k], ddof=1)) / spectrum
    return out


#: The first burn-in of a chain, in sampling intervals.
BURNIN_INTERVALS = 20
#: MCMC-MLE iterations before a fit is reported as not converged (ergm 3's ``MCMLE.maxit``; ergm 4,
#: with a compiled sampler, allows 60).
MAX_ITERATIONS = 20
#: Draws per iteration at first, and the most the sample is boosted to (ergm boosts it by
#: ``MCMLE.confidence.boost = 2`` when the estimate is near but not yet shown to be converged).
DRAWS = 1500
MAX_DRAWS_FACTOR = 8


def default_interval(n_dyads: int) -> int:
    """Toggles between recorded draws: a twentieth of the dyads, at least 10."""
    return max(10, n_dyads // 20)


def _geyer_thompson_step(sim: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The step that makes the importance-weighted mean of ``sim`` equal ``target``.

    It maximises the importance-sampled log-likelihood ratio
    l(theta + s) - l(theta) ~ s . target - log mean exp(s . sim) by Newton's method.
    """
    centered = sim - target
    step = np.zeros(sim.shape[1])
    for _ in range(30):
        w = centered @ step
        w = np.exp(w - w.max())
        w /= w.sum()
        mean = w @ centered
        cov = (centered - mean).T @ ((centered - mean) * w[:, None])
        try:
            newton = np.linalg.solve(cov + 1e-9 * np.eye(len(step)), -mean)
        except np.linalg.LinAlgError:
            raise ConvergenceError(
                "MCMC sample has no variation in a statistic: the model is degenerate"
            ) from None
        newton = np.clip(newton, -1.0, 1.0)
        step += newton
        if np.max(np.abs(newton)) < 1e-6:
            break
    return step


def fit_mcmc(
    terms: list[DependentTerm],
    net: Network,
    seed: int | None,
    draws: int = DRAWS,
    interval: int | None = None,
    max_iter: int = MAX_ITERATIONS,
    progress: Progress | None = None,
    proposal: str = DEFAULT_PROPOSAL,
    burnin: int | None = None,
) -> McmcFit:
    """MCMC-MLE from the MPLE, judged and reported at the estimate it returns.

    ``interval`` is the number of proposals between recorded draws (None: ``default_interval``)
    and ``burnin`` the proposals before each iteration's first draw (None: ``BURNIN_INTERVALS``
    intervals), R's ``MCMC.interval`` and ``MCMC.burnin``.

    Every iteration samples at the current estimate and applies ergm's convergence test
    (``convergence.convergence_test``) to that sample; a fit stops there, so the estimate
    returned is the one the test (and every diagnostic) was computed at. Otherwise it takes a
    Geyer-Thompson step with Hummel's step length; when the estimate is near the tolerance
    region but the sample was too small to show it, the next sample is made big enough (up to
    ``MAX_DRAWS_FACTOR`` times ``draws``). A fit still unproven after ``max_iter`` samples returns
    its last estimate with ``converged`` False. The final sample has at least ``2 * draws`` draws
    (the chain runs on at the estimate when the last one had fewer).
    """
    rng = np.random.default_rng(seed)
    y = net.response(None)
    chain = Chain(terms, y, net.directed, proposal)
    observed = chain.stats.copy()
    theta = _mple(chain, y, net.directed)
    interval = interval or default_interval(net.n_dyads)
    burnin = BURNIN_INTERVALS * interval if burnin is None else burnin
    size, final_size = draws, 2 * draws
    steps: list[float] = []
    for iteration in range(1, max_iter + 1):
        if progress:
            progress("MCMC-MLE", iteration, max_iter)
        sim = chain.sample(theta, rng, size, interval, burnin)
        ess = effective_size(sim)
        test = convergence_test(sim, observed, ess)
        if test.converged and len(sim) < final_size:
            # The chain is at the estimate already: run it on, no burn-in, and judge all the draws.
            sim = np.vstack([sim, chain.sample(theta, rng, final_size - len(sim), interval, 0)])
            ess = effective_size(sim)
            test = convergence_test(sim, observed, ess)
        if test.converged or iteration == max_iter:
            break
        if test.distance < 2:
            # Near the tolerance region (ergm's d2 < 2) but not shown inside it: a sample big enough
            # to show it next time, from this one's effective size per draw (ergm boosts it too).
            per_draw = max(float(ess.min()), 1.0) / len(sim)
            wanted = math.ceil(target_effective_size(len(terms)) / per_draw)
            size = max(size, min(wanted, MAX_DRAWS_FACTOR * draws))
        mean = sim.mean(axis=0)
        gamma = hummel_steplength(sim, observed)
        steps.append(gamma)
        theta = theta + _geyer_thompson_step(sim, mean + gamma * (observed - mean))
    if len(sim) < final_size:  # not converged: still report at the estimate, on enough draws
        sim = np.vstack([sim, chain.sample(theta, rng, final_size - len(sim), interval, 0)])
        test = convergence_test(sim, observed, effective_size(sim))
    # Fisher information = covariance of the statistics at the estimate.
    info = np.cov(sim.T).reshape(len(terms), len(terms))
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise ConvergenceError("the sampled statistics are collinear; the model is degenerate") from None
    ess = effective_size(sim)
    # The estimate's Monte Carlo covariance: the sample mean's (autocorrelation-adjusted) mapped
    # through the inverse information, as ergm's vcov(fit, sources = "mcmc").
    mcmc_cov = cov @ mean_covariance(sim, ess) @ cov
    sd = sim.std(axis=0)
    t_ratio = np.where(sd > 0, (sim.mean(axis=0) - observed) / np.where(sd > 0, sd, 1), 0.0)
    geweke = geweke_z(sim)
    diagnostics: dict[str, Any] = {
        "converged": test.converged,
        "iterations": iteration,
        "max_iterations": max_iter,
        "convergence_p": test.p_value,
        "tolerance_distance": test.distance,
        "step_lengths": steps,
        "t_ratio": t_ratio.tolist(),
        "effective_size": ess.tolist(),
        "geweke_z": geweke.tolist(),
        "draws": len(sim),
        "interval": interval,
        "burnin": burnin,
        "proposal": chain.proposal,
        "seed": seed,
    }
    return McmcFit(
        theta, cov, mcmc_cov, observed, diagnostics, iteration, interval, test.converged, sim - observed
    )


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
