"""MCMC diagnostics of a fit by MCMC, as R's ``mcmc.diagnostics(fit)`` draws them: per statistic,
its trace (the sampled statistic minus the observed one, draw by draw over the final iteration's
sample) and its density, each panel titled with the statistic's Geweke z and effective size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import gaussian_kde

from analytics.study.figures import png

#: Points at which a density is drawn.
_GRID = 200


def mcmc_panel_title(term: str, geweke: float, effective: float, draws: int) -> str:
    """A panel's title: the statistic, its Geweke z and its effective size out of the draws."""
    return f"{term}\nGeweke z {geweke:+.2f}, effective size {effective:,.0f} of {draws:,} draws"


def mcmc_figure(result: Any) -> plt.Figure:
    """Two panels per statistic of ``result`` (an ``ErgmResult`` fitted by MCMC), in the order of
    its terms: the trace on the left, the density on the right; 0 (the observed statistic) is
    marked in both. A fit without draws (exact maximum likelihood) is a ``ValueError``."""
    sample, d = result.mcmc_sample, result.diagnostics
    if sample is None or d is None:
        raise ValueError(
            f"{result.formula}: {result.method} samples no networks, so it has no MCMC draws to plot"
        )
    draws, terms = len(sample), result.terms
    fig, axes = plt.subplots(len(terms), 2, figsize=(10, 2.2 * len(terms) + 0.8), squeeze=False)
    for k, (term, (trace, density)) in enumerate(zip(terms, axes, strict=True)):
        title = mcmc_panel_title(term, d["geweke_z"][k], d["effective_size"][k], draws)
        values = sample[:, k]
        trace.plot(np.arange(1, draws + 1), values, color="#1f4e79", linewidth=0.5)
        trace.axhline(0.0, color="#d62728", linewidth=1, label="observed")
        trace.set_title(title, fontsize=9)
        trace.set_xlabel("draw (final iteration's sample)")
        trace.set_ylabel("simulated - observed")
        trace.set_xlim(1, draws)
        _draw_density(density, values)
        density.axvline(0.0, color="#d62728", linewidth=1, label="observed")
        density.set_title(title, fontsize=9)
        density.set_xlabel("simulated - observed")
        density.set_ylabel("density")
    axes[0][1].legend(fontsize=8, loc="upper right")
    verdict = "converged" if d["converged"] else "NOT converged"
    fig.suptitle(
        f"MCMC diagnostics: {result.formula}\n{verdict}; {draws:,} draws every {d['interval']:,}"
        f" proposals ({d['proposal']}) after a burn-in of {d['burnin']:,}; seed {d['seed']}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def _draw_density(ax: plt.Axes, values: np.ndarray) -> None:
    """The density as coda's ``densplot`` draws it: a histogram of a statistic in whole numbers
    (edges, mutual, triangle; here on whole-number bins) or one whose bandwidth is 0, otherwise a
    Gaussian kernel density with coda's bandwidth, 1.06 min(sd, IQR / 1.34) n^-1/5."""
    sd = float(values.std(ddof=1))
    q75, q25 = np.percentile(values, [75, 25])
    bandwidth = 1.06 * min(sd, (q75 - q25) / 1.34) * len(values) ** -0.2
    whole = bool(np.all(values == np.floor(values)))
    if whole or bandwidth == 0:
        bins: Any = "sturges"  # R's hist()
        if whole:  # about Sturges' number of bins, each a whole number of values wide
            low, high = float(values.min()), float(values.max())
            width = max(1.0, float(np.floor((high - low) / (np.log2(len(values)) + 1))))
            bins = np.arange(low - 0.5, high + width, width)
        ax.hist(values, bins=bins, density=True, color="#9dc3e6", edgecolor="#1f4e79", linewidth=0.5)
        return
    grid = np.linspace(values.min() - 2 * bandwidth, values.max() + 2 * bandwidth, _GRID)
    ax.plot(grid, gaussian_kde(values, bw_method=bandwidth / sd)(grid), color="#1f4e79")
    ax.set_ylim(bottom=0)


def mcmc_chart(result: Any, path: Path, *, source: str, stamp: str = "") -> Path:
    """The diagnostics as a PNG file; ``stamp``: what of the data is SYNTHETIC, or empty."""
    return png.save(mcmc_figure(result), path, source, stamp)
