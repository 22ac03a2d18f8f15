"""An MCMC sample's effective size is coda's ``effectiveSize``: draws x variance / spectrum0.ar.

It summed the autocorrelations up to the first one below 0.05, while Geweke's z (the same fit's
other diagnostic) reads the draws' autocorrelation through their spectral density at zero: the two
disagreed. A stationary AR(1) x_t = phi x_(t-1) + e_t has the closed form n (1 - phi) / (1 + phi).
"""

from __future__ import annotations

import numpy as np
import pytest

from analytics.ergm.dependent import effective_size
from tests.analytics.ergm.test_geweke import _ar1


@pytest.mark.parametrize(
    "phi",
    [
        0.9,  # the cut-off left the tail out: about 6% too many effective draws
        -0.5,  # an antithetic chain: the cut-off stopped at lag 1 and said n where it holds 3n
    ],
)
def test_effective_size_of_an_ar1_is_its_closed_form(phi: float) -> None:
    n = 20_000
    chains = _ar1(np.random.default_rng(20261207), phi, 1.0, n, series=20)
    sizes = effective_size(chains.T)  # one column per chain, as a sample's statistics
    exact = n * (1 - phi) / (1 + phi)  # 1,052.6 at phi = 0.9; 60,000 at -0.5
    spread = sizes.std(ddof=1) / np.sqrt(len(sizes))
    assert abs(sizes.mean() / exact - 1) < 0.03, (sizes.mean(), exact)
    assert abs(sizes.mean() - exact) < 4 * spread, (sizes.mean(), exact, spread)


def test_a_constant_statistic_has_no_effective_draws() -> None:
    # coda's effectiveSize gives 0 where the spectral density at zero is 0
    sample = np.column_stack([np.full(100, 3.0), np.random.default_rng(1).standard_normal(100)])
    sizes = effective_size(sample)
    assert sizes[0] == 0.0
    assert 50 < sizes[1] < 200
