"""Model comparison by AIC when some AICs are NaN or MCMC estimates (bridge-sampled log-likelihoods)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analytics.study.dataset import load_study
from analytics.study.generator import NODE_TERMS
from analytics.study.models import FrameFits, fit_frame, long_table, side_by_side

BRIDGE = "bridge sampling: 16 bridges x 256 draws from the dyad-independent start"


@pytest.fixture(scope="module")
def fits(study_folder: Path) -> FrameFits:
    study = load_study(study_folder, list(NODE_TERMS))
    return fit_frame(next(f for f in study.frames if f.key == "zhejiang"))


def _with(fits: FrameFits, changes: dict[str, dict[str, Any]]) -> FrameFits:
    """The same fits with some fields of some models' results replaced."""
    return FrameFits(
        fits.frame, {name: dataclasses.replace(r, **changes.get(name, {})) for name, r in fits.fits.items()}
    )


def test_exact_fits_keep_plain_cells_and_note(fits: FrameFits) -> None:
    best = fits.best
    assert best is not None and fits.best_note() == f"Lowest AIC: {best}."
    wide = side_by_side(fits)
    assert wide.loc["AIC", best] == f"{fits.fits[best].aic:.4f}"
    assert (long_table(fits)["loglik_mc_se"] == 0).all()


def test_a_nan_aic_is_left_out_with_a_note_not_picked(fits: FrameFits) -> None:
    best = fits.best
    assert best is not None
    # The exact winner loses its log-likelihood: min() over NaN would be order-dependent.
    broken = _with(fits, {best: {"loglik": float("nan"), "loglik_method": "not estimated"}})
    assert broken.best is not None and broken.best != best
    others = [n for n in fits.fits if n != best]
    assert broken.best == min(others, key=lambda n: fits.fits[n].aic)
    assert f"Not compared (no AIC): {best}." in broken.best_note()
    assert side_by_side(broken).loc["AIC", best] == "NA"
    # A NaN first in order: a plain min() would return it, since nothing compares below NaN.
    first = next(iter(fits.fits))
    assert first != best
    early = _with(fits, {first: {"loglik": float("nan")}})
    assert early.best == best and f"Not compared (no AIC): {first}." in early.best_note()
    none = _with(fits, {n: {"loglik": float("nan")} for n in fits.fits})
    assert none.best is None and none.best_note().startswith("No model has an AIC")


def test_mcmc_estimated_aic_is_marked_and_a_close_lead_flagged(fits: FrameFits) -> None:
    ranked = sorted(fits.fits, key=lambda n: fits.fits[n].aic)
    first, second = ranked[0], ranked[1]
    gap = fits.fits[second].aic - fits.fits[first].aic
    # A Monte Carlo s.e. on the log-likelihood of gap / 2 makes the AIC s.e. about 1.4 gap.
    marked = _with(fits, {first: {"loglik_mc_se": gap / 2, "loglik_method": BRIDGE}})
    assert marked.best == first
    note = marked.best_note()
    assert f"Its lead over {second} ({gap:.2f}) is within two Monte Carlo standard errors" in note
    cell = str(side_by_side(marked).loc["AIC", first])
    assert cell.startswith(f"{fits.fits[first].aic:.4f} (MCMC estimate, MC s.e. ")
    assert np.isclose(long_table(marked).query("model == @first")["loglik_mc_se"], gap / 2).all()
    # A precise estimate does not trigger the warning.
    precise = _with(fits, {first: {"loglik_mc_se": gap / 100, "loglik_method": BRIDGE}})
    assert "Monte Carlo" not in precise.best_note()


def test_tiny_coefficients_are_readable_not_zero() -> None:
    from analytics.study.models import _cell

    # GDP per capita in CNY and facility counts give coefficients of 1e-5 to 1e-6, which four
    # decimals printed as "0.0000 (0.0000)" - unreadable, and the stars sat on a zero
    assert _cell(3.399715e-06, 3.711283e-06, "") == "3.4e-06 (3.71e-06)"
    assert _cell(-1.538e-05, 1.653e-05, "*") == "-1.54e-05* (1.65e-05)"
    assert _cell(0.012518, 0.000660, "***") == "0.0125*** (0.0007)"  # the paper's layout otherwise
