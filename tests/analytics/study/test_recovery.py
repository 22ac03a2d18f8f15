"""Fitting the generated networks recovers the generator's true coefficients."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.study.dataset import load_study
from analytics.study.generator import NODE_TERMS, TRUE_COEFFICIENTS
from analytics.study.models import fit_frame


@pytest.mark.parametrize("key", ["zhejiang", "national"])
def test_model3_recovers_true_coefficients(study_folder: Path, key: str) -> None:
    study = load_study(study_folder, list(NODE_TERMS))
    frame = next(f for f in study.frames if f.key == key)
    table = fit_frame(frame).fits["Model 3"].to_frame().to_dict("index")
    truth = TRUE_COEFFICIENTS[key]
    names = {"edges": "edges", "GeoProx": "edgecov.GeoProx", "CulProx": "edgecov.CulProx"}
    names |= {t: f"nodeicov.{t}" for t in NODE_TERMS}
    misses = []
    for name, term in names.items():
        coef, se = float(table[term]["coef"]), float(table[term]["se"])
        z = (coef - truth[name]) / se
        if abs(z) > 3.0:
            misses.append(f"{term}: estimate {coef:.5g}, truth {truth[name]}, se {se:.3g}, z {z:.2f}")
    # Ten terms: a |z| > 3 miss by chance has probability ~2.7%; none is expected.
    assert misses == []


def test_model3_has_lowest_aic(study_folder: Path) -> None:
    study = load_study(study_folder, list(NODE_TERMS))
    zhejiang = next(f for f in study.frames if f.key == "zhejiang")
    fits = fit_frame(zhejiang)
    assert fits.fits["Model 2"].aic < fits.fits["Model 1"].aic
    assert fits.best in ("Model 2", "Model 3")
