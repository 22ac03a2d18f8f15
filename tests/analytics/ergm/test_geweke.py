"""Geweke's convergence z allows for autocorrelation, as coda's geweke.diag does (spectrum0.ar).

The MCMC fit's Geweke z divided the difference of the first tenth's and the last half's means by
their naive standard errors, as if the draws were independent; an MCMC sample's are not (on
``examples/study``, ``edges + mutual + nodeicov("HTH")``, seed 1, the 7,052 draws hold 404-831
effective ones), so z came out some 3-4 times too large and a stationary chain read as drifting.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import lfilter

from analytics.ergm.convergence import geweke_z, spectrum0_ar


def _ar1(rng: np.random.Generator, phi: float, sigma: float, n: int, series: int = 1) -> np.ndarray:
    """``series`` stationary AR(1) series x_t = phi x_(t-1) + e_t, e_t ~ N(0, sigma^2), in rows."""
    start = rng.standard_normal(series) * sigma / np.sqrt(1 - phi**2)  # the stationary distribution
    shocks = sigma * rng.standard_normal((series, n))
    return lfilter([1.0], [1.0, -phi], shocks, axis=1, zi=(phi * start)[:, None])[0]


def test_spectral_density_at_zero_is_the_ar1_long_run_variance() -> None:
    # An AR(1)'s spectral density at zero (n times the variance of its mean) is sigma^2 / (1 - phi)^2.
    rng = np.random.default_rng(20261207)
    phi, sigma = 0.7, 1.5
    estimates = np.array([spectrum0_ar(x) for x in _ar1(rng, phi, sigma, 20_000, series=20)])
    exact = sigma**2 / (1 - phi) ** 2  # 25; the variance of a single draw is 4.4
    spread = estimates.std(ddof=1) / np.sqrt(len(estimates))
    assert abs(estimates.mean() - exact) < 4 * spread, (estimates.mean(), exact, spread)
    assert abs(estimates.mean() / exact - 1) < 0.05


def test_a_constant_series_has_no_variance() -> None:
    assert spectrum0_ar(np.full(50, 3.0)) == 0.0
    assert spectrum0_ar(np.arange(50.0)) == 0.0  # no variation about its line, as coda's lm check


@pytest.mark.skipif(
    shutil.which("R") is None,
    reason="R not found: `make test` run as root installs it (scripts/system-deps.sh), or apt-get install r-base-core",
)
def test_spectral_density_is_r_ar_by_aic(tmp_path: Path) -> None:
    # coda's spectrum0.ar is ar(x, aic = TRUE)'s var.pred / (1 - sum(ar))^2; R's own ar() computes it here.
    rng = np.random.default_rng(3)
    series = [_ar1(rng, 0.9, 1.0, 2000)[0], _ar1(rng, 0.5, 2.0, 300)[0], rng.standard_normal(100)]
    series.append(lfilter([1.0, 0.6], [1.0, -0.4], rng.standard_normal(1500)))  # ARMA: a higher order
    for k, x in enumerate(series):
        np.savetxt(tmp_path / f"x{k}.txt", x, fmt="%.17g")
    script = (
        f"for (k in 0:{len(series) - 1}) {{ x <- scan(file.path('{tmp_path}', paste0('x', k, '.txt')),"
        " quiet = TRUE); a <- ar(x, aic = TRUE); cat(sprintf('%.15g', a$var.pred / (1 - sum(a$ar))^2),"
        " '\\n') }"
    )
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True, timeout=120)
    theirs = [float(v) for v in out.stdout.split()]
    np.testing.assert_allclose([spectrum0_ar(x) for x in series], theirs, rtol=1e-9)


def test_a_stationary_ar1_chain_is_not_flagged_beyond_the_nominal_rate() -> None:
    # phi = 0.9: a draw's variance is 5.3 sigma^2, the long-run variance 100 sigma^2, so the naive
    # standard errors are sqrt(19) = 4.4 times too small and flag two chains in three at |z| > 1.96.
    rng = np.random.default_rng(29)
    chains = _ar1(rng, 0.9, 1.0, 5000, series=400)
    z = np.array([geweke_z(x[:, None])[0] for x in chains])
    flagged = float(np.mean(np.abs(z) > 1.96))
    # nominal 0.05; 400 chains give a binomial standard error of 0.011, and a first window of 500
    # draws (26 effective) makes coda's test a little liberal (0.066 over 500 chains at another seed)
    assert flagged < 0.10, flagged
    assert 0.85 < z.std() < 1.2, z.std()


def test_a_drifting_chain_is_flagged() -> None:
    rng = np.random.default_rng(8)
    chain = _ar1(rng, 0.5, 1.0, 5000)[0]
    chain[:500] += 1.5  # the first tenth still far from where the chain settles
    assert abs(geweke_z(chain[:, None])[0]) > 4
