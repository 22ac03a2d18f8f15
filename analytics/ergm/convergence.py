"""MCMC-MLE convergence test and step length, after statnet's ergm (``control.ergm`` defaults).

**Convergence** is ergm's default ``MCMLE.termination = "confidence"``: an equivalence test that
shows, with confidence ``CONFIDENCE`` (99%), that the deviation of the simulated mean statistics
from the observed ones lies inside a tolerance ellipsoid ``d' Sigma^-1 d < TOLERANCE`` (0.1,
``MCMLE.MCMC.precision``), Sigma being the covariance of the statistics. Near the MLE,
d ~ Sigma (theta - MLE), so the ellipsoid says the estimate is within sqrt(0.1) = 0.32 standard
errors of the MLE (Mahalanobis distance in the metric of the estimate's covariance). The test
statistic is the distance from the estimated deviation to the ellipsoid's boundary in the metric
of the Monte Carlo covariance of the sample mean (autocorrelation-adjusted by effective sample
sizes), referred to Hotelling's T^2. Unlike a test of "deviation = 0", more draws make it easier,
never harder, to pass when the estimate is good, and a fit that is far off cannot pass however
many draws are taken.

**Step length** is Hummel et al. (2012), ergm's ``MCMLE.steplength.margin = 0.05``: the
Geyer-Thompson step aims at the observed statistics only when they lie inside the convex hull of
the sample (with a 5% margin); otherwise at the point gamma of the way from the sample mean
towards them, gamma the largest that stays inside, where the importance-sampled likelihood can
be trusted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, linprog
from scipy.stats import chi2
from scipy.stats import f as f_dist

#: ergm's ``MCMLE.confidence``.
CONFIDENCE = 0.99
#: ergm's ``MCMLE.MCMC.precision`` for the "confidence" termination: the tolerance ellipsoid's scale.
TOLERANCE = 0.1
#: ergm's ``MCMLE.steplength.margin``.
STEPLENGTH_MARGIN = 0.05


@dataclass(frozen=True)
class ConvergenceTest:
    """The equivalence test on one sample drawn at one parameter value."""

    converged: bool
    p_value: float  # of "the deviation is outside the tolerance ellipsoid"; converged when < 0.01
    distance: float  # squared Mahalanobis deviation on the tolerance scale: < 1 inside the ellipsoid
    draws: int


def mean_covariance(sample: np.ndarray, ess: np.ndarray) -> np.ndarray:
    """Covariance of the sample mean: the statistics' covariance with each variance inflated by draws/ESS.

    An approximation: each variance is the long-run one (through the effective sizes), but the
    correlations are the draws' own, at lag 0, where the mean's are the long-run ones. Measured on
    simulated 3-statistic VAR(1) chains with a known long-run covariance (a scratch script, 100
    chains of 40,000 draws each, effective sizes 1,000-2,100): in the metric of the true covariance
    it is 0.75-0.95 of it in its least direction and 1.05-11.6 in its largest (median eigenvalues;
    11.6 with statistics that feed each other's next draw, 5.8 with lag-1 autocorrelations of 0.5,
    0.9 and 0.95, 1.05 with equal ones). It mostly overstates the Monte Carlo error, so the
    convergence test errs towards "not converged": a deviation at the tolerance boundary passed
    none of 100 chains either way, at 0 all of them; at 0.7 of the boundary, 0 of 60 where the true
    covariance passed 51, so a fit takes more iterations or draws than it needs, and where it
    understated (up to 25% of a variance) the pass rates matched within their noise (0.40 against
    0.37 of 60). docs/ergm.md gives the figures."""
    scale = np.sqrt(len(sample) / np.maximum(ess, 1.0))
    return np.cov(sample.T).reshape(sample.shape[1], -1) * np.outer(scale, scale) / len(sample)


def _distance_to_boundary(x_hat: np.ndarray, a: np.ndarray, radius2: float) -> float:
    """Squared Euclidean distance from x_hat (inside x'Ax <= radius2) to the ellipsoid's boundary."""
    lam, q = np.linalg.eigh(a)
    y = q.T @ x_hat
    top = int(np.argmax(lam))
    # A point exactly on the major axis' null component has no finite root; nudge it (continuity).
    y[top] = math.copysign(max(abs(y[top]), 1e-9 * (1 + float(np.abs(y).max()))), y[top])

    def excess(mu: float) -> float:
        return float(np.sum(lam * y**2 / (1 + mu * lam) ** 2)) - radius2

    lower = -1.0 / lam[top]
    mu = brentq(excess, lower * (1 - 1e-15), 0.0, xtol=1e-14 * abs(lower))
    return float(np.sum((y * mu * lam / (1 + mu * lam)) ** 2))


def convergence_test(
    sample: np.ndarray, observed: np.ndarray, ess: np.ndarray, confidence: float = CONFIDENCE
) -> ConvergenceTest:
    """ergm's "confidence" termination test of a sample drawn at the parameter being judged."""
    n, p = sample.shape
    deviation = sample.mean(axis=0) - observed
    sigma = np.cov(sample.T).reshape(p, p)
    if np.any(np.diag(sigma) <= 0) or np.linalg.matrix_rank(sigma) < p:
        return ConvergenceTest(False, 1.0, math.inf, n)  # a statistic that never varies cannot be tested
    distance = float(deviation @ np.linalg.solve(sigma, deviation)) / TOLERANCE
    df = float(np.floor(ess.min())) - 1
    if distance >= 1 or df < p:
        return ConvergenceTest(False, 1.0, distance, n)
    chol = np.linalg.cholesky(mean_covariance(sample, ess))
    white = np.linalg.solve(chol, deviation)
    a = chol.T @ np.linalg.solve(sigma, chol)
    t2 = _distance_to_boundary(white, (a + a.T) / 2, TOLERANCE)
    # Hotelling's T^2 with p parameters and df degrees of freedom, as an F distribution.
    p_value = float(f_dist.sf(t2 * (df - p + 1) / (p * df), p, df - p + 1))
    return ConvergenceTest(p_value < 1 - confidence, p_value, distance, n)


def target_effective_size(n_stats: int, confidence: float = CONFIDENCE) -> float:
    """The effective sample size at which a fit as good as its own Monte Carlo error passes the test.

    Such an estimate deviates from the MLE by about one Monte Carlo error of the sample that
    led to it, so with equal samples the whitened deviation has squared length about 2p; the test
    passes when the tolerance radius in those units, sqrt(TOLERANCE * ESS), exceeds that length
    plus the critical distance sqrt(chi2_p(confidence)).
    """
    critical = float(chi2.ppf(confidence, n_stats))
    return (math.sqrt(critical) + math.sqrt(2 * n_stats)) ** 2 / TOLERANCE


def _inside_hull(points: np.ndarray, target: np.ndarray) -> bool:
    """Whether target is a convex combination of the rows of points (a feasibility LP)."""
    if np.any(target < points.min(axis=0)) or np.any(target > points.max(axis=0)):
        return False
    a_eq = np.vstack([points.T, np.ones(len(points))])
    result = linprog(np.zeros(len(points)), A_eq=a_eq, b_eq=np.append(target, 1.0), method="highs")
    return bool(result.status == 0)


def hummel_steplength(
    sample: np.ndarray, observed: np.ndarray, margin: float = STEPLENGTH_MARGIN, precision: float = 0.01
) -> float:
    """The largest gamma in (0, 1] with mean + (1 + margin) gamma (observed - mean) inside the sample's hull."""
    points = np.unique(sample, axis=0)
    mean = sample.mean(axis=0)
    toward = (1 + margin) * (observed - mean)
    if _inside_hull(points, mean + toward):
        return 1.0
    low, high = 0.0, 1.0
    while high - low > precision:
        mid = (low + high) / 2
        if _inside_hull(points, mean + mid * toward):
            low = mid
        else:
            high = mid
    return max(low, precision)


def spectrum0_ar(series: np.ndarray) -> float:
    """The spectral density at frequency zero of one series, as coda's ``spectrum0.ar``.

    It is the series' long-run variance (n times the variance of its mean, autocorrelation and
    all): an autoregressive model is fitted by Yule-Walker with its order chosen by AIC up to
    10 log10(n), as R's ``ar()``, and its density at zero is the innovation variance over
    (1 - the sum of its coefficients)^2. A series with no variation about a straight line has 0.
    """
    x = np.asarray(series, dtype=float)
    n = len(x)
    if n < 2:
        return 0.0
    t = np.arange(n, dtype=float)
    residual = x - np.polyval(np.polyfit(t, x, 1), t) if n > 2 else np.zeros(n)
    if residual.std(ddof=1) < 1.5e-8:  # R's all.equal(sd(residuals(lm(x ~ t))), 0)
        return 0.0
    order_max = min(n - 1, math.floor(10 * math.log10(n)))
    d = x - x.mean()
    acov = np.array([d[: n - k] @ d[k:] / n for k in range(order_max + 1)])
    # Levinson-Durbin: the Yule-Walker coefficients and innovation variance at every order (R's eureka)
    coefs: list[np.ndarray] = [np.zeros(0)]
    variances = [acov[0]]
    phi = np.zeros(0)
    for k in range(1, order_max + 1):
        kappa = (acov[k] - phi @ acov[k - 1 : 0 : -1]) / variances[-1]
        phi = np.append(phi - kappa * phi[::-1], kappa)
        coefs.append(phi)
        variances.append(variances[-1] * (1 - kappa**2))
    aic = n * np.log(np.maximum(variances, np.finfo(float).tiny)) + 2 * np.arange(order_max + 1)
    order = int(np.argmin(aic))
    innovation = variances[order] * n / (n - (order + 1))
    return float(innovation / (1 - coefs[order].sum()) ** 2)


def geweke_z(sample: np.ndarray, first: float = 0.1, last: float = 0.5) -> np.ndarray:
    """Geweke's convergence z per column, as coda's ``geweke.diag`` (frac1 0.1, frac2 0.5).

    The mean of the first tenth of the draws minus that of the last half, over the standard error
    of the difference, each window's mean's variance its spectral density at zero over its
    length (``spectrum0_ar``): autocorrelated draws vary more in their mean than independent
    ones, so the naive variance of each window's mean inflates z.
    """
    n = len(sample)
    head = sample[: math.ceil(1 + first * (n - 1))]
    tail = sample[math.floor(n - last * (n - 1)) - 1 :]
    out = np.empty(sample.shape[1])
    for k in range(sample.shape[1]):
        variance = spectrum0_ar(head[:, k]) / len(head) + spectrum0_ar(tail[:, k]) / len(tail)
        out[k] = (head[:, k].mean() - tail[:, k].mean()) / math.sqrt(variance + 1e-12)
    return out
