"""MCMC-MLE convergence: ergm's equivalence test, judged at the estimate the fit returns.

The old fit stopped on a noisy rule and then tested "simulated mean = observed" to within 3 Monte
Carlo errors of its last sample alone; the documented example (`triage study fit` on
examples/study) was reported as NOT converged although its estimate was within 0.1 standard
errors of the exact MLE. These tests use that example, whose only dependent term is ``mutual``,
so its exact MLE is known (``exact_mutual_model_mle``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analytics.ergm import ergm, parse_formula
from analytics.ergm.convergence import TOLERANCE, convergence_test, hummel_steplength
from analytics.ergm.dependent import Chain, dependent_terms, fit_mcmc
from analytics.network_files import read_network
from analytics.study import DEFAULT_SEED
from tests.analytics.ergm.conftest import exact_mutual_model_mle

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"
FORMULA = 'edges + mutual + nodeicov("HTH")'  # the documented example's formula


@pytest.fixture(scope="module")
def example():
    return read_network(EXAMPLE / "nodes.csv", EXAMPLE / "edges.csv")


@pytest.fixture(scope="module")
def default_fit(example) -> tuple[Any, list[tuple[np.ndarray, np.ndarray]]]:
    """One MCMC fit of the documented example at DEFAULT_SEED, with every sample its chain drew
    (the parameter it drew at, the draws): a fit takes about a second, and three tests fitted this
    one - the convergence check at the default seed, the diagnostics test and the reproducibility
    test. Recording leaves the draws as they are: the fit is the one an unrecorded run returns."""
    samples: list[tuple[np.ndarray, np.ndarray]] = []
    real_sample = Chain.sample

    def recorded(self, theta, rng, draws, interval, burnin):
        out = real_sample(self, theta, rng, draws, interval, burnin)
        samples.append((np.array(theta), out))
        return out

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Chain, "sample", recorded)
        fit = fit_mcmc(dependent_terms(parse_formula(FORMULA), example), example, seed=DEFAULT_SEED)
    return fit, samples


@pytest.mark.parametrize("seed", [DEFAULT_SEED, 1, 2])
def test_the_documented_example_converges_near_the_exact_mle(example, default_fit, seed: int) -> None:
    mle, cov = exact_mutual_model_mle(FORMULA, example)
    if seed == DEFAULT_SEED:
        fit, _ = default_fit
    else:
        fit = fit_mcmc(dependent_terms(parse_formula(FORMULA), example), example, seed=seed)
    assert fit.converged and fit.diagnostics["converged"] is True
    assert fit.diagnostics["convergence_p"] < 0.01
    # What the test certifies: the estimate within sqrt(TOLERANCE) standard errors of the MLE.
    gap = fit.coef - mle
    assert float(gap @ np.linalg.solve(cov, gap)) < TOLERANCE, (fit.coef, mle)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), np.sqrt(np.diag(cov)), rtol=0.1)


def test_the_diagnostics_are_computed_on_draws_at_the_returned_estimate(default_fit) -> None:
    fit, samples = default_fit
    at_estimate: list[np.ndarray] = []
    for theta, out in reversed(samples):  # the draws since the parameter last changed
        if not np.array_equal(theta, fit.coef):
            break
        at_estimate.insert(0, out)
    draws = np.vstack(at_estimate)
    assert len(samples) > len(at_estimate)  # there were earlier samples, at other parameters
    assert fit.diagnostics["draws"] == len(draws)
    expected = (draws.mean(axis=0) - fit.observed) / draws.std(axis=0)
    np.testing.assert_allclose(fit.diagnostics["t_ratio"], expected, rtol=1e-12)
    np.testing.assert_allclose(fit.cov, np.linalg.inv(np.cov(draws.T)), rtol=1e-12)


def test_a_sample_too_small_to_show_convergence_is_reported_not_converged(example, monkeypatch) -> None:
    # 10 draws a sample, boosted at most 8-fold: the test statistic cannot exceed TOLERANCE * 80 = 8,
    # below the 99% critical value (at least chi2_3(0.99) = 11.3), so this fit cannot be shown converged.
    monkeypatch.setattr("analytics.ergm.fit_mcmc", functools.partial(fit_mcmc, draws=10))
    fit = ergm(FORMULA, example, seed=1, max_iterations=3, bridges=0)
    assert fit.converged is False and fit.diagnostics is not None
    assert fit.iterations == 3 and fit.diagnostics["iterations"] == 3
    assert fit.diagnostics["convergence_p"] >= 0.01
    assert "MCMC: NOT converged after 3 of at most 3 iterations" in fit.summary()
    assert any(note.startswith("MCMC-MLE did not converge in 3 iterations") for note in fit.notes)
    assert fit.to_json_dict()["converged"] is False


def test_max_iterations_is_at_least_one(example) -> None:
    with pytest.raises(ValueError, match="max_iterations must be at least 1, not 0"):
        ergm(FORMULA, example, max_iterations=0)


def _normal_sample(n: int, shift: np.ndarray, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    corr = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    return rng.multivariate_normal(shift, corr, size=n)


def test_the_test_passes_an_exact_match_and_more_draws_never_hurt() -> None:
    observed = np.zeros(3)
    small_gap = np.array([0.1, 0.0, 0.0])  # 0.1 sd: within the tolerance (sqrt(0.1) = 0.32 sd)
    for n in (5_000, 50_000):
        for shift in (observed, small_gap):
            sample = _normal_sample(n, shift)
            test = convergence_test(sample, observed, np.full(3, float(n)))
            assert test.converged and test.p_value < 0.01, (n, shift, test)
    # The old criterion (every |z| < 3 with z from the sample's own Monte Carlo error) fails this
    # good estimate, and fails it more surely the more draws there are: z = 0.1 * sqrt(50000) ~ 22.


def test_the_test_fails_a_real_gap_however_many_draws() -> None:
    observed = np.zeros(3)
    for n in (1_000, 50_000):
        sample = _normal_sample(n, np.array([0.0, 0.5, 0.0]))
        test = convergence_test(sample, observed, np.full(3, float(n)))
        assert not test.converged and test.distance > 1, (n, test)


def test_autocorrelation_widens_the_margin_needed() -> None:
    sample = _normal_sample(2_000, np.array([0.05, 0.0, 0.0]))
    independent = convergence_test(sample, np.zeros(3), np.full(3, 2_000.0))
    correlated = convergence_test(sample, np.zeros(3), np.full(3, 40.0))
    assert independent.converged and not correlated.converged
    assert correlated.p_value > independent.p_value


def test_hummel_step_length() -> None:
    sample = np.random.default_rng(3).random((500, 1))
    assert hummel_steplength(sample, sample.mean(axis=0)) == 1.0
    # Observed at 2 with the sample in [0, 1]: the largest gamma with mean + 1.05 gamma (2 - mean)
    # still inside is (max - mean) / (1.05 (2 - mean)), found to within 0.01 from below.
    gamma = hummel_steplength(sample, np.array([2.0]))
    mean, top = float(sample.mean()), float(sample.max())
    assert (top - mean) / (1.05 * (2 - mean)) - 0.011 < gamma <= (top - mean) / (1.05 * (2 - mean))


def test_fit_is_reproducible_from_its_seed(example, default_fit) -> None:
    first, _ = default_fit  # the module's fit at DEFAULT_SEED, fitted again here
    second = fit_mcmc(dependent_terms(parse_formula(FORMULA), example), example, seed=DEFAULT_SEED)
    np.testing.assert_array_equal(first.coef, second.coef)
    assert first.diagnostics == second.diagnostics
